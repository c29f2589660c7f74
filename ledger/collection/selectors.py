"""Reads of the collection: the lists its screens and API show, pledge standing, cash held too
long, the public thank-you list and receipt look-up."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.utils.translation import gettext as _
from djmoney.money import Money

from .. import chart
from ..models import Balance, Fund, JournalLine, Period
from .models import (
    Allocation,
    CashDeposit,
    Donation,
    Donor,
    PaymentMethod,
    Pledge,
    PledgeKind,
    PledgeStatus,
    Receipt,
    ReceiptStatus,
    ReceiptVoidRequest,
    VoidRequestStatus,
)

CENT = Decimal("0.01")
CASH_DEPOSIT_DAYS = 3


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def donor_search(text: str, limit: int = 20) -> QuerySet[Donor]:
    text = (text or "").strip()
    qs = Donor.objects.all()
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(credit_code__istartswith=text))
    return qs.order_by("name")[:limit]


def donors(text: str = "") -> QuerySet[Donor]:
    """The register by name, or the donors matching ``text`` (name or credit code)."""
    if text:
        return donor_search(text, limit=1000)
    return Donor.objects.order_by("name", "id")


def donations(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    fund: Fund | None = None,
    method: str | None = None,
    receipt_status: str | None = None,
    donor: str = "",
) -> QuerySet[Donation]:
    """Donations, newest first (index ``donation_recent``), narrowed by whichever filters are
    given; ``donor`` is any part of the donor's name or the beginning of its credit code."""
    rows = Donation.objects.select_related("donor", "fund", "receipt__book").order_by(
        "-received_on", "-id"
    )
    if date_from:
        rows = rows.filter(received_on__gte=date_from)
    if date_to:
        rows = rows.filter(received_on__lte=date_to)
    if fund:
        rows = rows.filter(fund=fund)
    if method:
        rows = rows.filter(method=method)
    if receipt_status:
        rows = rows.filter(receipt__status=receipt_status)
    if donor:
        rows = rows.filter(donor_matches(donor))
    return rows


def allocations() -> QuerySet[Allocation]:
    """Allocations, newest first."""
    return Allocation.objects.select_related("fund", "receipt__book").order_by(
        "-received_on", "-id"
    )


def cash_deposits() -> QuerySet[CashDeposit]:
    """Cash deposits, newest first."""
    return CashDeposit.objects.select_related("fund", "recorded_by").order_by(
        "-deposited_on", "-id"
    )


def pledge_paid(pledge: Pledge) -> Money:
    """What has arrived against the pledge: its donations (a mandated contribution: its
    allocations) whose receipts are still valid."""
    paid = pledge.payments if pledge.kind == PledgeKind.DONATION else pledge.allocation_payments
    total = paid.filter(receipt__status=ReceiptStatus.VALID).aggregate(t=Sum("amount"))["t"]
    return Money(_q(total), pledge.amount.currency)


def _paid_into(model) -> Subquery:
    """What the valid records of ``model`` linked to the outer pledge add up to."""
    return Subquery(
        model.objects.filter(pledge=OuterRef("pk"), receipt__status=ReceiptStatus.VALID)
        .order_by()
        .values("pledge")
        .annotate(t=Sum("amount"))
        .values("t")[:1]
    )


def pledge_status(pledge: Pledge, *, today: date, paid: Money | None = None) -> str:
    paid = pledge_paid(pledge) if paid is None else paid
    if paid >= pledge.amount:
        return PledgeStatus.FULFILLED
    if pledge.written_off:
        return PledgeStatus.WRITTEN_OFF
    if today > pledge.due_date:
        return PledgeStatus.OVERDUE
    if paid.amount > 0:
        return PledgeStatus.PARTLY_PAID
    return PledgeStatus.OPEN


@dataclass
class PledgeRow:
    pledge: Pledge
    paid: Money
    outstanding: Money
    status: str
    days_overdue: int


def pledge_rows(
    *,
    today: date,
    status: str | None = None,
    fund: Fund | None = None,
    kind: str | None = None,
    donor: str = "",
) -> list[PledgeRow]:
    qs = Pledge.objects.select_related("donor", "fund").annotate(
        paid_by_donations=_paid_into(Donation), paid_by_allocations=_paid_into(Allocation)
    )
    if donor:
        qs = qs.filter(donor_matches(donor))
    if fund is not None:
        qs = qs.filter(fund=fund)
    if kind:
        qs = qs.filter(kind=kind)
    rows = []
    for pledge in qs.order_by("due_date", "id"):
        paid = Money(
            _q(
                pledge.paid_by_donations
                if pledge.kind == PledgeKind.DONATION
                else pledge.paid_by_allocations
            ),
            pledge.amount.currency,
        )
        state = pledge_status(pledge, today=today, paid=paid)
        if status and state != status:
            continue
        outstanding = (
            pledge.amount - paid if paid < pledge.amount else Money(0, pledge.amount.currency)
        )
        rows.append(
            PledgeRow(
                pledge=pledge,
                paid=paid,
                outstanding=outstanding,
                status=state,
                days_overdue=max(0, (today - pledge.due_date).days)
                if state == PledgeStatus.OVERDUE
                else 0,
            )
        )
    return rows


PLEDGE_DUE_SOON_DAYS = 7


def pledges_to_chase(*, today: date, within_days: int = PLEDGE_DUE_SOON_DAYS) -> dict[str, int]:
    """How many pledges are overdue and how many fall due in the next ``within_days`` days, not
    yet fully paid nor written off (for the home page). Reads only pledges due by then (index
    ``pledge_due``), each with its paid total from its own payments."""
    due = (
        Pledge.objects.filter(written_off=False, due_date__lte=today + timedelta(days=within_days))
        .annotate(
            paid_by_donations=_paid_into(Donation), paid_by_allocations=_paid_into(Allocation)
        )
        .values_list("kind", "amount", "due_date", "paid_by_donations", "paid_by_allocations")
    )
    counts = {"overdue": 0, "due_soon": 0}
    for kind, amount, due_date, by_donations, by_allocations in due:
        paid = _q(by_donations if kind == PledgeKind.DONATION else by_allocations)
        if paid >= amount:
            continue
        counts["overdue" if today > due_date else "due_soon"] += 1
    return counts


def pledge_row(pledge: Pledge, *, today: date) -> PledgeRow:
    """The row of one pledge (status, paid and outstanding are derived as in ``pledge_rows``)."""
    rows = pledge_rows(today=today, fund=pledge.fund)
    return next(row for row in rows if row.pledge.pk == pledge.pk)


@dataclass
class CashHeld:
    fund: Fund
    currency: str
    on_hand: Decimal
    oldest_undeposited: date | None
    days_held: int

    @property
    def overdue(self) -> bool:
        return self.on_hand > 0 and self.days_held > CASH_DEPOSIT_DAYS


def cash_held(*, today: date) -> list[CashHeld]:
    """Cash on hand per fund and how long the oldest of it has waited for the bank.

    First in, first out: deposits (and any other credit to cash) use up the oldest cash receipts
    first, so the oldest cash still held is the first receipt the credits have not covered.
    """
    lines = (
        JournalLine.objects.filter(account__code=chart.CASH)
        .select_related("entry")
        .order_by("fund_id", "amount_currency", "entry__date", "id")
        .values_list("fund_id", "amount_currency", "side", "amount", "entry__date")
    )
    debits: dict[tuple[int, str], list[tuple[date, Decimal]]] = defaultdict(list)
    credits: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for fund_id, currency, side, amount, day in lines:
        if side == "D":
            debits[(fund_id, currency)].append((day, amount))
        else:
            credits[(fund_id, currency)] += amount
    funds = Fund.objects.in_bulk({k[0] for k in debits})
    result = []
    for key, received in debits.items():
        covered = credits[key]
        on_hand = _q(sum(a for _d, a in received) - covered)
        oldest = None
        for day, amount in received:
            if covered >= amount:
                covered -= amount
                continue
            oldest = day
            break
        if on_hand <= 0:
            oldest = None
        result.append(
            CashHeld(
                fund=funds[key[0]],
                currency=key[1],
                on_hand=on_hand,
                oldest_undeposited=oldest,
                days_held=(today - oldest).days if oldest else 0,
            )
        )
    return sorted(result, key=lambda c: (c.fund.code, c.currency))


def cash_to_deposit(*, today: date) -> list[CashHeld]:
    """What ``cash_held`` says, read cheaply enough for the home page of every request: the
    cash on hand is the stored balance (no sum), and the oldest cash not yet deposited is found
    walking back from the newest cash receipts (index ``line_key_id``) only until they add up
    to what is on hand, since first in, first out leaves exactly the newest receipts undeposited.
    Receipts are taken in posting order; of those walked, the earliest date counts (an entry
    dated back can only make the warning come sooner). Funds holding no cash read no lines."""
    result = []
    balances = (
        Balance.objects.filter(account__code=chart.CASH)
        .select_related("fund")
        .order_by("fund__code", "currency")
    )
    for balance in balances:
        on_hand = _q(balance.balance)
        oldest = None
        if on_hand > 0:
            left = on_hand
            receipts = (
                JournalLine.objects.filter(
                    account_id=balance.account_id,
                    fund_id=balance.fund_id,
                    amount_currency=balance.currency,
                    side="D",
                )
                .order_by("-id")
                .values_list("amount", "entry__date")
            )
            for amount, day in receipts.iterator(chunk_size=50):
                oldest = day if oldest is None else min(oldest, day)
                left -= amount
                if left <= 0:
                    break
        result.append(
            CashHeld(
                fund=balance.fund,
                currency=balance.currency,
                on_hand=on_hand,
                oldest_undeposited=oldest,
                days_held=(today - oldest).days if oldest else 0,
            )
        )
    return result


@dataclass
class ThankYouRow:
    name: str
    kind: str
    amount: Money
    received_on: date
    fund_code: str
    fund: Fund | None = None

    @property
    def fund_name(self) -> str:
        """The fund as the public reads it (its name in the reader's language), not its code."""
        return self.fund.name if self.fund is not None else self.fund_code


@dataclass
class ThankYouList:
    period: Period
    fund: Fund | None
    rows: list[ThankYouRow]
    totals: dict[str, Money]


def thank_you_list(*, period: Period, fund: Fund | None = None) -> ThankYouList:
    """Donations of a period: units by name, people masked or anonymous, and a total that equals
    the ledger's donation income for the same period and fund.

    A donation voided while its period is open is reversed on its own date and leaves the list.
    One voided after its period closed stays on that period's (published) list, and its reversal
    shows as a negative correction on the list of the period it was booked in.
    """
    base = Donation.objects.select_related("donor", "fund", "receipt__book", "entry__reversed_by")
    if fund is not None:
        base = base.filter(fund=fund)
    in_period = Q(received_on__gte=period.start, received_on__lte=period.end)
    reversed_in_period = Q(
        entry__reversed_by__date__gte=period.start, entry__reversed_by__date__lte=period.end
    )
    rows, totals = [], defaultdict(Decimal)
    for d in base.filter(in_period).exclude(reversed_in_period).order_by("received_on", "id"):
        rows.append(
            ThankYouRow(
                d.donor.public_name, d.donor.kind, d.amount, d.received_on, d.fund.code, d.fund
            )
        )
        totals[str(d.amount.currency)] += d.amount.amount
    for d in (
        base.filter(reversed_in_period)
        .exclude(in_period)
        .order_by("entry__reversed_by__date", "id")
    ):
        label = _("Correction: receipt %(code)s voided") % {"code": d.receipt.code}
        rows.append(
            ThankYouRow(
                str(label), d.donor.kind, -d.amount, d.entry.reversed_by.date, d.fund.code, d.fund
            )
        )
        totals[str(d.amount.currency)] -= d.amount.amount
    return ThankYouList(
        period=period,
        fund=fund,
        rows=rows,
        totals={c: Money(_q(v), c) for c, v in sorted(totals.items())},
    )


def donation_income(*, start: date, end: date, fund: Fund | None = None) -> dict[str, Money]:
    """Net credits to donation income (4101) between two dates, from the ledger's lines."""
    qs = JournalLine.objects.filter(
        account__code=chart.DONATION_INCOME, entry__date__gte=start, entry__date__lte=end
    )
    if fund is not None:
        qs = qs.filter(fund=fund)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in qs.values("amount_currency", "side").annotate(t=Sum("amount")):
        sign = 1 if row["side"] == "C" else -1
        totals[row["amount_currency"]] += sign * _q(row["t"])
    return {c: Money(_q(v), c) for c, v in sorted(totals.items()) if v}


def receipts(
    *,
    status: str | None = None,
    type: str | None = None,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    amount: Decimal | None = None,
) -> QuerySet[Receipt]:
    """Receipts, newest first, narrowed by whichever filters are given; ``text`` is a receipt's
    number or the payer (``receipt_search``)."""
    qs = Receipt.objects.select_related("book", "fund")
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if text:
        qs = qs.filter(receipt_search(text))
    if date_from:
        qs = qs.filter(issued_on__gte=date_from)
    if date_to:
        qs = qs.filter(issued_on__lte=date_to)
    if amount is not None:
        qs = qs.filter(amount=amount)
    return qs.order_by("-id")


def receipt_search(text: str) -> Q:
    """What matches ``text`` typed into the receipt search: its printed number whole
    (``ZJ2026-00000123``) or just its serial (``123``, ``00000123``), or any part of the
    payer's name (Chinese names have no spaces: a substring) or the payer's credit code's
    beginning."""
    text = (text or "").strip()
    found = Q(payer_name__icontains=text) | Q(payer_credit_code__istartswith=text)
    series, _sep, number = text.rpartition("-")
    if series and number.isdigit():
        found |= Q(book__series__iexact=series, number=int(number))
    elif text.isdigit() and len(text) <= 10:
        found |= Q(number=int(text))
    return found


def donor_matches(text: str, path: str = "donor") -> Q:
    """Donations or pledges whose donor's name contains ``text`` (a substring: Chinese names
    have no spaces) or whose credit code begins with it."""
    text = (text or "").strip()
    return Q(**{f"{path}__name__icontains": text}) | Q(
        **{f"{path}__credit_code__istartswith": text}
    )


def receipts_awaiting_void(receipt_ids) -> set[int]:
    """Which of these receipts have a void request waiting for a decision."""
    return set(
        ReceiptVoidRequest.objects.filter(
            receipt__in=receipt_ids, status=VoidRequestStatus.PENDING
        ).values_list("receipt_id", flat=True)
    )


def void_requests() -> QuerySet[ReceiptVoidRequest]:
    """Void requests: the pending ones first (they wait for someone), then the most recent."""
    return ReceiptVoidRequest.objects.select_related(
        "receipt__book", "receipt__fund", "requested_by", "decided_by"
    ).order_by(
        Case(When(status=VoidRequestStatus.PENDING, then=0), default=1),
        "-requested_at",
        "-id",
    )


def receipt_by_code(code: str) -> Receipt | None:
    """The receipt printed as ``<series>-<number>`` (a series may hold dashes, a number never)."""
    series, _sep, number = code.rpartition("-")
    if not series or not number.isdigit():
        return None
    return (
        Receipt.objects.select_related("book")
        .filter(book__series=series, number=int(number))
        .first()
    )


def receipt_by_check_code(code: str) -> Receipt | None:
    """The receipt whose check code is ``code`` (the short verification address). Check codes
    are 48-bit keyed digests: two receipts sharing one is unlikely below millions of receipts,
    and then neither is shown (the long address, with the receipt number, still finds it)."""
    if not re.fullmatch(r"[0-9A-F]{12}", code or ""):
        return None
    found = list(Receipt.objects.select_related("book").filter(check_code=code)[:2])
    return found[0] if len(found) == 1 else None


def recent_deposits(limit: int = 20) -> QuerySet[CashDeposit]:
    return CashDeposit.objects.select_related("fund").order_by("-deposited_on", "-id")[:limit]


def cash_donations_since(days: int, *, today: date) -> QuerySet[Donation]:
    return Donation.objects.filter(
        method=PaymentMethod.CASH, received_on__gte=today - timedelta(days=days)
    )
