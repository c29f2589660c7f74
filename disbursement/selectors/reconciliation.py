"""A batch's reconciliation: its payments, the bank file, what the bank reported and the
ledger's awards-payable movement side by side, and every place where they differ.

Two queries whatever the batch's size (one aggregate, one listing of the payments that differ):
nothing is read row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ledger import chart
from ledger.models import Account, JournalLine, Side

from ..models import BatchStatus, ExportLog, Payment, PaymentStatus, PayoutBatch
from .base import ZERO, cents


@dataclass
class Reconciliation:
    batch: PayoutBatch
    currency: str
    payments_count: int
    payments_total: Decimal  # every payment of the batch
    file_rows: int | None  # the latest export (None: not exported)
    file_total: Decimal | None
    results_count: int  # payments with a result from the bank
    results_total: Decimal  # their amounts as the bank reported them (paid and failed)
    results_paid_total: Decimal  # reported paid
    paid_count: int
    paid_total: Decimal  # payments marked paid
    failed_total: Decimal  # failed or reissued
    ledger_total: Decimal  # awards payable debits of the batch's payment entries
    charges_total: Decimal
    differences: list[str] = field(default_factory=list)
    waiting_count: int = 0  # sent, no result yet
    waiting_total: Decimal = ZERO

    @property
    def agrees(self) -> bool:
        return not self.differences


_PAID = PaymentStatus.PAID.value
_WAITING = f"('{PaymentStatus.PENDING.value}', '{PaymentStatus.SENT.value}')"
_FAILED = f"('{PaymentStatus.FAILED.value}', '{PaymentStatus.REISSUED.value}')"
# Per payment: whether the bank reported another amount, and whether the ledger disagrees (a paid
# payment not booked for exactly its amount, a failed one booked at all). ABS(...) >= half a cent
# rather than <>: SQLite sums decimals as floating point.
_REPORTED_DIFFERS = "(r.imp IS NOT NULL AND r.reported IS NOT NULL AND r.reported <> r.amount)"
_LEDGER_DIFFERS = (
    f"(r.status = '{_PAID}' AND ABS(r.led - r.amount) >= 0.005"
    f" OR r.status IN {_FAILED} AND ABS(r.led) >= 0.005)"
)


_SUMS = f"""
    SELECT COUNT(*), SUM(r.amount),
           SUM(CASE WHEN r.imp IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.imp IS NOT NULL THEN COALESCE(r.reported, 0) ELSE 0 END),
           SUM(CASE WHEN r.imp IS NOT NULL AND r.status = '{_PAID}'
                    THEN COALESCE(r.reported, 0) ELSE 0 END),
           SUM(CASE WHEN r.imp IS NULL AND r.status IN {_WAITING} THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.imp IS NULL AND r.status IN {_WAITING} THEN r.amount ELSE 0 END),
           SUM(COALESCE(r.charge, 0)), SUM(r.led),
           SUM(CASE WHEN r.status = '{_PAID}' THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.status = '{_PAID}' THEN r.amount ELSE 0 END),
           SUM(CASE WHEN r.status IN {_FAILED} THEN r.amount ELSE 0 END),
           SUM(CASE WHEN {_REPORTED_DIFFERS} THEN 1 ELSE 0 END)
           + SUM(CASE WHEN {_LEDGER_DIFFERS} THEN 1 ELSE 0 END)
    FROM r
"""  # noqa: S608 - constant SQL
_DIFFERING = f"""
    SELECT r.reference, r.amount, r.status, r.reported, r.imp, r.led FROM r
    WHERE {_REPORTED_DIFFERS} OR {_LEDGER_DIFFERS}
    ORDER BY r.id LIMIT %s
"""  # noqa: S608 - constant SQL


def _reconciliation_rows(batch: PayoutBatch) -> tuple[str, list]:
    """The batch's payments, each with what the ledger's awards-payable debits of its entry add
    up to (``led``), as a common table expression ``r``; one join, not a look-up per payment."""
    payment, line = Payment._meta.db_table, JournalLine._meta.db_table
    payable = Account.objects.filter(code=chart.AWARDS_PAYABLE).values_list("id", flat=True)
    sql = f"""
        WITH r AS (
            SELECT p.id AS id, p.reference AS reference, p.amount AS amount, p.status AS status,
                   p.reported_amount AS reported, p.result_import_id AS imp,
                   p.charge AS charge, COALESCE(led.amount, 0) AS led
            FROM {payment} p
            LEFT JOIN (
                SELECT l.entry_id AS entry_id, SUM(l.amount) AS amount
                FROM {line} l
                WHERE l.entry_id IN (SELECT q.entry_id FROM {payment} q WHERE q.batch_id = %s)
                  AND l.account_id = %s AND l.side = %s
                GROUP BY l.entry_id
            ) led ON led.entry_id = p.entry_id
            WHERE p.batch_id = %s
        )
    """  # noqa: S608 - table names and status constants are ours; values are parameters
    return sql, [batch.pk, payable.first() or 0, Side.DEBIT.value, batch.pk]


def batch_reconciliation(batch: PayoutBatch, *, max_listed: int = 50) -> Reconciliation:
    """The batch's four sums side by side, and every place where they differ.

    * payments = the bank file (rows and total of the latest export);
    * payments = what the bank reported (paid and failed) + what still waits for a result;
    * reported paid = payments marked paid = the ledger's awards-payable debits of their entries,
      payment by payment.

    The sums are one aggregate query and the payments that differ are listed by a second one
    (the first ``max_listed``): nothing is read row by row, so a batch of 100,000 takes about as
    long as a small one.
    """
    currency = str(batch.total.currency)
    rows_sql, params = _reconciliation_rows(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Planned and run in well under a second; JIT compiling it took longer than that.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(rows_sql + _SUMS, params)
        (
            count,
            payments_total,
            results_count,
            results_total,
            results_paid_total,
            waiting_count,
            waiting_total,
            charges_total,
            ledger_total,
            paid_count,
            paid_total,
            failed_total,
            differing,
        ) = cursor.fetchone()
        differing, differing_rows = differing or 0, []
        if differing:
            cursor.execute(rows_sql + _DIFFERING, [*params, max_listed])
            differing_rows = cursor.fetchall()
    export = ExportLog.objects.filter(batch=batch).order_by("-id").first()
    rec = Reconciliation(
        batch=batch,
        currency=currency,
        payments_count=count or 0,
        payments_total=cents(payments_total),
        file_rows=export.rows if export else None,
        file_total=cents(export.total.amount) if export else None,
        results_count=results_count or 0,
        results_total=cents(results_total),
        results_paid_total=cents(results_paid_total),
        paid_count=paid_count or 0,
        paid_total=cents(paid_total),
        failed_total=cents(failed_total),
        ledger_total=cents(ledger_total),
        charges_total=cents(charges_total),
        waiting_count=waiting_count or 0,
        waiting_total=cents(waiting_total),
    )
    listed: list[str] = []
    for reference, amount, status, reported, import_id, in_ledger in differing_rows:
        amount, in_ledger = cents(amount), cents(in_ledger)
        if import_id is not None and reported is not None and cents(reported) != amount:
            listed.append(
                _("%(ref)s: the bank reported %(rep)s, the payment is %(amt)s.")
                % {"ref": reference, "rep": cents(reported), "amt": amount}
            )
        if status == PaymentStatus.PAID and in_ledger != amount:
            listed.append(
                _("%(ref)s: paid %(amt)s, but the ledger shows %(led)s against awards payable.")
                % {"ref": reference, "amt": amount, "led": in_ledger}
            )
        elif status in (PaymentStatus.FAILED, PaymentStatus.REISSUED) and in_ledger:
            listed.append(
                _("%(ref)s: failed, but the ledger shows %(led)s paid.")
                % {"ref": reference, "led": in_ledger}
            )
    money = lambda v: f"{currency} {cents(v):,}"  # noqa: E731
    diffs = rec.differences
    if cents(rec.payments_total) != cents(batch.total.amount):
        diffs.append(
            _("The payments add up to %(sum)s, but the approved batch total is %(total)s.")
            % {"sum": money(rec.payments_total), "total": money(batch.total.amount)}
        )
    if export is None:
        if batch.status not in (BatchStatus.DRAFT, BatchStatus.APPROVED, BatchStatus.DISCARDED):
            diffs.append(_("The batch has no bank file export on record."))
    else:
        if export.rows != rec.payments_count or rec.file_total != cents(rec.payments_total):
            diffs.append(
                _(
                    "The bank file (%(file)s) holds %(rows)s rows for %(ftotal)s; the batch has "
                    "%(n)s payments for %(ptotal)s."
                )
                % {
                    "file": export.filename,
                    "rows": export.rows,
                    "ftotal": money(rec.file_total),
                    "n": rec.payments_count,
                    "ptotal": money(rec.payments_total),
                }
            )
    if cents(rec.results_total + rec.waiting_total) != cents(rec.payments_total):
        diffs.append(
            _(
                "The bank reported %(rep)s and %(wait)s waits for a result, but the payments add "
                "up to %(total)s."
            )
            % {
                "rep": money(rec.results_total),
                "wait": money(rec.waiting_total),
                "total": money(rec.payments_total),
            }
        )
    if not (cents(rec.results_paid_total) == cents(rec.paid_total) == cents(rec.ledger_total)):
        diffs.append(
            _(
                "Reported paid %(rep)s, payments marked paid %(paid)s and the ledger's "
                "awards-payable movement %(led)s differ."
            )
            % {
                "rep": money(rec.results_paid_total),
                "paid": money(rec.paid_total),
                "led": money(rec.ledger_total),
            }
        )
    diffs.extend(listed[:max_listed])
    if differing > max_listed:
        diffs.append(_("… and %(n)s more payments.") % {"n": differing - max_listed})
    return rec
