"""The collection's documents in ``verify_ledger``: receipts, donations, allocations, cash
deposits and pledges against each other and against the books.

``collection_claims`` is the collection's claim source for the sub-ledger check
(``subledgers``): a receipt says its entry credits donation income (a donation receipt) or
allocation income (a settlement receipt) with its amount in its fund, on its date of issue; the
void of a receipt says the entry reversing it debits that income back (and, for money received
in cash, credits the cash back); a cash deposit says its entry credits cash on hand.

``check_documents`` compares the documents with each other: a valid receipt whose entry was
reversed (the books lost money the public list still shows), a void receipt whose entry was not
reversed, a receipt without its donation or allocation, or one that differs from it (amount,
currency, fund, entry), and a donation paying a pledge of another donor, fund or currency, or
recorded after the pledge was written off.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Q
from django.utils.translation import gettext as _

from .. import chart
from ..collection.models import (
    Allocation,
    CashDeposit,
    Donation,
    PaymentMethod,
    Receipt,
    ReceiptStatus,
    ReceiptType,
)
from ..models import JournalEntry
from .report import (
    DEPOSIT_CASH_MISSING,
    PLEDGE_DONATION_MISMATCH,
    RECEIPT_INCOME_MISSING,
    RECEIPT_RECORD_MISMATCH,
    RECEIPT_VALID_BUT_REVERSED,
    RECEIPT_VOID_NOT_REVERSED,
    RECEIPT_WITHOUT_RECORD,
    LedgerReport,
)
from .subledgers import Claim


def _income(receipt_type: str) -> str:
    return (
        chart.DONATION_INCOME if receipt_type == ReceiptType.DONATION else chart.ALLOCATION_INCOME
    )


def _code(series: str, number: int) -> str:
    return f"{series}-{number:08d}"


def collection_claims(lo: int, hi: int) -> Iterator[Claim]:
    in_range = {"entry_id__gte": lo, "entry_id__lt": hi}
    receipt = _("receipt %(code)s")
    for entry_id, fund_id, amount, cur, rtype, series, number, day in Receipt.objects.filter(
        **in_range
    ).values_list(
        "entry_id",
        "fund_id",
        "amount",
        "amount_currency",
        "type",
        "book__series",
        "number",
        "issued_on",
    ):
        yield Claim(
            entry_id,
            _income(rtype),
            fund_id,
            cur,
            "C",
            amount,
            RECEIPT_INCOME_MISSING,
            receipt % {"code": _code(series, number)},
            day,
        )
    # The void of a receipt: the entry reversing the receipt's entry gives the income back.
    for entry_id, day, fund_id, amount, cur, rtype, series, number in JournalEntry.objects.filter(
        id__gte=lo, id__lt=hi, reverses__receipt__status=ReceiptStatus.VOID
    ).values_list(
        "id",
        "date",
        "reverses__receipt__fund_id",
        "reverses__receipt__amount",
        "reverses__receipt__amount_currency",
        "reverses__receipt__type",
        "reverses__receipt__book__series",
        "reverses__receipt__number",
    ):
        yield Claim(
            entry_id,
            _income(rtype),
            fund_id,
            cur,
            "D",
            amount,
            RECEIPT_INCOME_MISSING,
            _("void of receipt %(code)s") % {"code": _code(series, number)},
            day,
        )
    # ... and money that came in as cash goes back out of cash on hand.
    for model in (Donation, Allocation):
        for entry_id, day, fund_id, amount, cur, series, number in model.objects.filter(
            method=PaymentMethod.CASH,
            receipt__status=ReceiptStatus.VOID,
            entry__reversed_by__id__gte=lo,
            entry__reversed_by__id__lt=hi,
        ).values_list(
            "entry__reversed_by__id",
            "entry__reversed_by__date",
            "fund_id",
            "amount",
            "amount_currency",
            "receipt__book__series",
            "receipt__number",
        ):
            yield Claim(
                entry_id,
                chart.CASH,
                fund_id,
                cur,
                "C",
                amount,
                RECEIPT_VOID_NOT_REVERSED,
                _("void of receipt %(code)s") % {"code": _code(series, number)},
                day,
            )
    for pk, entry_id, fund_id, amount, cur, slip, day in CashDeposit.objects.filter(
        **in_range
    ).values_list(
        "pk", "entry_id", "fund_id", "amount", "amount_currency", "bank_slip", "deposited_on"
    ):
        yield Claim(
            entry_id,
            chart.CASH,
            fund_id,
            cur,
            "C",
            amount,
            DEPOSIT_CASH_MISSING,
            _("cash deposit %(id)s (slip “%(slip)s”)") % {"id": pk, "slip": slip},
            day,
        )


def check_documents(report: LedgerReport, funds: dict[int, str]) -> None:
    def fund(fund_id):
        return funds.get(fund_id, f"#{fund_id}")

    receipts = Receipt.objects.select_related("book").order_by("id")
    for r in receipts.filter(status=ReceiptStatus.VALID, entry__reversed_by__isnull=False):
        report.add(
            RECEIPT_VALID_BUT_REVERSED,
            _(
                "receipt %(code)s is valid but its entry %(seq)s was reversed by entry "
                "%(rev)s: the books and the public list no longer show money the receipt says "
                "was received; correct it through the receipt's void"
            )
            % {"code": r.code, "seq": r.entry.seq, "rev": r.entry.reversed_by.seq},
            seq=r.entry.reversed_by.seq,
            fund=fund(r.fund_id),
            document=_("receipt %(code)s") % {"code": r.code},
        )
    for r in receipts.filter(status=ReceiptStatus.VOID, entry__reversed_by__isnull=True):
        report.add(
            RECEIPT_VOID_NOT_REVERSED,
            _("receipt %(code)s is void but its entry %(seq)s was never reversed")
            % {"code": r.code, "seq": r.entry.seq},
            seq=r.entry.seq,
            fund=fund(r.fund_id),
            document=_("receipt %(code)s") % {"code": r.code},
        )
    for rtype, relation, label in (
        (ReceiptType.DONATION, "donation", _("donation")),
        (ReceiptType.SETTLEMENT, "allocation", _("allocation")),
    ):
        for r in receipts.filter(type=rtype, **{f"{relation}__isnull": True}):
            report.add(
                RECEIPT_WITHOUT_RECORD,
                _("receipt %(code)s (%(amount)s) has no %(record)s: its record is gone")
                % {"code": r.code, "amount": r.amount, "record": label},
                seq=r.entry.seq,
                fund=fund(r.fund_id),
                currency=str(r.amount.currency),
                document=_("receipt %(code)s") % {"code": r.code},
            )
    for model, rtype, label in (
        (Donation, ReceiptType.DONATION, _("donation %(id)s")),
        (Allocation, ReceiptType.SETTLEMENT, _("allocation %(id)s")),
    ):
        rows = model.objects.values_list(
            "pk",
            "amount",
            "amount_currency",
            "fund_id",
            "entry_id",
            "receipt__amount",
            "receipt__amount_currency",
            "receipt__fund_id",
            "receipt__entry_id",
            "receipt__type",
            "receipt__book__series",
            "receipt__number",
        ).order_by("id")
        for (
            pk,
            amount,
            cur,
            fund_id,
            entry_id,
            r_amount,
            r_cur,
            r_fund,
            r_entry,
            r_type,
            *code,
        ) in rows.iterator(chunk_size=5000):
            if (amount, cur, fund_id, entry_id, rtype) == (
                r_amount,
                r_cur,
                r_fund,
                r_entry,
                r_type,
            ):
                continue
            record = label % {"id": pk}
            report.add(
                RECEIPT_RECORD_MISMATCH,
                _(
                    "%(record)s (%(amount)s %(cur)s, fund %(fund)s) and its receipt %(code)s "
                    "(%(ramount)s %(rcur)s, fund %(rfund)s) differ"
                )
                % {
                    "record": record,
                    "amount": amount,
                    "cur": cur,
                    "fund": fund(fund_id),
                    "code": _code(*code),
                    "ramount": r_amount,
                    "rcur": r_cur,
                    "rfund": fund(r_fund),
                },
                fund=fund(fund_id),
                currency=cur,
                document=record,
            )
    _check_pledges(report, fund)


def _check_pledges(report: LedgerReport, fund) -> None:
    """Pledges paid ↔ their donations: a pledge is paid only by its donor's donations into its
    fund and currency, and none after it was written off."""
    wrong = (
        ~Q(donor=F("pledge__donor"))
        | ~Q(fund=F("pledge__fund"))
        | ~Q(amount_currency=F("pledge__amount_currency"))
        | Q(pledge__written_off=True, recorded_at__gt=F("pledge__written_off_at"))
    )
    rows = (
        Donation.objects.filter(pledge__isnull=False)
        .filter(wrong)
        .select_related("pledge__donor", "donor", "receipt__book")
        .order_by("id")
    )
    for d in rows:
        report.add(
            PLEDGE_DONATION_MISMATCH,
            _(
                "donation %(id)s (receipt %(code)s: %(donor)s, fund %(fund)s, %(amount)s) pays "
                "pledge %(pledge)s of %(pdonor)s, fund %(pfund)s, %(pamount)s%(after)s"
            )
            % {
                "id": d.pk,
                "code": d.receipt.code,
                "donor": d.donor.name,
                "fund": fund(d.fund_id),
                "amount": d.amount,
                "pledge": d.pledge_id,
                "pdonor": d.pledge.donor.name,
                "pfund": fund(d.pledge.fund_id),
                "pamount": d.pledge.amount,
                "after": _(", recorded after the pledge was written off")
                if d.pledge.written_off
                and d.pledge.written_off_at
                and d.recorded_at > d.pledge.written_off_at
                else "",
            },
            fund=fund(d.fund_id),
            document=_("pledge %(id)s") % {"id": d.pledge_id},
        )
