"""The sub-ledger check of ``verify_ledger``: every line of a controlled account is explained by
a document, and every document's line is in the books.

Some accounts are moved only by documents kept beside the books (DOMAIN.md, "controls that hold
on every path"): donation and allocation income only with a receipt (收费开票), cash on hand
leaves only for the bank (no 坐收坐支), awards payable only by an award, an entitlement, a
payment or a cancellation, recoveries receivable only by a recovery, its refunds and its
write-off. For each controlled account and side (``CONTROLLED``) a line that no
document claims is a finding with its own code, naming its entry, fund and period; a document
whose line is not in the books (or not for its amount, fund or account) is a finding naming the
document. Per account, fund, currency and period, what the documents add up to (dated as the
documents are: a receipt by its date of issue) must equal what the lines add up to; and for
awards payable, what the sub-ledgers say is still owed must equal the balance, per fund.

The ledger does not import the apps above it (cases, payouts): they register what they know in
their ``AppConfig.ready``, as they register guard sets and reservation sources:

* ``register_claim_source(source)``: ``source(lo, hi)`` yields a ``Claim`` for each line its
  documents say an entry with ``lo <= id < hi`` holds on a controlled account;
* ``register_balance_source(account, source)``: ``source()`` gives ``{(fund id, currency):
  amount}`` that the app's documents say the account holds (credit positive); the sources of an
  account add up (cases: final awards; payouts: entitlements less payments made). An account
  other than awards payable names its own problem code and what its documents are
  (``code=``, ``what=``: payouts' recoveries receivable, whose open recoveries' balances are
  a debit, so its source gives them negative).

The ledger's own collection (receipts, deposits) is a claim source too, registered the same way
by ``ledger.apps``. Entries are read in ranges of ids, so memory holds one range's claims and
the per-period totals, never the whole journal.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Max, Min, Sum, When
from django.utils.translation import gettext as _

from .. import chart
from ..models import Account, EntryStatus, JournalLine, Period
from .report import (
    AWARDS_PAYABLE_OUTSTANDING,
    CASH_CREDIT_WITHOUT_DEPOSIT,
    CASH_DEPOSIT_PERIOD,
    INCOME_DEBIT_WITHOUT_VOID,
    INCOME_WITHOUT_RECEIPT,
    PAYABLE_CREDIT_UNEXPLAINED,
    PAYABLE_DEBIT_UNEXPLAINED,
    RECEIPT_INCOME_PERIOD,
    RECOVERY_CREDIT_UNEXPLAINED,
    RECOVERY_DEBIT_UNEXPLAINED,
    LedgerReport,
)

ENTRY_RANGE = 20_000  # entries whose claims and lines are matched at once


@dataclass(frozen=True)
class Claim:
    """A document says: entry ``entry_id`` has a line of ``amount`` on ``side`` of ``account``
    (a code) in fund ``fund_id``. ``code`` is the problem reported when it has not; ``document``
    names the document ("receipt 豫财捐2026-00000001"); ``day`` is the document's date, by
    which the per-period totals count it."""

    entry_id: int
    account: str
    fund_id: int
    currency: str
    side: str
    amount: Decimal
    code: str
    document: str
    day: date


@dataclass(frozen=True)
class Control:
    account: str
    side: str
    unexplained: str  # problem code of a line no document claims
    what: str  # what such a line is, for the message
    period_code: str | None  # problem code of a period whose totals differ (None: not compared)


def _controls() -> list[Control]:
    return [
        Control(
            chart.DONATION_INCOME,
            "C",
            INCOME_WITHOUT_RECEIPT,
            _("a credit to donation income with no receipt"),
            RECEIPT_INCOME_PERIOD,
        ),
        Control(
            chart.DONATION_INCOME,
            "D",
            INCOME_DEBIT_WITHOUT_VOID,
            _("a debit to donation income that is not the void of a receipt"),
            RECEIPT_INCOME_PERIOD,
        ),
        Control(
            chart.ALLOCATION_INCOME,
            "C",
            INCOME_WITHOUT_RECEIPT,
            _("a credit to allocation income with no settlement receipt"),
            RECEIPT_INCOME_PERIOD,
        ),
        Control(
            chart.ALLOCATION_INCOME,
            "D",
            INCOME_DEBIT_WITHOUT_VOID,
            _("a debit to allocation income that is not the void of a receipt"),
            RECEIPT_INCOME_PERIOD,
        ),
        Control(
            chart.AWARDS_PAYABLE,
            "C",
            PAYABLE_CREDIT_UNEXPLAINED,
            _("a credit to awards payable that is no award or entitlement"),
            None,
        ),
        Control(
            chart.AWARDS_PAYABLE,
            "D",
            PAYABLE_DEBIT_UNEXPLAINED,
            _("a debit to awards payable that is no payment made nor award cancelled"),
            None,
        ),
        Control(
            chart.RECOVERIES_RECEIVABLE,
            "D",
            RECOVERY_DEBIT_UNEXPLAINED,
            _("a debit to recoveries receivable that is no recovery decided"),
            None,
        ),
        Control(
            chart.RECOVERIES_RECEIVABLE,
            "C",
            RECOVERY_CREDIT_UNEXPLAINED,
            _("a credit to recoveries receivable that is no refund nor write-off"),
            None,
        ),
        Control(
            chart.CASH,
            "C",
            CASH_CREDIT_WITHOUT_DEPOSIT,
            _("cash on hand leaving other than by a deposit at the bank or a void"),
            CASH_DEPOSIT_PERIOD,
        ),
    ]


ClaimSource = Callable[[int, int], Iterable[Claim]]
BalanceSource = Callable[[], dict[tuple[int, str], Decimal]]

_claim_sources: list[ClaimSource] = []
_balance_sources: dict[str, list[BalanceSource]] = defaultdict(list)
# account -> (problem code, what its documents are: a lazy text) for accounts besides 2201
_balance_codes: dict[str, tuple[str, object]] = {}


def register_claim_source(source: ClaimSource) -> None:
    """Add a source of claims (see the module docstring); registering twice adds it once."""
    if source not in _claim_sources:
        _claim_sources.append(source)


def unregister_claim_source(source: ClaimSource) -> None:
    """Take a source out again (tests that explain their own hand-made entries)."""
    if source in _claim_sources:
        _claim_sources.remove(source)


def register_balance_source(
    account: str, source: BalanceSource, *, code: str | None = None, what=None
) -> None:
    """Add what a sub-ledger says ``account`` holds per fund and currency (credit positive).

    ``code`` is the problem reported when they differ (default: awards payable's) and ``what``
    names the documents in the message ("the open recoveries")."""
    if source not in _balance_sources[account]:
        _balance_sources[account].append(source)
    if code is not None:
        _balance_codes[account] = (code, what)


def unregister_balance_source(account: str, source: BalanceSource) -> None:
    if source in _balance_sources[account]:
        _balance_sources[account].remove(source)


class Periods:
    """Date -> period code, from the period table (small: one row a month)."""

    def __init__(self) -> None:
        rows = sorted(Period.objects.values_list("start", "end", "code"))
        self._starts = [r[0] for r in rows]
        self._rows = rows

    def __call__(self, day: date) -> str:
        i = bisect.bisect_right(self._starts, day) - 1
        if i >= 0 and self._rows[i][1] >= day:
            return self._rows[i][2]
        return day.strftime("%Y-%m")


def check_subledgers(report: LedgerReport, funds: dict[int, str]) -> None:
    controls = _controls()
    codes = {c.account for c in controls}
    account_ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    by_key = {(account_ids[c.account], c.side): c for c in controls if c.account in account_ids}
    if not by_key:
        return
    code_of = {v: k for k, v in account_ids.items()}
    periods = Periods()
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    booked: dict[tuple, Decimal] = defaultdict(Decimal)
    bounds = JournalLine.objects.aggregate(lo=Min("entry_id"), hi=Max("entry_id"))
    if bounds["lo"] is not None:
        for lo in range(bounds["lo"], bounds["hi"] + 1, ENTRY_RANGE):
            ctx = _Range(by_key, account_ids, code_of, funds, periods, expected, booked)
            _match_range(report, lo, lo + ENTRY_RANGE, ctx)
    for key in sorted(set(expected) | set(booked), key=str):
        if expected[key] == booked[key]:
            continue
        account, fund_id, currency, period = key
        control = by_key.get((account_ids[account], "C"))
        if control is None or control.period_code is None:
            continue
        report.add(
            control.period_code,
            _(
                "%(account)s of fund %(fund)s in period %(period)s: the documents add up to "
                "%(expected)s %(cur)s, the books to %(booked)s %(cur)s"
            )
            % {
                "account": account,
                "fund": funds.get(fund_id, f"#{fund_id}"),
                "period": period,
                "expected": expected[key],
                "booked": booked[key],
                "cur": currency,
            },
            account=account,
            fund=funds.get(fund_id, f"#{fund_id}"),
            currency=currency,
            period=period,
        )
    _check_balances(report, account_ids, funds)


@dataclass
class _Range:
    by_key: dict
    account_ids: dict
    code_of: dict
    funds: dict
    periods: Periods
    expected: dict
    booked: dict


def _match_range(report: LedgerReport, lo: int, hi: int, ctx: _Range) -> None:
    by_key, account_ids, code_of, funds = ctx.by_key, ctx.account_ids, ctx.code_of, ctx.funds
    periods, expected, booked = ctx.periods, ctx.expected, ctx.booked
    claims: dict[tuple, list[Claim]] = defaultdict(list)
    for source in _claim_sources:
        for claim in source(lo, hi):
            account_id = account_ids.get(claim.account)
            if (account_id, claim.side) not in by_key:
                continue
            claims[(claim.entry_id, account_id, claim.fund_id, claim.currency, claim.side)].append(
                claim
            )
            sign = 1 if claim.side == "C" else -1
            period = periods(claim.day)
            expected[(claim.account, claim.fund_id, claim.currency, period)] += sign * claim.amount
    lines = (
        JournalLine.objects.filter(
            entry_id__gte=lo,
            entry_id__lt=hi,
            account_id__in=list(code_of),
            entry__status=EntryStatus.POSTED,
        )
        .order_by("entry_id", "line_no")
        .values_list(
            "id",
            "entry_id",
            "account_id",
            "fund_id",
            "amount_currency",
            "side",
            "amount",
            "entry__seq",
            "entry__date",
            "entry__idempotency_key",
            "entry__memo",
        )
    )
    for (
        line_id,
        entry_id,
        account_id,
        fund_id,
        currency,
        side,
        amount,
        seq,
        day,
        key,
        memo,
    ) in lines.iterator(chunk_size=5000):
        control = by_key.get((account_id, side))
        if control is None:
            continue
        account = code_of[account_id]
        sign = 1 if side == "C" else -1
        period = periods(day)
        booked[(account, fund_id, currency, period)] += sign * amount
        pending = claims.get((entry_id, account_id, fund_id, currency, side), [])
        match = next((c for c in pending if c.amount == amount), None)
        if match is not None:
            pending.remove(match)
            continue
        report.add(
            control.unexplained,
            _("%(what)s: %(side)s %(amount)s %(cur)s in entry %(seq)s (%(key)s, “%(memo)s”)")
            % {
                "what": control.what,
                "side": _("debit") if side == "D" else _("credit"),
                "amount": amount,
                "cur": currency,
                "seq": seq,
                "key": key,
                "memo": memo,
            },
            seq=seq,
            line_id=line_id,
            account=account,
            fund=funds.get(fund_id, f"#{fund_id}"),
            currency=currency,
            period=period,
        )
    for left in claims.values():
        for claim in left:
            report.add(
                claim.code,
                _(
                    "%(document)s: its %(side)s of %(amount)s %(cur)s to %(account)s in fund "
                    "%(fund)s is not in the books (entry id %(entry)s)"
                )
                % {
                    "document": claim.document,
                    "side": _("debit") if claim.side == "D" else _("credit"),
                    "amount": claim.amount,
                    "cur": claim.currency,
                    "account": claim.account,
                    "fund": funds.get(claim.fund_id, f"#{claim.fund_id}"),
                    "entry": claim.entry_id,
                },
                account=claim.account,
                fund=funds.get(claim.fund_id, f"#{claim.fund_id}"),
                currency=claim.currency,
                period=periods(claim.day),
                document=claim.document,
            )


def _check_balances(report, account_ids, funds) -> None:
    """What the sub-ledgers say is owed = the account's balance, per fund and currency."""
    account_ids = {
        **dict(Account.objects.filter(code__in=list(_balance_sources)).values_list("code", "id")),
        **account_ids,
    }
    for account, sources in _balance_sources.items():
        if not sources or account not in account_ids:
            continue
        said: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for source in sources:
            for key, amount in source().items():
                said[key] += amount
        held: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for fund_id, currency, total in _credit_totals(account_ids[account]):
            held[(fund_id, currency)] += total
        for key in sorted(set(said) | set(held)):
            if said[key] == held[key]:
                continue
            fund_id, currency = key
            fund = funds.get(fund_id, f"#{fund_id}")
            code, what = _balance_codes.get(account, (AWARDS_PAYABLE_OUTSTANDING, None))
            if what is None:
                text = _(
                    "%(account)s of fund %(fund)s: the final unpaid awards and unpaid "
                    "entitlements add up to %(said)s %(cur)s, the books hold %(held)s %(cur)s"
                )
            else:
                text = _(
                    "%(account)s of fund %(fund)s: %(what)s add up to %(said)s %(cur)s (credit "
                    "positive), the books hold %(held)s %(cur)s"
                )
            report.add(
                code,
                text
                % {
                    "what": what,
                    "account": account,
                    "fund": fund,
                    "said": said[key],
                    "held": held[key],
                    "cur": currency,
                },
                account=account,
                fund=fund,
                currency=currency,
            )


def _credit_totals(account_id: int):
    """(fund id, currency, credits less debits) of an account's posted lines, summed in SQL."""
    rows = (
        JournalLine.objects.filter(account_id=account_id, entry__status=EntryStatus.POSTED)
        .values("fund_id", "amount_currency")
        .annotate(
            t=Sum(
                Case(
                    When(side="C", then=F("amount")),
                    default=-F("amount"),
                    output_field=DecimalField(max_digits=20, decimal_places=2),
                )
            )
        )
        .order_by()
    )
    for row in rows:
        yield row["fund_id"], row["amount_currency"], Decimal(row["t"]).quantize(Decimal("0.01"))


__all__ = [
    "Claim",
    "check_subledgers",
    "register_balance_source",
    "register_claim_source",
    "unregister_balance_source",
    "unregister_claim_source",
]
