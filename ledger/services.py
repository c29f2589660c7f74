"""Every write to the books.

All postings go through ``_post`` which, inside one transaction:

1. validates every entry in Python first (clear, translated errors; nothing written yet);
2. locks the single ``ChainHead`` row. That serialises postings, which the hash chain needs
   anyway, and means there is exactly one lock to take, so postings cannot deadlock;
3. answers retries: an idempotency key already used with the same content returns the first
   entry, with different content raises ``IdempotencyConflict``;
4. inserts the entries as drafts, their lines with running balances, flips them to posted in one
   UPDATE (the database re-checks everything, ``dbguards``), upserts the stored balances and moves
   the chain head.

A posting's own record is the entry (who, when, chained by hash); other writes add an
``AuditEvent`` in the same transaction.
"""

from __future__ import annotations

import calendar
import gc
import uuid
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from . import chart, hashing
from .exceptions import (
    AlreadyReversed,
    CashPayoutRefused,
    CurrencyNotHeld,
    IdempotencyConflict,
    InvalidAmount,
    InvalidEntry,
    LedgerIntegrityError,
    NotReversible,
    PeriodClosed,
    PermissionDenied,
    UnbalancedEntry,
    UnknownAccount,
    UnknownFund,
)
from .models import (
    GENESIS_HASH,
    Account,
    AuditEvent,
    Balance,
    ChainHead,
    EntryStatus,
    Fund,
    JournalEntry,
    JournalLine,
    Period,
    PeriodStatus,
    Side,
)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")
CHUNK = 5000  # entries per INSERT statement in the batch path
GC_PAUSE_FROM = 1000  # entries from which a batch pauses the cyclic garbage collector
# Plain strings for the hot loops (an enum member look-up per line shows in a large batch).
_DEBIT, _CREDIT = Side.DEBIT.value, Side.CREDIT.value


@dataclass(frozen=True)
class LineSpec:
    account: Account | str
    fund: Fund | str
    side: str
    amount: Money
    memo: str = ""


@dataclass(frozen=True)
class EntrySpec:
    date: date
    lines: Sequence[LineSpec]
    idempotency_key: str = ""
    memo: str = ""
    source: str = "manual"
    reverses: JournalEntry | None = field(default=None, compare=False)


@dataclass
class _Prepared:
    spec: EntrySpec
    key: str
    lines: list[
        tuple[Account, Fund, str, Decimal, str, str]
    ]  # account, fund, side, amount, cur, memo
    content_hash: str


def audit(
    *, actor, action: str, obj=None, object_type: str = "", object_id: str = "", **data
) -> AuditEvent:
    """Write one audit event (call inside the operation's transaction)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data,
    )


def _require(actor, perm: str) -> None:
    """``actor=None`` is the system itself (management commands, other services)."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(
            _("You do not have permission to do this (%(perm)s).") % {"perm": perm}
        )


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _check_amount(amount, where: str) -> tuple[Decimal, str]:
    if not isinstance(amount, Money):
        raise InvalidAmount(
            _("%(where)s: the amount must be a sum of money with a currency.") % {"where": where}
        )
    value = amount.amount
    if not value.is_finite() or value <= 0:
        raise InvalidAmount(
            _("%(where)s: the amount must be more than zero (got %(amount)s).")
            % {"where": where, "amount": value}
        )
    if value != value.quantize(CENT):
        raise InvalidAmount(
            _("%(where)s: the amount %(amount)s has more than two decimal places.")
            % {"where": where, "amount": value}
        )
    if value > MAX_AMOUNT:
        raise InvalidAmount(
            _("%(where)s: the amount %(amount)s is too large.") % {"where": where, "amount": value}
        )
    return value.quantize(CENT), str(amount.currency)


def _line_amount(amount, index: int, many: bool, line_no: int) -> tuple[Decimal, str]:
    """``_check_amount`` for a line, naming the line only when the amount is refused."""
    if isinstance(amount, Money):
        value = amount.amount
        if value.is_finite() and 0 < value <= MAX_AMOUNT:
            quantized = value.quantize(CENT)
            if value == quantized:
                return quantized, str(amount.currency)
    return _check_amount(amount, _where(index, many, line_no))


def _resolve(specs: Sequence[EntrySpec]) -> tuple[dict, dict]:
    account_codes = {ls.account for s in specs for ls in s.lines if isinstance(ls.account, str)}
    fund_codes = {ls.fund for s in specs for ls in s.lines if isinstance(ls.fund, str)}
    accounts = (
        {a.code: a for a in Account.objects.filter(code__in=account_codes)} if account_codes else {}
    )
    funds = {f.code: f for f in Fund.objects.filter(code__in=fund_codes)} if fund_codes else {}
    return accounts, funds


def _label(index: int, many: bool) -> str:
    return _("Entry %(n)s") % {"n": index} if many else _("Entry")


def _where(index: int, many: bool, line_no: int) -> str:
    return _("%(label)s, line %(n)s") % {"label": _label(index, many), "n": line_no}


def _check_cash_leaves_only_for_the_bank(lines, index: int, many: bool) -> None:
    """No collecting and spending on the spot (坐收坐支): cash on hand leaves only for the bank.

    An entry that credits cash on hand may debit nothing but cash at bank (a deposit); payouts
    leave from the bank. A mistaken cash entry is undone by reversing it.
    """
    for account, _f, side, *_r in lines:
        if side == _CREDIT and account.code == chart.CASH:
            break
    else:
        return
    others = sorted(
        {
            account.code
            for account, _f, side, *_r in lines
            if side == _DEBIT and account.code != chart.BANK
        }
    )
    if others:
        raise CashPayoutRefused(
            _(
                "%(label)s pays out of cash on hand (to %(accounts)s). Cash on hand only goes to the bank "
                "(debit %(bank)s); pay from the bank, or reverse a mistaken cash entry."
            )
            % {"label": _label(index, many), "accounts": ", ".join(others), "bank": chart.BANK}
        )


def _prepare(specs: Sequence[EntrySpec]) -> list[_Prepared]:
    # Error labels ("Entry 3, line 2") are translated only when an error is raised: building
    # them eagerly cost more than the whole rest of the validation of a 100,000-entry batch.
    accounts, funds = _resolve(specs)
    many = len(specs) > 1
    prepared = []
    for index, spec in enumerate(specs, start=1):
        if not isinstance(spec.date, date):
            raise InvalidEntry(_("%(label)s: a date is required.") % {"label": _label(index, many)})
        if len(spec.lines) < 2:
            raise InvalidEntry(
                _("%(label)s: an entry needs at least two lines.") % {"label": _label(index, many)}
            )
        if len(spec.memo) > 500:
            raise InvalidEntry(
                _("%(label)s: the memo is longer than 500 characters.")
                % {"label": _label(index, many)}
            )
        key = spec.idempotency_key or f"auto:{uuid.uuid4()}"
        if len(key) > 200:
            raise InvalidEntry(
                _("%(label)s: the idempotency key is longer than 200 characters.")
                % {"label": _label(index, many)}
            )
        lines = []
        sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for line_no, ls in enumerate(spec.lines, start=1):
            account = accounts.get(ls.account) if isinstance(ls.account, str) else ls.account
            if account is None:
                raise UnknownAccount(
                    _("%(where)s: there is no account %(code)s.")
                    % {"where": _where(index, many, line_no), "code": ls.account}
                )
            if not account.is_active:
                raise UnknownAccount(
                    _("%(where)s: account %(code)s is closed.")
                    % {"where": _where(index, many, line_no), "code": account.code}
                )
            fund = funds.get(ls.fund) if isinstance(ls.fund, str) else ls.fund
            if fund is None:
                raise UnknownFund(
                    _("%(where)s: there is no fund %(code)s.")
                    % {"where": _where(index, many, line_no), "code": ls.fund}
                )
            if not fund.is_active:
                raise UnknownFund(
                    _("%(where)s: fund %(code)s is closed.")
                    % {"where": _where(index, many, line_no), "code": fund.code}
                )
            if ls.side not in (_DEBIT, _CREDIT):
                raise InvalidEntry(
                    _("%(where)s: the side must be D (debit) or C (credit).")
                    % {"where": _where(index, many, line_no)}
                )
            value, currency = _line_amount(ls.amount, index, many, line_no)
            if not fund.holds_currency(currency):
                raise CurrencyNotHeld(
                    _("%(where)s: fund %(fund)s does not hold %(cur)s.")
                    % {"where": _where(index, many, line_no), "fund": fund.code, "cur": currency}
                )
            if len(ls.memo) > 200:
                raise InvalidEntry(
                    _("%(where)s: the line memo is longer than 200 characters.")
                    % {"where": _where(index, many, line_no)}
                )
            sums[(fund.code, currency)] += value if ls.side == _DEBIT else -value
            lines.append((account, fund, ls.side, value, currency, ls.memo))
        for (fund_code, currency), diff in sums.items():
            if diff > 0:
                raise UnbalancedEntry(
                    _(
                        "%(label)s does not balance for fund %(fund)s in %(cur)s: debits exceed credits by "
                        "%(diff)s. Each fund's debits must equal its credits."
                    )
                    % {
                        "label": _label(index, many),
                        "fund": fund_code,
                        "cur": currency,
                        "diff": diff,
                    }
                )
            if diff < 0:
                raise UnbalancedEntry(
                    _(
                        "%(label)s does not balance for fund %(fund)s in %(cur)s: credits exceed debits by "
                        "%(diff)s. Each fund's debits must equal its credits."
                    )
                    % {
                        "label": _label(index, many),
                        "fund": fund_code,
                        "cur": currency,
                        "diff": -diff,
                    }
                )
        if spec.reverses is None:
            _check_cash_leaves_only_for_the_bank(lines, index, many)
        content = hashing.content_hash(
            entry_date=spec.date,
            memo=spec.memo,
            source=spec.source,
            reverses_seq=spec.reverses.seq if spec.reverses else None,
            line_tokens=[
                hashing.line_token(a.code, f.code, s, v, c, m) for a, f, s, v, c, m in lines
            ],
        )
        prepared.append(_Prepared(spec=spec, key=key, lines=lines, content_hash=content))
    return prepared


# --------------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------------
def _month_period(day: date) -> Period:
    last = calendar.monthrange(day.year, day.month)[1]
    return Period.objects.create(
        code=f"{day.year:04d}-{day.month:02d}", start=day.replace(day=1), end=day.replace(day=last)
    )


def _period_closed(code: str, day: date) -> PeriodClosed:
    return PeriodClosed(
        _(
            "Period %(period)s is closed: nothing can be posted on %(day)s. Date the entry in an open period."
        )
        % {"period": code, "day": day.isoformat()}
    )


def _key_conflict(key: str, seq) -> IdempotencyConflict:
    return IdempotencyConflict(
        _(
            "The idempotency key %(key)s was already used for entry %(seq)s with different "
            "content. Use a new key for a new entry."
        )
        % {"key": key, "seq": seq}
    )


def _periods_for(dates: set[date]) -> dict[date, Period]:
    """The period of each date, opening the month's period where none exists yet."""
    lo, hi = min(dates), max(dates)
    periods = list(Period.objects.filter(start__lte=hi, end__gte=lo))
    found: dict[date, Period] = {}
    for day in sorted(dates):
        period = next((p for p in periods if p.start <= day <= p.end), None)
        if period is None:
            period = _month_period(day)
            periods.append(period)
        if period.status != PeriodStatus.OPEN:
            raise _period_closed(period.code, day)
        found[day] = period
    return found


# --------------------------------------------------------------------------------------------
# posting
# --------------------------------------------------------------------------------------------
def _lock_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def _existing(prepared: list[_Prepared]) -> dict[str, JournalEntry]:
    keys = list({p.key for p in prepared})
    found = {}
    if connection.vendor == "postgresql" and len(keys) > 1:
        # One array parameter instead of IN lists of thousands of literals; retries are rare,
        # so only the keys found are loaded as model instances.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM ledger_journalentry WHERE idempotency_key = ANY(%s::text[])",
                [keys],
            )
            ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), CHUNK):
            for entry in JournalEntry.objects.filter(pk__in=ids[start : start + CHUNK]):
                found[entry.idempotency_key] = entry
        return found
    for start in range(0, len(keys), CHUNK):
        for entry in JournalEntry.objects.filter(idempotency_key__in=keys[start : start + CHUNK]):
            found[entry.idempotency_key] = entry
    return found


def _write_orm(to_post, periods, running, seq, prev_hash, actor_id, now, created, last_line):
    """Insert drafts and lines with the ORM, CHUNK entries per statement, flipping each chunk."""
    for start in range(0, len(to_post), CHUNK):
        chunk = to_post[start : start + CHUNK]
        entries = []
        for p in chunk:
            seq += 1
            digest = hashing.entry_hash(
                prev_hash=prev_hash,
                seq=seq,
                idempotency_key=p.key,
                content=p.content_hash,
                posted_by_id=actor_id,
                posted_at=now,
            )
            entries.append(
                JournalEntry(
                    seq=seq,
                    date=p.spec.date,
                    period=periods[p.spec.date],
                    memo=p.spec.memo,
                    source=p.spec.source,
                    status=EntryStatus.DRAFT,
                    idempotency_key=p.key,
                    content_hash=p.content_hash,
                    prev_hash=prev_hash,
                    hash=digest,
                    reverses=p.spec.reverses,
                    posted_by_id=actor_id,
                    posted_at=now,
                )
            )
            prev_hash = digest
        JournalEntry.objects.bulk_create(entries)
        lines = []
        for entry, p in zip(entries, chunk, strict=True):
            for line_no, (account, fund, side, value, currency, memo) in enumerate(
                p.lines, start=1
            ):
                k = (account.id, fund.id, currency)
                after = running.get(k, Decimal("0.00")) + (value if side == _DEBIT else -value)
                running[k] = after
                line = JournalLine(
                    entry=entry,
                    line_no=line_no,
                    account=account,
                    fund=fund,
                    side=side,
                    amount=Money(value, currency),
                    balance_after=after,
                    memo=memo,
                )
                lines.append(line)
                last_line[k] = line
        JournalLine.objects.bulk_create(lines)
        JournalEntry.objects.filter(seq__gte=entries[0].seq, seq__lte=entries[-1].seq).update(
            status=EntryStatus.POSTED
        )
        for entry in entries:
            entry.status = EntryStatus.POSTED
            created[entry.idempotency_key] = entry
    return seq, prev_hash


_ENTRY_COLUMNS = [f.column for f in JournalEntry._meta.concrete_fields]
_ENTRY_ATTNAMES = [f.attname for f in JournalEntry._meta.concrete_fields]
# ``_write_pg`` builds its rows in this order; a new field must be added there too.
assert _ENTRY_COLUMNS == [  # noqa: S101
    "id",
    "seq",
    "date",
    "period_id",
    "memo",
    "source",
    "status",
    "idempotency_key",
    "content_hash",
    "prev_hash",
    "hash",
    "reverses_id",
    "posted_by_id",
    "posted_at",
], _ENTRY_COLUMNS
_LINE_COLUMNS = (
    "id, entry_id, line_no, account_id, fund_id, side, amount_currency, amount, balance_after, memo"
)


def _reserve_ids(cursor, table: str, count: int) -> range:
    """A block of ``count`` ids from the table's own sequence, ascending.

    The block is taken by moving the sequence past it in one statement. Every posting holds the
    chain-head lock, so no other posting takes ids meanwhile; a writer going around the
    services at that very moment would collide on the primary key and be refused, never mixed
    in silently.
    """
    if not count:
        return range(0)
    cursor.execute(
        "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS s",
        [count, table],
    )
    last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


_NULL = "\\N"  # NULL in COPY's text format
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A text value in COPY's text format (backslash escapes for the four special characters)."""
    return value.translate(_COPY_ESCAPES) if value else value


def _write_pg(to_post, periods, running, seq, prev_hash, actor_id, now, created):
    """PostgreSQL: the same rows as ``_write_orm``, written with COPY and flipped in one UPDATE.

    Building a Django model per row and rendering multi-row INSERTs cost more than everything
    else in a large batch; COPY takes plain text. The ids come from the tables' own sequences
    (``_reserve_ids``) so they ascend in posting order as the ORM's would, and the
    statement-level triggers check the COPY and the flip exactly as they check the ORM's
    INSERTs and UPDATE.
    """
    n_lines = sum(len(p.lines) for p in to_post)
    entries: list[tuple] = []
    entry_text: list[str] = []
    line_text: list[str] = []
    last_line: dict[tuple[int, int, str], int] = {}
    first_seq = seq + 1
    zero = Decimal("0.00")
    draft, posted = EntryStatus.DRAFT.value, EntryStatus.POSTED.value
    actor_text = _NULL if actor_id is None else str(actor_id)
    now_text = now.isoformat()
    now_token = hashing.timestamp_token(now)
    with connection.cursor() as cursor:
        entry_ids = _reserve_ids(cursor, JournalEntry._meta.db_table, len(to_post))
        line_id = (_reserve_ids(cursor, JournalLine._meta.db_table, n_lines) or [0])[0]
        for p, entry_id in zip(to_post, entry_ids, strict=True):
            seq += 1
            digest = hashing.entry_hash(
                prev_hash=prev_hash,
                seq=seq,
                idempotency_key=p.key,
                content=p.content_hash,
                posted_by_id=actor_id,
                posted_at=now,
                posted_at_token=now_token,
            )
            spec = p.spec
            period_id = periods[spec.date].pk
            reverses_id = spec.reverses.pk if spec.reverses else None
            # In the order of JournalEntry's concrete fields (_ENTRY_COLUMNS).
            entries.append(
                (
                    entry_id,
                    seq,
                    spec.date,
                    period_id,
                    spec.memo,
                    spec.source,
                    posted,
                    p.key,
                    p.content_hash,
                    prev_hash,
                    digest,
                    reverses_id,
                    actor_id,
                    now,
                )
            )
            entry_text.append(
                f"{entry_id}\t{seq}\t{spec.date.isoformat()}\t{period_id}\t"
                f"{_copy_text(spec.memo)}\t{_copy_text(spec.source)}\t{draft}\t"
                f"{_copy_text(p.key)}\t{p.content_hash}\t{prev_hash}\t{digest}\t"
                f"{_NULL if reverses_id is None else reverses_id}\t{actor_text}\t{now_text}\n"
            )
            prev_hash = digest
            for line_no, (account, fund, side, value, currency, memo) in enumerate(p.lines, 1):
                k = (account.id, fund.id, currency)
                after = running.get(k, zero) + (value if side == _DEBIT else -value)
                running[k] = after
                line_text.append(
                    f"{line_id}\t{entry_id}\t{line_no}\t{k[0]}\t{k[1]}\t{side}\t{currency}\t"
                    f"{value:f}\t{after:f}\t{_copy_text(memo)}\n"
                )
                last_line[k] = line_id
                line_id += 1
        columns = ", ".join(f'"{c}"' for c in _ENTRY_COLUMNS)
        with cursor.copy(f"COPY ledger_journalentry ({columns}) FROM STDIN") as copy:
            for start in range(0, len(entry_text), CHUNK):
                copy.write("".join(entry_text[start : start + CHUNK]))
        with cursor.copy(f"COPY ledger_journalline ({_LINE_COLUMNS}) FROM STDIN") as copy:
            for start in range(0, len(line_text), CHUNK):
                copy.write("".join(line_text[start : start + CHUNK]))
        cursor.execute(
            "UPDATE ledger_journalentry SET status = %s WHERE seq >= %s AND seq <= %s",
            [posted, first_seq, seq],
        )
    # The same instances the ORM path returns (saved, posted, period and reversal cached).
    # ``Model.from_db`` runs ``Model.__init__`` per row, which cost more than the COPY of the
    # rows in a 100,000-entry batch; the instances are filled the way ``__init__`` leaves them
    # (attribute per concrete field, a saved ModelState). JournalEntry has no init signals.
    alias = connection.alias
    attnames = _ENTRY_ATTNAMES
    new = object.__new__
    for row, p in zip(entries, to_post, strict=True):
        entry = new(JournalEntry)
        entry.__dict__.update(zip(attnames, row, strict=True))
        state = entry._state = ModelState()
        state.adding, state.db = False, alias
        state.fields_cache = {"period": periods[p.spec.date], "reverses": p.spec.reverses}
        created[p.key] = entry
    return seq, prev_hash, last_line


def _post(prepared: list[_Prepared], actor) -> list[JournalEntry]:
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    head = _lock_head()

    # Retries and conflicts, against the books and inside this batch.
    existing = _existing(prepared)
    seen: dict[str, _Prepared] = {}
    to_post: list[_Prepared] = []
    for p in prepared:
        first = existing.get(p.key)
        if first is not None:
            if first.content_hash != p.content_hash:
                raise _key_conflict(p.key, first.seq)
            continue
        twin = seen.get(p.key)
        if twin is not None:
            if twin.content_hash != p.content_hash:
                raise IdempotencyConflict(
                    _(
                        "The idempotency key %(key)s appears twice in this batch with different content."
                    )
                    % {"key": p.key}
                )
            continue
        seen[p.key] = p
        to_post.append(p)

    created: dict[str, JournalEntry] = {}
    if to_post:
        periods = _periods_for({p.spec.date for p in to_post})
        now = timezone.now()

        # Opening balances of every account x fund x currency touched.
        keys = {(a.id, f.id, c) for p in to_post for a, f, _s, _v, c, _m in p.lines}
        account_ids = {k[0] for k in keys}
        fund_ids = {k[1] for k in keys}
        running: dict[tuple[int, int, str], Decimal] = {}
        counts: dict[tuple[int, int, str], int] = defaultdict(int)
        for account_id, fund_id, currency, balance, line_count in Balance.objects.filter(
            account_id__in=account_ids, fund_id__in=fund_ids
        ).values_list("account_id", "fund_id", "currency", "balance", "line_count"):
            running[(account_id, fund_id, currency)] = balance
            counts[(account_id, fund_id, currency)] = line_count
        # Each key's line count grows by its lines here (the guard checks exactly that).
        for p in to_post:
            for a, f, _s, _v, c, _m in p.lines:
                counts[(a.id, f.id, c)] += 1
        last_line: dict[tuple[int, int, str], JournalLine] = {}

        seq, prev_hash = head.last_seq, head.last_hash
        if connection.vendor == "postgresql":
            seq, prev_hash, last_line_ids = _write_pg(
                to_post, periods, running, seq, prev_hash, actor_id, now, created
            )
            last_line = {k: JournalLine(id=line_id) for k, line_id in last_line_ids.items()}
        else:
            seq, prev_hash = _write_orm(
                to_post, periods, running, seq, prev_hash, actor_id, now, created, last_line
            )

        Balance.objects.bulk_create(
            [
                Balance(
                    account_id=k[0],
                    fund_id=k[1],
                    currency=k[2],
                    balance=running[k],
                    last_line=line,
                    line_count=counts[k],
                )
                for k, line in last_line.items()
            ],
            update_conflicts=True,
            unique_fields=["account", "fund", "currency"],
            update_fields=["balance", "last_line", "line_count"],
        )
        ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev_hash)

    return [existing.get(p.key) or created[p.key] for p in prepared]


# One entry on PostgreSQL: the whole of ``_post`` for a single entry runs server-side in
# ``ledger_post_entry`` (ledger/dbguards.py), so the posting is one round trip (plus a savepoint
# pair inside a caller's transaction) instead of a dozen. The rows are the same as ``_post``
# writes, hashes included; every trigger fires as for ``_post``.
_POST_ENTRY_SQL = (
    "SELECT * FROM ledger_post_entry(%s, %s, %s, %s, %s, %s, %s, %s, %s, "
    "%s::bigint[], %s::bigint[], %s::text[], %s::numeric[], %s::text[], %s::text[])"
)
_REFUSED = "ledger_post_entry refused"


def _post_one_pg(p: _Prepared, actor) -> JournalEntry:
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    spec = p.spec
    now = timezone.now()
    params = (
        p.key,
        p.content_hash,
        spec.date,
        spec.memo,
        spec.source,
        spec.reverses.pk if spec.reverses else None,
        actor_id,
        now,
        hashing.timestamp_token(now),
        [a.id for a, _f, _s, _v, _c, _m in p.lines],
        [f.id for _a, f, _s, _v, _c, _m in p.lines],
        [s for _a, _f, s, _v, _c, _m in p.lines],
        [v for _a, _f, _s, v, _c, _m in p.lines],
        [c for _a, _f, _s, _v, c, _m in p.lines],
        [m for _a, _f, _s, _v, _c, m in p.lines],
    )
    try:
        if connection.get_autocommit():
            # Outside any transaction one statement is its own transaction: atomic as it is.
            with connection.cursor() as cursor:
                cursor.execute(_POST_ENTRY_SQL, params)
                row = cursor.fetchone()
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_POST_ENTRY_SQL, params)
                row = cursor.fetchone()
    except DatabaseError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if diag is None or diag.message_primary != _REFUSED:
            raise
        reason, _sep, value = (diag.message_detail or "").partition("|")
        if reason == "conflict":
            raise _key_conflict(p.key, int(value)) from None
        if reason == "closed":
            raise _period_closed(value, spec.date) from None
        raise  # pragma: no cover - the function raises exactly these two refusals
    outcome, entry_id, seq, prev_hash, digest = row[:5]
    if outcome == "existing":
        return JournalEntry.objects.get(pk=entry_id)
    period = Period(
        id=row[5],
        code=row[6],
        start=row[7],
        end=row[8],
        status=row[9],
        closed_at=row[10],
        closed_by_id=row[11],
    )
    period._state.adding, period._state.db = False, connection.alias
    entry = JournalEntry(
        id=entry_id,
        seq=seq,
        date=spec.date,
        period=period,
        memo=spec.memo,
        source=spec.source,
        status=EntryStatus.POSTED,
        idempotency_key=p.key,
        content_hash=p.content_hash,
        prev_hash=prev_hash,
        hash=digest,
        reverses=spec.reverses,
        posted_by_id=actor_id,
        posted_at=now,
    )
    entry._state.adding, entry._state.db = False, connection.alias
    return entry


def _run_posting(prepared: list[_Prepared], actor) -> list[JournalEntry]:
    try:
        if len(prepared) == 1 and connection.vendor == "postgresql":
            return [_post_one_pg(prepared[0], actor)]
        with transaction.atomic():
            return _post(prepared, actor)
    except IntegrityError as exc:
        # A retry that raced us past the lock cannot happen (the key is read under the lock), so
        # an integrity error here means the data underneath disagrees with its guards.
        raise LedgerIntegrityError(
            _("The database refused the posting: %(reason)s") % {"reason": str(exc).strip()}
        ) from exc
    except DatabaseError as exc:
        if "ledger:" in str(exc):
            raise LedgerIntegrityError(
                _("The database refused the posting: %(reason)s") % {"reason": str(exc).strip()}
            ) from exc
        raise


def journal_post(
    *,
    date: date,
    lines: Sequence[LineSpec],
    idempotency_key: str,
    actor,
    memo: str = "",
    source: str = "manual",
) -> JournalEntry:
    """Post one balanced entry. The same key with the same content returns the first entry."""
    _require(actor, "ledger.add_journalentry")
    spec = EntrySpec(
        date=date, lines=lines, idempotency_key=idempotency_key, memo=memo, source=source
    )
    return _run_posting(_prepare([spec]), actor)[0]


def journal_post_many(*, entries: Sequence[EntrySpec], actor) -> list[JournalEntry]:
    """Post many entries in one database transaction: all of them or none.

    The path for imports and payout batches. Entries are validated first; the first invalid one
    stops the batch before anything is written.
    """
    _require(actor, "ledger.add_journalentry")
    if not entries:
        return []
    if any(e.reverses is not None for e in entries):
        raise InvalidEntry(_("Reversals are posted with journal_reverse."))
    with _cyclic_gc_paused(len(entries)):
        prepared = _prepare(entries)
        with transaction.atomic():
            result = _run_posting(prepared, actor)
            audit(
                actor=actor,
                action="journal.post_many",
                object_type="ledger.journalentry",
                object_id=f"{result[0].seq}..{result[-1].seq}",
                count=len(result),
            )
    return result


@contextmanager
def _cyclic_gc_paused(size: int):
    """Pause Python's cyclic garbage collector while a large batch is built and written.

    A batch allocates a few objects per entry and line, all alive until it returns, and the
    collector's generation scans over them cost a quarter of a 50,000-entry call (measured:
    9,500 against 12,400 entries/s). Nothing here makes cycles that need it; reference counting
    still frees everything, and the collector resumes when the batch ends (unless something
    else had paused it before).
    """
    if size < GC_PAUSE_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def journal_reverse(
    *,
    entry: JournalEntry,
    actor,
    date: date | None = None,
    memo: str = "",
    idempotency_key: str = "",
) -> JournalEntry:
    """Post the mirror image of ``entry``, pointing to it. An entry is reversed at most once;
    asking again (a double click, a retry) returns the same reversal."""
    _require(actor, "ledger.reverse_journalentry")
    with transaction.atomic():
        _lock_head()
        entry = JournalEntry.objects.select_related("period").get(pk=entry.pk)
        if entry.status != EntryStatus.POSTED:
            raise NotReversible(
                _("Entry %(seq)s is not posted and cannot be reversed.") % {"seq": entry.seq}
            )
        if entry.reverses_id is not None:
            raise NotReversible(
                _("Entry %(seq)s is itself a reversal; post a new entry instead of reversing it.")
                % {"seq": entry.seq}
            )
        already = JournalEntry.objects.filter(reverses=entry).first()
        if already is not None:
            if not idempotency_key or already.idempotency_key == idempotency_key:
                return already
            raise AlreadyReversed(
                _("Entry %(seq)s was already reversed by entry %(rev)s.")
                % {"seq": entry.seq, "rev": already.seq}
            )
        lines = [
            LineSpec(
                account=line.account,
                fund=line.fund,
                side=Side.CREDIT if line.side == Side.DEBIT else Side.DEBIT,
                amount=line.amount,
                memo=line.memo,
            )
            for line in entry.lines.select_related("account", "fund").order_by("line_no")
        ]
        spec = EntrySpec(
            date=date or timezone.localdate(),
            lines=lines,
            idempotency_key=idempotency_key or f"reverse:{entry.seq}",
            memo=memo or _("Reversal of entry %(seq)s") % {"seq": entry.seq},
            source=entry.source,
            reverses=entry,
        )
        reversal = _run_posting(_prepare([spec]), actor)[0]
        audit(actor=actor, action="journal.reverse", obj=entry, reversal_seq=reversal.seq)
        return reversal


def period_close(*, period: Period, actor) -> Period:
    """Close a period for good. Closing a closed period again changes nothing."""
    _require(actor, "ledger.close_period")
    with transaction.atomic():
        _lock_head()  # no posting can slip into the period while it closes
        period = Period.objects.get(pk=period.pk)
        if period.status == PeriodStatus.CLOSED:
            return period
        drafts = period.entries.filter(status=EntryStatus.DRAFT).count()
        if drafts:
            raise InvalidEntry(
                _("Period %(period)s has %(n)s unposted draft entries; run verify_ledger.")
                % {"period": period.code, "n": drafts}
            )
        period.status = PeriodStatus.CLOSED
        period.closed_at = timezone.now()
        period.closed_by = actor if getattr(actor, "pk", None) else None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        audit(actor=actor, action="period.close", obj=period)
        return period


def period_open(*, code: str, start: date, end: date, actor) -> Period:
    _require(actor, "ledger.add_period")
    if start > end:
        raise InvalidEntry(_("A period's first day must not be after its last day."))
    with transaction.atomic():
        _lock_head()
        clash = Period.objects.filter(start__lte=end, end__gte=start).first()
        if clash is not None:
            raise InvalidEntry(_("The period overlaps period %(code)s.") % {"code": clash.code})
        period = Period.objects.create(code=code, start=start, end=end)
        audit(actor=actor, action="period.open", obj=period)
        return period


__all__ = [
    "GENESIS_HASH",
    "EntrySpec",
    "LineSpec",
    "audit",
    "journal_post",
    "journal_post_many",
    "journal_reverse",
    "period_close",
    "period_open",
]
