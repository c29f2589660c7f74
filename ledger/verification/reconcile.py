"""Documents against the entries they belong to, beyond the sub-ledger claims (issue 12):
what a writer going around every guard could remove or change so that the claims still agree.

* ``receipt_number_gap``: a receipt book's issued numbers run from its first number without a
  gap (a deleted receipt leaves one; voids keep their row);
* ``record_without_receipt``: a donation or allocation whose receipt row is gone;
* ``entry_receipt_missing``: an entry naming an income receipt that is gone;
* and what the apps above register with ``register_document_check(check)``: ``check()`` yields
  ``(code, message, document, fund code or None)`` for each disagreement it finds between its
  documents and the books (cases: reservations against the cases on notice, in
  ``approvals.verification``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Count, Max, Min
from django.utils.translation import gettext as _

from ..collection.models import Allocation, Donation, Receipt
from ..models import JournalEntry
from .report import (
    ENTRY_RECEIPT_MISSING,
    RECEIPT_NUMBER_GAP,
    RECORD_WITHOUT_RECEIPT,
    LedgerReport,
)

DocumentCheck = Callable[[], Iterable[tuple[str, str, str, str | None]]]
_checks: list[DocumentCheck] = []


def register_document_check(check: DocumentCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def unregister_document_check(check: DocumentCheck) -> None:
    if check in _checks:
        _checks.remove(check)


def _gaps(report: LedgerReport) -> None:
    books = (
        Receipt.objects.values("book_id", "book__series", "book__first_number")
        .annotate(n=Count("id"), lo=Min("number"), hi=Max("number"))
        .order_by("book_id")
    )
    for b in books:
        first = b["book__first_number"]
        if b["lo"] == first and b["hi"] - first + 1 == b["n"]:
            continue
        numbers = set(Receipt.objects.filter(book_id=b["book_id"]).values_list("number", flat=True))
        missing = [n for n in range(first, b["hi"] + 1) if n not in numbers]
        series = b["book__series"]
        for n in missing[:100]:
            code = f"{series}-{n:08d}"
            report.add(
                RECEIPT_NUMBER_GAP,
                _(
                    "receipt %(code)s is missing from its book, between issued numbers: "
                    "receipts are numbered without gaps and never deleted"
                )
                % {"code": code},
                document=_("receipt %(code)s") % {"code": code},
            )


def _records(report: LedgerReport, funds: dict[int, str]) -> None:
    receipt_ids = Receipt.objects.values("id")
    for model, label in (
        (Donation, _("donation %(id)s")),
        (Allocation, _("allocation %(id)s")),
    ):
        rows = (
            model.objects.exclude(receipt_id__in=receipt_ids)
            .values_list("pk", "receipt_id", "amount", "amount_currency", "fund_id", "entry_id")
            .order_by("pk")
        )
        for pk, receipt_id, amount, currency, fund_id, entry_id in rows:
            record = label % {"id": pk}
            seq = JournalEntry.objects.filter(pk=entry_id).values_list("seq", flat=True).first()
            report.add(
                RECORD_WITHOUT_RECEIPT,
                _(
                    "%(record)s (%(amount)s %(cur)s) names receipt id %(receipt)s, which is "
                    "gone: money was recorded with no receipt behind it"
                )
                % {"record": record, "amount": amount, "cur": currency, "receipt": receipt_id},
                seq=seq,
                fund=funds.get(fund_id, f"#{fund_id}"),
                currency=currency,
                document=record,
            )
    rows = (
        JournalEntry.objects.filter(income_receipt_id__isnull=False)
        .exclude(income_receipt_id__in=receipt_ids)
        .values_list("seq", "income_receipt_id")
        .order_by("seq")
    )
    for seq, receipt_id in rows:
        report.add(
            ENTRY_RECEIPT_MISSING,
            _("entry %(seq)s books income under receipt id %(receipt)s, which is gone")
            % {"seq": seq, "receipt": receipt_id},
            seq=seq,
        )


def check_reconcile(report: LedgerReport, funds: dict[int, str]) -> None:
    _gaps(report)
    _records(report, funds)
    for check in list(_checks):
        for code, message, document, fund in check():
            report.add(code, message, document=document, fund=fund)


__all__ = ["check_reconcile", "register_document_check", "unregister_document_check"]
