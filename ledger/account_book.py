"""The account book (明细账): one account's lines over a date range, as an accountant prints it.

What a book holds, for one account, one currency and one fund (or all funds), from ``start`` to
``end`` (both inclusive, by entry date):

* the opening balance (期初余额, or 上年结转 when the range starts on 1 January): every posted
  line dated before ``start``;
* the lines, oldest first (entry date, then entry number, then line number), each with the
  balance after it;
* the period turnover (本期发生额): the debits and credits of the range and the closing balance;
* the year to date (本年累计): the debits and credits from 1 January of ``end``'s year to ``end``.

Balances are shown the Chinese way, a direction (借 / 贷 / 平) and a figure that is never
negative, whatever the account's normal side. Figures are debit-positive inside.

The opening balance comes from the stored balances (``ledger.Balance``, which ``verify_ledger``
proves equal to the lines) minus the lines dated on or after ``start``, so a book of this year
reads this year's lines, not every line ever posted. Lines of one range are capped for the
screen and the PDF (``BOOK_MAX_LINES``); the Excel/CSV export reads them all, as an iterator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Account, Balance, EntryStatus, Fund, JournalLine, Side

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A printed book of more lines than this is a shorter range's job (or the export's).
BOOK_MAX_LINES = 5000

DEBIT_DIRECTION = pgettext_lazy("balance direction", "Dr")
CREDIT_DIRECTION = pgettext_lazy("balance direction", "Cr")
NIL_DIRECTION = pgettext_lazy("balance direction", "Nil")


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def direction(signed: Decimal) -> str:
    """借 / 贷 / 平 for a debit-positive balance."""
    if signed > 0:
        return str(DEBIT_DIRECTION)
    if signed < 0:
        return str(CREDIT_DIRECTION)
    return str(NIL_DIRECTION)


@dataclass(frozen=True)
class BookLine:
    line: JournalLine
    debit: Decimal
    credit: Decimal
    signed_after: Decimal

    @property
    def direction(self) -> str:
        return direction(self.signed_after)

    @property
    def balance(self) -> Decimal:
        return abs(self.signed_after)


@dataclass(frozen=True)
class BookTotal:
    """A summary row: the opening balance, the period turnover or the year to date."""

    label: str
    debit: Decimal | None
    credit: Decimal | None
    signed: Decimal

    @property
    def direction(self) -> str:
        return direction(self.signed)

    @property
    def balance(self) -> Decimal:
        return abs(self.signed)


@dataclass
class AccountBook:
    account: Account
    fund: Fund | None
    currency: str
    start: date
    end: date
    opening: BookTotal
    lines: list[BookLine]
    turnover: BookTotal
    year_to_date: BookTotal
    count: int

    @property
    def too_long(self) -> bool:
        return self.count > BOOK_MAX_LINES


def _lines(*, account: Account, fund: Fund | None, currency: str) -> QuerySet[JournalLine]:
    qs = JournalLine.objects.filter(
        account=account, amount_currency=currency, entry__status=EntryStatus.POSTED
    )
    if fund is not None:
        qs = qs.filter(fund=fund)
    return qs


def _sums(qs: QuerySet[JournalLine]) -> tuple[Decimal, Decimal]:
    totals = qs.aggregate(
        debit=Sum("amount", filter=Q(side=Side.DEBIT)),
        credit=Sum("amount", filter=Q(side=Side.CREDIT)),
    )
    return _q(totals["debit"]), _q(totals["credit"])


def _stored_signed(*, account: Account, fund: Fund | None, currency: str) -> Decimal:
    balances = Balance.objects.filter(account=account, currency=currency)
    if fund is not None:
        balances = balances.filter(fund=fund)
    return _q(balances.aggregate(total=Sum("balance"))["total"])


def book_lines(
    *, account: Account, currency: str, start: date, end: date, fund: Fund | None = None
) -> QuerySet[JournalLine]:
    """The range's lines, oldest first, with what a book row shows."""
    return (
        _lines(account=account, fund=fund, currency=currency)
        .filter(entry__date__gte=start, entry__date__lte=end)
        .select_related("entry", "fund")
        .order_by("entry__date", "entry__seq", "line_no")
    )


def opening_signed(
    *, account: Account, currency: str, start: date, fund: Fund | None = None
) -> Decimal:
    """The debit-positive balance at the start of ``start``: the stored balance minus every
    posted line dated on or after ``start``."""
    later_debit, later_credit = _sums(
        _lines(account=account, fund=fund, currency=currency).filter(entry__date__gte=start)
    )
    return _q(_stored_signed(account=account, fund=fund, currency=currency)) - (
        later_debit - later_credit
    )


def iter_book_lines(
    *, account: Account, currency: str, start: date, end: date, opening: Decimal, fund=None
) -> Iterator[BookLine]:
    running = opening
    qs = book_lines(account=account, currency=currency, start=start, end=end, fund=fund)
    for line in qs.iterator(chunk_size=2000):
        amount = line.amount.amount
        debit = amount if line.side == Side.DEBIT else ZERO
        credit = amount if line.side == Side.CREDIT else ZERO
        running = running + debit - credit
        yield BookLine(line=line, debit=debit, credit=credit, signed_after=running)


def account_book(
    *,
    account: Account,
    currency: str,
    start: date,
    end: date,
    fund: Fund | None = None,
    with_lines: bool = True,
) -> AccountBook:
    """The book of ``account`` from ``start`` to ``end``. Without ``with_lines`` (or when the
    range holds more than ``BOOK_MAX_LINES``) only the summary rows are read."""
    if end < start:
        raise ValueError("the book's range ends before it starts")
    opening = opening_signed(account=account, currency=currency, start=start, fund=fund)
    in_range = _lines(account=account, fund=fund, currency=currency).filter(
        entry__date__gte=start, entry__date__lte=end
    )
    count = in_range.count()
    debit, credit = _sums(in_range)
    closing = opening + debit - credit
    year_start = date(end.year, 1, 1)
    ytd_debit, ytd_credit = _sums(
        _lines(account=account, fund=fund, currency=currency).filter(
            entry__date__gte=year_start, entry__date__lte=end
        )
    )
    lines: list[BookLine] = []
    if with_lines and count <= BOOK_MAX_LINES:
        lines = list(
            iter_book_lines(
                account=account,
                currency=currency,
                start=start,
                end=end,
                opening=opening,
                fund=fund,
            )
        )
    opening_label = (
        _("Brought forward from last year") if (start.month, start.day) == (1, 1) else None
    )
    return AccountBook(
        account=account,
        fund=fund,
        currency=currency,
        start=start,
        end=end,
        opening=BookTotal(str(opening_label or _("Opening balance")), None, None, opening),
        lines=lines,
        turnover=BookTotal(str(_("Period turnover")), debit, credit, closing),
        year_to_date=BookTotal(str(_("Year to date")), ytd_debit, ytd_credit, closing),
        count=count,
    )
