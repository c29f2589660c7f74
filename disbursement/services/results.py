"""Bank result files: book what the bank paid, once every line is checked (``result_check``).

* **Whole-file refusal.** A file with any bad line is refused whole (``result_check``): nothing
  is written but an audit event.
* **Idempotent.** An accepted file is recorded by its sha256 (unique): importing the same file
  again changes nothing. Each payment's booking has the idempotency key ``pay:<payment id>``
  (its bank charge ``charge:<payment id>``), and a payment is booked only while
  it is ``sent``; a line that repeats what an earlier file already recorded is counted, not
  booked again.
* **Chunks and crash safety.** The accepted lines are applied in chunks (``PAYOUT_IMPORT_CHUNK``,
  5,000), each in its own transaction: ledger lock, payment rows locked, entries posted with the
  batch path (``journal_post_many``), payments updated. A crash loses at most the chunk in
  flight (rolled back); importing the same file again resumes where it stopped. Progress is
  visible between chunks.
* **Value date.** The day the bank paid (``result_check``: the line's value date, or the file's)
  is the payment's date: the entry is dated on it, ``paid_at`` is its first moment (local
  time), and the timeliness measures count to it. A value date after today, before the batch
  was sent, or in a closed period refuses the file.
* **Money.** Paid: awards payable Dr / bank Cr in the batch's fund, for exactly the payment's
  amount (idempotency key ``pay:<payment id>``). A bank charge, on a paid or a failed payment:
  bank charges (5201) Dr / bank Cr in the fund the program names to bear its charges
  (``Program.charges_fund``, by default the unrestricted fund: 奖励扶助 fees are paid by
  finance, never out of the award money), as an entry of its own in that one fund (key
  ``charge:<payment id>``), never one spanning two funds, and never deducted from the
  recipient. Failed: nothing else is booked; the award stays owed and is reissued later.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from djmoney.money import Money

from common.dbstats import refresh_after
from common.pgcopy import NULL, copy_text
from ledger import chart
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head
from ledger.models import Account, JournalEntry, JournalLine
from ledger.services import EntrySpec, LineSpec, journal_post_many

from ..bankfiles import read_result_file
from ..exceptions import (
    BankFileRejected,
    ImportUnfinished,
    InvalidInput,
    InvalidState,
    LayoutMisconfigured,
)
from ..models import (
    BankLayout,
    BankResultImport,
    BatchStatus,
    ImportStatus,
    Payment,
    PaymentStatus,
    PayoutBatch,
)
from ._common import NO_PROGRESS, ZERO, Progress, require_perm, without_jit
from .result_check import (
    FAILED,
    PAID,
    ResultLine,
    check_value_date,
    conflict_problem,
    repeats_recorded,
    validate_result_rows,
)

PERM_IMPORT = "disbursement.import_bankresults"
# The first key of the batch import lock (PostgreSQL advisory locks, two int4 keys): "RSLT".
IMPORT_LOCK_SPACE = 0x52534C54


def _chunk_size() -> int:
    return int(getattr(settings, "PAYOUT_IMPORT_CHUNK", 5000))


def paid_moment(value_date: date) -> datetime:
    """``paid_at`` of a payment the bank paid on ``value_date``: that day's first moment in the
    site's time zone (a bank reports the day, not the hour)."""
    return timezone.make_aware(datetime.combine(value_date, time.min))


def _write_results(imp: BankResultImport, done: list[ResultLine], entry_ids: dict[int, int]):
    """Set status, bank data, value date and booking of the chunk's payments in one statement
    (PostgreSQL) or a bulk update (SQLite)."""
    moments: dict[date, datetime] = {}

    def paid_at(line: ResultLine) -> datetime | None:
        if line.outcome != PAID:
            return None
        if line.value_date not in moments:
            moments[line.value_date] = paid_moment(line.value_date)
        return moments[line.value_date]

    texts: dict[date, str] = {}

    def paid_text(line: ResultLine) -> str:
        # One text per value date, not one per line of a 100,000-line file.
        if line.value_date not in texts:
            texts[line.value_date] = paid_at(line).isoformat()
        return texts[line.value_date]

    if connection.vendor == "postgresql":
        # The chunk's results go in by COPY into a temporary table (dropped at commit) and the
        # payments are updated from it in one statement: passing seven 5,000-element arrays as
        # parameters cost more in their rendering than the update itself.
        text = "".join(
            f"{d.payment_id}\t{d.outcome}\t{copy_text(d.txn)}\t"
            f"{copy_text(d.reason) if d.outcome == FAILED else ''}\t{d.amount}\t"
            f"{NULL if d.charge is None else d.charge}\t"
            f"{entry_ids.get(d.payment_id, NULL)}\t"
            f"{paid_text(d) if d.outcome == PAID else NULL}\n"
            for d in done
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE disbursement_results_chunk (id bigint, status text, "
                "txn text, reason text, amount numeric, charge numeric, entry bigint, "
                "paid_at timestamptz) "
                "ON COMMIT DROP"
            )
            with cursor.copy("COPY disbursement_results_chunk FROM STDIN") as copy:
                copy.write(text)
            cursor.execute(
                f"""
                UPDATE {Payment._meta.db_table} AS p SET
                    status = v.status, bank_txn_id = v.txn, failure_reason = v.reason,
                    reported_amount = v.amount, charge = v.charge, result_import_id = %s,
                    paid_at = v.paid_at, entry_id = v.entry
                FROM disbursement_results_chunk AS v
                WHERE p.id = v.id
                """,  # noqa: S608 - our table name; every value is a parameter or COPY data
                [imp.pk],
            )
            cursor.execute("DROP TABLE disbursement_results_chunk")
        return
    Payment.objects.bulk_update(
        [
            Payment(
                id=d.payment_id,
                status=d.outcome,
                bank_txn_id=d.txn,
                failure_reason=d.reason if d.outcome == FAILED else "",
                reported_amount=d.amount,
                charge=d.charge,
                result_import_id=imp.pk,
                paid_at=paid_at(d),
                entry_id=entry_ids.get(d.payment_id),
            )
            for d in done
        ],
        [
            "status",
            "bank_txn_id",
            "failure_reason",
            "reported_amount",
            "charge",
            "result_import",
            "paid_at",
            "entry",
        ],
        batch_size=500,
    )


def _lock_payments(ids: list[int]) -> dict[int, tuple[str, str, int | None]]:
    """Lock the chunk's payments; their status, bank transaction and settling import now."""
    if connection.vendor == "postgresql":
        # One array parameter, not an IN list of 5,000 literals.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, status, bank_txn_id, result_import_id FROM {Payment._meta.db_table} "  # noqa: S608
                "WHERE id = ANY(%s::bigint[]) FOR UPDATE",
                [ids],
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}
    return {
        row[0]: row[1:]
        for row in Payment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by()
        .values_list("id", "status", "bank_txn_id", "result_import_id")
    }


def _still_sent(imp: BankResultImport, lines: list[ResultLine]) -> list[ResultLine]:
    """The chunk's lines whose payment is still ``sent``, its payments locked. A payment settled
    since the file was checked goes through the same rule as in the check: by this very import
    (an earlier run of it) it is skipped, the same outcome is counted as already recorded, and
    a different one refuses the file as a ``conflict``. (Under the batch's import lock and the
    payment guard nothing but this import settles the batch's payments: this is the rule held
    again, not a path expected to run.)"""
    now = _lock_payments([line.payment_id for line in lines])
    todo, repeats, problems = [], [], []
    for line in lines:
        status, txn_before, imp_before = now[line.payment_id]
        if status == PaymentStatus.SENT:
            todo.append(line)
        elif imp_before == imp.pk:
            continue
        elif repeats_recorded(status, txn_before, line.outcome, line.txn):
            repeats.append(line)
        else:
            problems.append(
                conflict_problem(line.line_no, line.reference, status, txn_before, line.said)
            )
    if problems:
        raise BankFileRejected(
            ngettext(
                "The result file %(file)s was stopped: %(n)s payment was recorded otherwise "
                "while it was applied. First: %(first)s",
                "The result file %(file)s was stopped: %(n)s payments were recorded otherwise "
                "while it was applied. First: %(first)s",
                len(problems),
            )
            % {"file": imp.filename, "n": len(problems), "first": problems[0]["message"]},
            problems=problems,
        )
    if repeats:
        BankResultImport.objects.filter(pk=imp.pk).update(
            already_count=F("already_count") + len(repeats),
            paid_count=F("paid_count") - sum(1 for r in repeats if r.outcome == PAID),
            failed_count=F("failed_count") - sum(1 for r in repeats if r.outcome == FAILED),
        )
    return todo


def _apply_chunk(imp: BankResultImport, batch: PayoutBatch, lines: list[ResultLine], accounts):
    """Book one chunk in one transaction, its payments locked and re-checked (``_still_sent``)."""
    payable, bank, charges = accounts
    fund = batch.fund
    charges_fund = batch.program.charges_fund
    memo_paid = _("Payment %(ref)s")
    memo_charge = _("Bank charge on payment %(ref)s")
    memo_charge_failed = _("Bank charge on failed payment %(ref)s")
    pairs: dict[tuple[str, str, Decimal, str], tuple[LineSpec, LineSpec]] = {}

    def pair(debit, in_fund, amount: Decimal, currency: str) -> tuple[LineSpec, LineSpec]:
        # Line specs are immutable and a chunk pays a few fixed sums many times: one debit/credit
        # pair per account, fund and sum, shared by the entries that need it.
        key = (debit.code, in_fund.code, amount, currency)
        try:
            return pairs[key]
        except KeyError:
            money = Money(amount, currency)
            value = pairs[key] = (
                LineSpec(debit, in_fund, "D", money),
                LineSpec(bank, in_fund, "C", money),
            )
            return value

    with transaction.atomic():
        lock_head()
        without_jit()
        done = _still_sent(imp, lines)
        specs, keys = [], []
        for line in done:
            if line.outcome == PAID:
                specs.append(
                    EntrySpec(
                        date=line.value_date,
                        lines=list(pair(payable, fund, line.amount, line.currency)),
                        idempotency_key=f"pay:{line.payment_id}",
                        memo=memo_paid % {"ref": line.reference},
                        source="disbursement",
                    )
                )
                keys.append((line.payment_id, True))
            if line.charge:
                # Its own entry, in the one fund that bears the program's charges.
                memo = memo_charge if line.outcome == PAID else memo_charge_failed
                specs.append(
                    EntrySpec(
                        date=line.value_date,
                        lines=list(pair(charges, charges_fund, line.charge, line.currency)),
                        idempotency_key=f"charge:{line.payment_id}",
                        memo=memo % {"ref": line.reference},
                        source="disbursement",
                    )
                )
                keys.append((line.payment_id, False))
        entries = journal_post_many(entries=specs, actor=None) if specs else []
        entry_ids = {pid: e.pk for (pid, is_pay), e in zip(keys, entries, strict=True) if is_pay}
        _write_results(imp, done, entry_ids)
    return len(done)


def refuse_file_value_date(batch: PayoutBatch, value_date: date, today: date) -> None:
    """Refuse at once a value date stated for the whole file that the bank cannot have paid on."""
    why = check_value_date(batch, value_date, today)
    if why:
        raise InvalidInput(
            _("The result file cannot be imported: %(why)s") % {"why": why}, field="value_date"
        )


@contextmanager
def batch_import_lock(batch_id: int):
    """Held for a whole import, from the check of its lines to its last chunk, so that one
    batch's result files are checked and applied one after the other: a second file waits for
    the first and is then checked against what the first recorded.

    PostgreSQL: an advisory lock on the batch, for the session (the chunks commit one by one),
    or for the transaction when the caller runs the import inside one. A process that dies
    releases it with its connection. SQLite writes one transaction at a time and has no lock
    that outlives a transaction: there the one-import-applying-per-batch index alone keeps a
    second file out until the first is done (``ImportUnfinished``)."""
    if connection.vendor != "postgresql":
        yield
        return
    key = [IMPORT_LOCK_SPACE, batch_id % 2147483647]
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        if in_transaction:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)
        else:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    if in_transaction:
        yield  # released when the caller's transaction ends
        return
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        except DatabaseError:
            connection.close()  # a session that cannot say it lets the lock go with itself


def _refuse(actor, batch: PayoutBatch, filename: str, digest: str, problems: list[dict]):
    """Record the refusal (its own transaction) and raise it: nothing else is written."""
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditAction.BANKRESULTS_REFUSE,
            obj=batch,
            filename=filename,
            sha256=digest,
            problems=len(problems),
            first=problems[0]["message"],
        )
    raise BankFileRejected(
        ngettext(
            "The result file %(file)s was refused and nothing was booked: %(n)s problem. "
            "First: %(first)s Correct the file with the bank and import it again.",
            "The result file %(file)s was refused and nothing was booked: %(n)s problems. "
            "First: %(first)s Correct the file with the bank and import it again.",
            len(problems),
        )
        % {"file": filename, "n": len(problems), "first": problems[0]["message"]},
        problems=problems,
    )


def _same_file(digest: str, batch: PayoutBatch) -> BankResultImport | None:
    existing = BankResultImport.objects.filter(sha256=digest).first()
    if existing is not None and existing.batch_id != batch.pk:
        raise InvalidInput(
            _("This file was already imported for batch PB%(other)s, not PB%(batch)s.")
            % {"other": existing.batch_id, "batch": batch.pk}
        )
    return existing


def _check_and_claim(*, batch, layout, parsed, digest, filename, actor, value_date, today):
    """Under the batch's import lock, in one transaction: the file's lines checked against the
    payments as they are now, and the import recorded as the one applying to the batch.
    Returns (import, lines to book, resumed) or the problems that refuse the file."""
    with transaction.atomic():
        existing = _same_file(digest, batch)
        if existing is not None and existing.status == ImportStatus.DONE:
            return existing, [], True, []
        other = (
            BankResultImport.objects.filter(batch=batch, status=ImportStatus.APPLYING)
            .exclude(pk=getattr(existing, "pk", None))
            .first()
        )
        if other is not None:
            raise ImportUnfinished(
                _(
                    "Result file %(other)s (import no. %(id)s) of batch PB%(batch)s is still "
                    "being applied, or its import was interrupted. A batch's payments are "
                    "settled by one file at a time: wait for it to finish (or import that file "
                    "again to finish it), then import %(file)s; nothing was booked."
                )
                % {"other": other.filename, "id": other.pk, "batch": batch.pk, "file": filename}
            )
        problems = list(parsed.problems)
        todo, already = [], 0
        if not problems:
            todo, already = validate_result_rows(
                batch,
                layout,
                parsed.rows,
                problems,
                existing.pk if existing else None,
                value_date=value_date,
                today=today,
            )
        if problems:
            return None, [], False, problems
        if existing is not None:
            return existing, todo, True, []
        currency = str(batch.total.currency)

        def total(outcome):
            return Money(sum((d.amount for d in todo if d.outcome == outcome), ZERO), currency)

        imp = BankResultImport.objects.create(
            batch=batch,
            layout=layout,
            sha256=digest,
            filename=filename[:200],
            lines=len(parsed.rows),
            paid_count=sum(1 for d in todo if d.outcome == PAID),
            failed_count=sum(1 for d in todo if d.outcome == FAILED),
            already_count=already,
            paid_total=total(PAID),
            failed_total=total(FAILED),
            charges_total=Money(sum((d.charge or ZERO for d in todo), ZERO), currency),
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        return imp, todo, False, []


def results_import(
    *,
    batch: PayoutBatch,
    layout: BankLayout,
    content: bytes,
    filename: str,
    actor,
    today: date | None = None,
    value_date: date | None = None,
    progress: Progress = NO_PROGRESS,
    chunk_size: int | None = None,
) -> BankResultImport:
    """Import a bank result file for an exported batch (see the module docstring).

    ``value_date``: the day the bank paid, for a layout whose file has no value-date column
    (and for its lines that leave it empty); by default ``today``, the day of the import.

    Returns the import once it is ``done``, never before: the same file imported at the same
    moment by someone else is waited for (PostgreSQL) or finished alongside (SQLite)."""
    require_perm(actor, PERM_IMPORT)
    today = today or timezone.localdate()
    problems_cfg = layout.configuration_errors()
    if problems_cfg:
        raise LayoutMisconfigured(" ".join(problems_cfg))
    digest = hashlib.sha256(content).hexdigest()
    existing = _same_file(digest, batch)
    if existing is not None and existing.status == ImportStatus.DONE:
        return existing  # the same file again: nothing changes
    batch = PayoutBatch.objects.select_related("fund", "program__charges_fund").get(pk=batch.pk)
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.CLOSED):
        raise InvalidState(
            _("Batch PB%(batch)s has not been sent to the bank yet: export it first.")
            % {"batch": batch.pk}
        )
    if value_date is not None:
        refuse_file_value_date(batch, value_date, today)
    progress.start(0, _("Checking every line"))
    parsed = read_result_file(layout, content, filename)
    with batch_import_lock(batch.pk):
        try:
            imp, todo, resumed, problems = _check_and_claim(
                batch=batch,
                layout=layout,
                parsed=parsed,
                digest=digest,
                filename=filename,
                actor=actor,
                value_date=value_date,
                today=today,
            )
        except IntegrityError as exc:
            # Only where the lock is the database's own (SQLite): another file of the batch, or
            # this one, was claimed between our look and our write. Theirs stands; never
            # answer with their import before it is done.
            raise ImportUnfinished() from exc
        if problems:
            _refuse(actor, batch, filename, digest, problems)
        if imp.status == ImportStatus.DONE:
            return imp  # finished by someone else while we waited for the lock
        _apply_all(imp, batch, todo, progress, chunk_size)
        _finish(imp, batch, actor, filename, digest, resumed)
    imp.refresh_from_db()
    return imp


def _apply_all(imp, batch, todo, progress, chunk_size) -> None:
    accounts = Account.objects.in_bulk(
        [chart.AWARDS_PAYABLE, chart.BANK, chart.BANK_CHARGES], field_name="code"
    )
    accounts = (accounts[chart.AWARDS_PAYABLE], accounts[chart.BANK], accounts[chart.BANK_CHARGES])
    size = max(1, chunk_size or _chunk_size())
    progress.start(len(todo), _("Booking the bank's results"))
    for start in range(0, len(todo), size):
        _apply_chunk(imp, batch, todo[start : start + size], accounts)
        progress.step(min(start + size, len(todo)))


def _finish(imp, batch, actor, filename, digest, resumed) -> None:
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        BankResultImport.objects.filter(pk=imp.pk).update(
            status=ImportStatus.DONE, finished_at=timezone.now()
        )
        imp.refresh_from_db()
        open_left = Payment.objects.filter(
            batch=batch, status__in=[PaymentStatus.PENDING, PaymentStatus.SENT]
        ).exists()
        if batch.status == BatchStatus.EXPORTED and not open_left:
            batch.close(timezone.now())
            batch.save()
        audit(
            actor=actor,
            action=AuditAction.BANKRESULTS_IMPORT,
            obj=batch,
            import_id=imp.pk,
            filename=filename,
            sha256=digest,
            paid=imp.paid_count,
            failed=imp.failed_count,
            already=imp.already_count,
            resumed=resumed,
        )
    refresh_after(
        imp.paid_count + imp.failed_count,
        Payment._meta.db_table,
        JournalEntry._meta.db_table,
        JournalLine._meta.db_table,
    )
