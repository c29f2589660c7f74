"""The bookkeeping voucher (记账凭证) of a journal entry, as the county's accountants print it.

A voucher shows: the unit (``FUND_ORGANISATION_NAME``), the entry's date and number (记字第 N
号: the entry number, which never repeats), one row per line with its summary (the line's memo,
else the entry's), account code and name, fund, debit and credit; the totals per currency in
figures and, for yuan, in Chinese capitals (大写); how many documents back it (附单据 N 张: the
documents of a manual entry's request, and the receipt of an income entry); and who made,
approved and posted it (制单 / 审核 / 记账), by full name.

Nothing here writes: a voucher is a reading of a posted entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from common.people import person_name

from .collection.capitals import amount_in_capitals
from .models import EntryRequestAttachment, JournalEntry, JournalLine, Side
from .selectors import entry_totals

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class VoucherLine:
    line: JournalLine
    summary: str
    debit: Decimal | None
    credit: Decimal | None


@dataclass(frozen=True)
class VoucherTotal:
    currency: str
    amount: Decimal
    capitals: str  # blank for a currency other than yuan


@dataclass
class Voucher:
    entry: JournalEntry
    unit: str
    lines: list[VoucherLine]
    totals: list[VoucherTotal]
    attachments: int
    made_by: str
    approved_by: str
    posted_by: str

    @property
    def number(self) -> str:
        return f"{self.entry.seq:04d}"

    @property
    def blank_rows(self) -> range:
        """Empty rows that fill a short voucher to four lines, as the printed form has."""
        return range(max(0, 4 - len(self.lines)))


def voucher_for(entry: JournalEntry) -> Voucher:
    lines = [
        VoucherLine(
            line=line,
            summary=line.memo or entry.memo,
            debit=line.amount.amount if line.side == Side.DEBIT else None,
            credit=line.amount.amount if line.side == Side.CREDIT else None,
        )
        for line in entry.lines.select_related("account", "fund").order_by("line_no")
    ]
    totals = [
        VoucherTotal(
            currency=currency,
            amount=money.amount,
            capitals=amount_in_capitals(money.amount) if currency == "CNY" else "",
        )
        for currency, money in entry_totals(entry).items()
    ]
    documents = EntryRequestAttachment.objects.filter(request__entry=entry).count()
    if entry.income_receipt_id:
        documents += 1
    return Voucher(
        entry=entry,
        unit=settings.FUND_ORGANISATION_NAME,
        lines=lines,
        totals=totals,
        attachments=documents,
        # A flow's entry has no separate maker: whoever posted it made it.
        made_by=person_name(entry.made_by or entry.posted_by),
        approved_by=person_name(entry.approved_by),
        posted_by=person_name(entry.posted_by),
    )
