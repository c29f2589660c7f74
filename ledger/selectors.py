"""Reads of the books. Balances come from the stored rows, not from summing lines:

* the balance of an account (per fund or all funds) reads at most one stored row per fund and
  currency, so it costs the same at 10 thousand lines as at 10 million;
* a statement page reads its lines by index and takes each running balance from the line itself
  (per fund) or from the stored balance minus the lines after it (all funds); its page count
  comes from the stored balances' line counts;
* "as of a date" takes the stored balance and subtracts the lines dated after that day.

All sums are per currency; figures are debit-positive here and turned to the account's normal
side only for display (``Account.to_normal``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Sum, When
from djmoney.money import Money

from common.permissions import holds_perm

from . import chart
from .models import (
    Account,
    Balance,
    EntryRequest,
    EntryStatus,
    Fund,
    JournalEntry,
    JournalLine,
    RequestStatus,
    Side,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# Higher apps report money reserved for awards under public notice through this hook (the
# ledger may not import them). Each source returns {currency: Decimal} for a fund.
_reservation_sources: list[Callable[[Fund], dict[str, Decimal]]] = []


def register_reservation_source(source: Callable[[Fund], dict[str, Decimal]]) -> None:
    if source not in _reservation_sources:
        _reservation_sources.append(source)


def reserved_in(fund: Fund) -> dict[str, Decimal]:
    """Money reserved in ``fund`` per currency, as the registered sources report it."""
    reserved: dict[str, Decimal] = defaultdict(Decimal)
    for source in _reservation_sources:
        for currency, value in source(fund).items():
            reserved[currency] += value
    return reserved


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


_SIGNED = Case(
    When(side=Side.DEBIT, then=F("amount")),
    default=-F("amount"),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


def _lines_after(*, account_ids, fund: Fund | None, as_of: date) -> dict[tuple[int, str], Decimal]:
    """Debit-positive sums of posted lines dated after ``as_of``, per account and currency."""
    qs = JournalLine.objects.filter(account_id__in=account_ids, entry__date__gt=as_of)
    if fund is not None:
        qs = qs.filter(fund=fund)
    rows = qs.values("account_id", "amount_currency").annotate(total=Sum(_SIGNED))
    return {(r["account_id"], r["amount_currency"]): _q(r["total"]) for r in rows}


def account_balance(
    *, account: Account, fund: Fund | None = None, as_of: date | None = None
) -> dict[str, Money]:
    """Debit-positive balance of an account per currency (optionally one fund, optionally as of
    the end of a day)."""
    qs = Balance.objects.filter(account=account)
    if fund is not None:
        qs = qs.filter(fund=fund)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, balance in qs.values_list("currency", "balance"):
        totals[currency] += balance
    if as_of is not None:
        for (_acc, currency), later in _lines_after(
            account_ids=[account.pk], fund=fund, as_of=as_of
        ).items():
            totals[currency] -= later
    return {cur: Money(_q(v), cur) for cur, v in sorted(totals.items())}


def account_balance_normal(
    *, account: Account, fund: Fund | None = None, as_of: date | None = None
) -> dict[str, Money]:
    """The same, shown on the account's normal side (a credit account's credit balance is positive)."""
    return {
        cur: Money(account.to_normal(m.amount), cur)
        for cur, m in account_balance(account=account, fund=fund, as_of=as_of).items()
    }


@dataclass
class TrialBalanceRow:
    account: Account
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


@dataclass
class TrialBalance:
    rows: list[TrialBalanceRow]
    totals: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return all(d == c for d, c in self.totals.values())


def trial_balance(*, fund: Fund | None = None, as_of: date | None = None) -> TrialBalance:
    """Every account with a balance, in the debit or credit column, with totals per currency."""
    qs = Balance.objects.all()
    if fund is not None:
        qs = qs.filter(fund=fund)
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for account_id, currency, balance in qs.values_list("account_id", "currency", "balance"):
        sums[(account_id, currency)] += balance
    if as_of is not None:
        for key, later in _lines_after(
            account_ids=list({k[0] for k in sums}), fund=fund, as_of=as_of
        ).items():
            sums[key] -= later
    accounts = Account.objects.in_bulk({k[0] for k in sums})
    rows = []
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for (account_id, currency), value in sorted(
        sums.items(), key=lambda kv: (accounts[kv[0][0]].code, kv[0][1])
    ):
        value = _q(value)
        if value == 0:
            continue
        debit, credit = (value, ZERO) if value > 0 else (ZERO, -value)
        rows.append(
            TrialBalanceRow(
                account=accounts[account_id], currency=currency, debit=debit, credit=credit
            )
        )
        totals[currency][0] += debit
        totals[currency][1] += credit
    return TrialBalance(rows=rows, totals={c: (d, cr) for c, (d, cr) in sorted(totals.items())})


@dataclass
class StatementRow:
    line: JournalLine
    debit: Decimal
    credit: Decimal
    balance: Decimal  # on the account's normal side


@dataclass
class Statement:
    account: Account
    fund: Fund | None
    currency: str
    rows: list[StatementRow]
    page: int
    pages: int
    count: int
    closing: Decimal  # normal side


def account_statement(
    *,
    account: Account,
    currency: str,
    fund: Fund | None = None,
    page: int = 1,
    page_size: int = 20,
    newest_first: bool = True,
) -> Statement:
    """Lines of an account in posting order with the running balance after each.

    Page 1 is the newest lines when ``newest_first`` (the usual view), so the last rows of a
    million-line account cost one index range read.
    """
    qs = JournalLine.objects.filter(account=account, amount_currency=currency)
    if fund is not None:
        qs = qs.filter(fund=fund)
    bal_qs = Balance.objects.filter(account=account, currency=currency)
    if fund is not None:
        bal_qs = bal_qs.filter(fund=fund)
    # The page count comes from the stored line counts (one row per fund), not from counting
    # the account's lines: at a million lines that count cost more than the page itself.
    closing_signed, count, newest_counted = ZERO, 0, 0
    for balance, line_count, last_line_id in bal_qs.values_list(
        "balance", "line_count", "last_line_id"
    ):
        closing_signed += balance
        count += line_count
        newest_counted = max(newest_counted, last_line_id)
    closing_signed = _q(closing_signed)
    pages = max(1, -(-count // page_size))
    page = min(max(1, page), pages)
    offset = (page - 1) * page_size
    if newest_first:
        window = list(
            qs.select_related("entry", "fund").order_by("-id")[offset : offset + page_size]
        )
    else:
        window = list(
            qs.select_related("entry", "fund").order_by("id")[offset : offset + page_size]
        )
        window.reverse()
    # window is newest first here.
    rows: list[StatementRow] = []
    if fund is not None:
        for line in window:
            rows.append(_row(account, line, line.balance_after))
    elif window:
        # Running balance over all funds: closing minus everything posted after the newest row.
        # When the newest row is the newest line the stored balances include (the first page,
        # usually), nothing after it is in the closing figure: lines get ascending ids under
        # the posting lock, so a line posted since the balances were read is newer than both.
        if window[0].id == newest_counted:
            later = ZERO
        else:
            later = qs.filter(id__gt=window[0].id).aggregate(t=Sum(_SIGNED))["t"]
        running = closing_signed - _q(later)
        for line in window:
            rows.append(_row(account, line, running))
            running -= line.signed
    if not newest_first:
        rows.reverse()
    return Statement(
        account=account,
        fund=fund,
        currency=currency,
        rows=rows,
        page=page,
        pages=pages,
        count=count,
        closing=account.to_normal(closing_signed),
    )


def _row(account: Account, line: JournalLine, signed_after: Decimal) -> StatementRow:
    amount = line.amount.amount
    return StatementRow(
        line=line,
        debit=amount if line.side == Side.DEBIT else ZERO,
        credit=amount if line.side == Side.CREDIT else ZERO,
        balance=account.to_normal(_q(signed_after)),
    )


@dataclass
class FundPosition:
    fund: Fund
    currency: str
    cash_at_bank: Decimal
    cash_on_hand: Decimal
    awards_payable: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        """Money the fund may still commit: bank and cash less what it owes and has reserved
        (no posting takes it below zero: ``ledger.posting.controls``)."""
        return self.cash_at_bank + self.cash_on_hand - self.awards_payable - self.reserved


def fund_position(*, fund: Fund) -> list[FundPosition]:
    """The fund's position per currency it holds or has touched."""
    codes = {chart.BANK: "bank", chart.CASH: "cash", chart.AWARDS_PAYABLE: "payable"}
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for code, currency, balance in Balance.objects.filter(
        fund=fund, account__code__in=codes
    ).values_list("account__code", "currency", "balance"):
        figures[currency][codes[code]] += balance
    reserved = reserved_in(fund)
    currencies = set(figures) | set(reserved) | set(fund.currencies or [])
    return [
        FundPosition(
            fund=fund,
            currency=cur,
            cash_at_bank=_q(figures[cur]["bank"]),
            cash_on_hand=_q(figures[cur]["cash"]),
            awards_payable=_q(-figures[cur]["payable"]),  # a liability: credit-positive
            reserved=_q(reserved[cur]),
        )
        for cur in sorted(currencies)
    ]


def fund_positions() -> list[FundPosition]:
    return [pos for fund in Fund.objects.filter(is_active=True) for pos in fund_position(fund=fund)]


def chart_with_balances(*, fund: Fund | None = None) -> list[dict]:
    """Every account with its normal-side balance per currency (optionally for one fund)."""
    qs = Balance.objects.all()
    if fund is not None:
        qs = qs.filter(fund=fund)
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for account_id, currency, balance in qs.values_list("account_id", "currency", "balance"):
        sums[account_id][currency] += balance
    rows = []
    for account in Account.objects.select_related("parent").order_by("code"):
        balances = {
            cur: Money(account.to_normal(_q(v)), cur) for cur, v in sorted(sums[account.pk].items())
        }
        rows.append({"account": account, "balances": balances})
    return rows


def entries(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    account: Account | None = None,
    fund: Fund | None = None,
    source: str | None = None,
    text: str | None = None,
) -> QuerySet[JournalEntry]:
    """Posted entries, newest first, filtered."""
    qs = JournalEntry.objects.filter(status=EntryStatus.POSTED).select_related(
        "period", "posted_by", "reverses"
    )
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if account is not None:
        qs = qs.filter(lines__account=account)
    if fund is not None:
        qs = qs.filter(lines__fund=fund)
    if source:
        qs = qs.filter(source=source)
    if text:
        qs = qs.filter(memo__icontains=text)
    if account is not None or fund is not None:
        qs = qs.distinct()
    return qs.order_by("-seq")


def entry_totals(entry: JournalEntry) -> dict[str, Money]:
    """Total debits of an entry per currency (equal to its credits)."""
    rows = (
        entry.lines.filter(side=Side.DEBIT)
        .values("amount_currency")
        .annotate(total=Sum("amount"))
        .order_by("amount_currency")
    )
    return {r["amount_currency"]: Money(_q(r["total"]), r["amount_currency"]) for r in rows}


def money_total(values) -> dict[str, Money]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for m in values:
        totals[str(m.currency)] += m.amount
    return {c: Money(_q(v), c) for c, v in sorted(totals.items())}


__all__ = [
    "account_balance",
    "account_balance_normal",
    "account_statement",
    "chart_with_balances",
    "entries",
    "entry_totals",
    "fund_position",
    "fund_positions",
    "register_reservation_source",
    "trial_balance",
]


# --------------------------------------------------------------------------------------------
# Reads for the finance screens and their exports (added with the server-rendered views).
# --------------------------------------------------------------------------------------------
def entries_debit_totals(entry_ids) -> dict[int, dict[str, Money]]:
    """Total debits per currency of many entries in one query (a journal page's totals)."""
    rows = (
        JournalLine.objects.filter(entry_id__in=list(entry_ids), side=Side.DEBIT)
        .values("entry_id", "amount_currency")
        .annotate(total=Sum("amount"))
        .order_by("entry_id", "amount_currency")
    )
    totals: dict[int, dict[str, Money]] = defaultdict(dict)
    for r in rows:
        totals[r["entry_id"]][r["amount_currency"]] = Money(_q(r["total"]), r["amount_currency"])
    return dict(totals)


def entry_lines(entries_qs: QuerySet[JournalEntry]) -> QuerySet[JournalLine]:
    """Every line of the given entries, in entry then line order (journal exports)."""
    return (
        JournalLine.objects.filter(entry__in=entries_qs.order_by().values("pk"))
        .select_related("entry", "entry__period", "entry__posted_by", "entry__reverses")
        .select_related("account", "fund")
        .order_by("entry__seq", "line_no")
    )


def statement_all_rows(
    *, account: Account, currency: str, fund: Fund | None = None, chunk: int = 5000
):
    """Every statement row oldest first, read page by page (statement exports)."""
    page, pages = 1, 1
    while page <= pages:
        statement = account_statement(
            account=account,
            currency=currency,
            fund=fund,
            page=page,
            page_size=chunk,
            newest_first=False,
        )
        pages = statement.pages
        yield from statement.rows
        page += 1


__all__ += ["entries_debit_totals", "entry_lines", "statement_all_rows"]


# --------------------------------------------------------------------------------------------
# Entry requests (manual entries and reversals by four eyes), for the home page.
# --------------------------------------------------------------------------------------------
def entry_requests_waiting_for(user) -> int:
    """How many requests wait for ``user``'s decision (0 when they may not approve): pending,
    made by someone else."""
    if not holds_perm(user, "ledger.approve_entryrequest"):
        return 0
    return EntryRequest.objects.filter(status=RequestStatus.PENDING).exclude(made_by=user).count()


def entry_requests_of(user, limit: int = 5) -> list:
    """The maker's latest requests with their state (none when they may not ask)."""
    if not holds_perm(user, "ledger.add_entryrequest"):
        return []
    return list(
        EntryRequest.objects.filter(made_by=user).select_related("decided_by", "entry")[:limit]
    )


__all__ += ["entry_requests_of", "entry_requests_waiting_for"]
