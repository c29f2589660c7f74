"""Receipts: their books, issuing the next number, and voiding (maker-checker).

A receipt is issued only inside the recording of its money, under the books lock: income comes
only with its document, so ``receipt_issue_and_post`` issues the receipt first, posts the entry
naming it (``income_receipt_id``), and the receipt then names that entry; the caller writes its
donation or allocation row last, in the same transaction. A receipt is voided only by a
supervisor other than the asker: the approval marks the receipt void first, then reverses its
entry (the ledger allows a debit to income only in the reversal of an entry whose receipt is
void), in one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ...exceptions import PermissionDenied
from ...models import Fund
from ..capitals import amount_in_capitals
from ..dberrors import refusals_translated
from ..exceptions import CollectionError, ReceiptBookExhausted, VoidNotAllowed
from ..models import (
    ChannelSettlementLine,
    Receipt,
    ReceiptBook,
    ReceiptStatus,
    ReceiptType,
    ReceiptVoidRequest,
    VoidRequestStatus,
)
from ._books import AuditAction, LineSpec, audit, journal_post, journal_reverse, lock_head, require


def check_code_for(receipt_fields: str) -> str:
    """A short keyed digest printed on the receipt and checked by the public verification page."""
    key = (getattr(settings, "RECEIPT_CHECK_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, receipt_fields.encode(), hashlib.sha256).hexdigest()[:12].upper()


def receipt_book_create(
    *, type: str, series: str, first_number: int, last_number: int, actor
) -> ReceiptBook:
    require(actor, "ledger.add_receiptbook")
    if type not in ReceiptType.values:
        raise CollectionError(_("Unknown receipt type."))
    if not series.strip():
        raise CollectionError(_("A receipt book needs a series code."))
    if first_number < 1 or last_number < first_number:
        raise CollectionError(
            _("The number range must start at 1 or more and not end before it starts.")
        )
    with transaction.atomic():
        clash = _overlap(series=series.strip(), first_number=first_number, last_number=last_number)
        if clash is not None:
            raise CollectionError(
                _("Numbers %(a)s-%(b)s of series %(s)s overlap the book %(book)s.")
                % {"a": first_number, "b": last_number, "s": series, "book": clash}
            )
        book = ReceiptBook.objects.create(
            type=type, series=series.strip(), first_number=first_number, last_number=last_number
        )
        audit(actor=actor, action=AuditAction.RECEIPT_BOOK_CREATE, obj=book)
    return book


def _overlap(*, series: str, first_number: int, last_number: int, exclude=None):
    clash = ReceiptBook.objects.filter(
        series=series, first_number__lte=last_number, last_number__gte=first_number
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    return clash.order_by("first_number").first()


def receipt_book_change(
    *,
    book: ReceiptBook,
    active: bool,
    series: str | None = None,
    first_number: int | None = None,
    last_number: int | None = None,
    type: str | None = None,
    actor,
) -> ReceiptBook:
    """Change a receipt book: take it out of use or back (any book), or correct its type, series
    or number range — only while no receipt has been issued from it (a used book's numbers are
    printed on paper and counted without gaps). Under the book's row lock, which the issuing of a
    receipt takes too, so a receipt issued meanwhile makes the correction refused, not wrong."""
    require(actor, "ledger.change_receiptbook")
    with transaction.atomic():
        locked = ReceiptBook.objects.select_for_update().get(pk=book.pk)
        before = {
            "type": locked.type,
            "series": locked.series,
            "first_number": locked.first_number,
            "last_number": locked.last_number,
            "active": locked.active,
        }
        after = {
            "type": locked.type if type is None else type,
            "series": locked.series if series is None else series.strip(),
            "first_number": locked.first_number if first_number is None else first_number,
            "last_number": locked.last_number if last_number is None else last_number,
            "active": active,
        }
        numbering = {k: after[k] for k in ("type", "series", "first_number", "last_number")}
        if any(before[k] != v for k, v in numbering.items()):
            if locked.receipts.exists():
                raise CollectionError(
                    _(
                        "Receipts have been issued from the book %(book)s: its type, series and "
                        "numbers can no longer change. Take it out of use and add a new book."
                    )
                    % {"book": locked}
                )
            if after["type"] not in ReceiptType.values:
                raise CollectionError(_("Unknown receipt type."))
            if not after["series"]:
                raise CollectionError(_("A receipt book needs a series code."))
            if after["first_number"] < 1 or after["last_number"] < after["first_number"]:
                raise CollectionError(
                    _("The number range must start at 1 or more and not end before it starts.")
                )
            clash = _overlap(
                series=after["series"],
                first_number=after["first_number"],
                last_number=after["last_number"],
                exclude=locked,
            )
            if clash is not None:
                raise CollectionError(
                    _("Numbers %(a)s-%(b)s of series %(s)s overlap the book %(book)s.")
                    % {
                        "a": after["first_number"],
                        "b": after["last_number"],
                        "s": after["series"],
                        "book": clash,
                    }
                )
        if after == before:
            return locked
        for field, value in after.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(after))
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        audit(actor=actor, action=AuditAction.RECEIPT_BOOK_CHANGE, obj=locked, changed=changed)
    return locked


def receipt_book_next(book: ReceiptBook, *, today: date) -> dict:
    """What the book after ``book`` would be (the admin's "start the next book"): same type
    and size; a series naming this year or an earlier one moves to ``today``'s year and
    starts again at 1 (a new year's book), any other continues after the last number."""
    size = book.last_number - book.first_number + 1
    years = [m for m in re.finditer(r"(19|20)\d\d", book.series)]
    if years and int(years[-1].group()) < today.year + 1:
        found = years[-1]
        year = max(today.year, int(found.group()) + 1)
        series = f"{book.series[: found.start()]}{year}{book.series[found.end() :]}"
        if not ReceiptBook.objects.filter(series=series).exists():
            return {"type": book.type, "series": series, "first_number": 1, "last_number": size}
    last = (
        ReceiptBook.objects.filter(series=book.series)
        .order_by("-last_number")
        .values_list("last_number", flat=True)
        .first()
    )
    return {
        "type": book.type,
        "series": book.series,
        "first_number": last + 1,
        "last_number": last + size,
    }


def receipt_issue(
    *,
    type: str,
    fund: Fund,
    amount: Money,
    payer_name: str,
    payer_credit_code: str,
    payer_is_person: bool,
    payer_anonymous: bool,
    project: str,
    issued_on: date,
    actor,
) -> Receipt:
    """Take the next number of the oldest book of this type that has numbers left; the receipt
    names no entry yet (``receipt_issue_and_post`` posts the entry that names it, then links it).

    Called with the posting lock held, so two officers cannot take the same number; the database
    refuses a gap or a reuse all the same (collection/dbguards.py).
    """
    for book in (
        ReceiptBook.objects.select_for_update().filter(type=type, active=True).order_by("pk")
    ):
        last = book.receipts.order_by("-number").values_list("number", flat=True).first()
        number = book.first_number if last is None else last + 1
        if number > book.last_number:
            continue
        fields = f"{book.series}|{number}|{amount.amount:.2f}|{amount.currency}|{issued_on.isoformat()}|{payer_name}"
        with refusals_translated(_("Receipt %(code)s") % {"code": f"{book.series}-{number:08d}"}):
            return Receipt.objects.create(
                book=book,
                number=number,
                type=type,
                payer_name=payer_name,
                payer_credit_code=payer_credit_code,
                payer_is_person=payer_is_person,
                payer_anonymous=payer_anonymous,
                fund=fund,
                project=project,
                amount=amount,
                amount_in_words=amount_in_capitals(amount),
                issued_on=issued_on,
                issued_by=actor if getattr(actor, "pk", None) else None,
                check_code=check_code_for(fields),
            )
    raise ReceiptBookExhausted(
        _("Every %(type)s book is used up. Ask the administrator to add a new receipt book.")
        % {"type": ReceiptType(type).label}
    )


def receipt_issue_and_post(
    *,
    type: str,
    fund: Fund,
    amount: Money,
    debit: str,
    income_account: str,
    payer_name: str,
    payer_credit_code: str,
    payer_is_person: bool,
    payer_anonymous: bool,
    project: str,
    issued_on: date,
    idempotency_key: str,
    memo: str,
    source: str,
    actor,
) -> Receipt:
    """Income with its document, in this order (the caller holds the books lock and is inside a
    transaction): issue the receipt, post the entry naming it (``debit`` Dr / ``income_account``
    Cr, the receipt's amount, in its fund), then the receipt names the entry (once; the database
    checks that the entry names it back and credits exactly its amount to its income)."""
    receipt = receipt_issue(
        type=type,
        fund=fund,
        amount=amount,
        payer_name=payer_name,
        payer_credit_code=payer_credit_code,
        payer_is_person=payer_is_person,
        payer_anonymous=payer_anonymous,
        project=project,
        issued_on=issued_on,
        actor=actor,
    )
    entry = journal_post(
        date=issued_on,
        lines=[
            LineSpec(debit, fund, "D", amount),
            LineSpec(income_account, fund, "C", amount),
        ],
        idempotency_key=idempotency_key,
        memo=memo,
        source=source,
        income_receipt_id=receipt.pk,
        actor=actor,
    )
    with refusals_translated(_("Receipt %(code)s") % {"code": receipt.code}):
        Receipt.objects.filter(pk=receipt.pk).update(entry=entry)
    receipt.entry = entry
    return receipt


def _refuse_if_settled(receipt: Receipt) -> None:
    """A WeChat Pay / Alipay / POS donation the channel has settled is at the bank: voiding it
    would credit the clearing account money it no longer holds. Correct it with a manual entry
    (approved by a second person) instead."""
    line = ChannelSettlementLine.objects.filter(donation__receipt_id=receipt.pk).first()
    if line is not None:
        raise VoidNotAllowed(
            _(
                "Receipt %(code)s is for %(channel)s transaction %(ref)s, which the channel has "
                "already settled to the bank; it cannot be voided. Ask for a correcting manual "
                "entry instead (a second person approves it)."
            )
            % {
                "code": receipt.code,
                "channel": line.get_channel_display(),
                "ref": line.transaction_ref,
            }
        )


def receipt_void_request(*, receipt: Receipt, reason: str, actor) -> ReceiptVoidRequest:
    require(actor, "ledger.add_receiptvoidrequest")
    reason = (reason or "").strip()
    if not reason:
        raise VoidNotAllowed(_("Say why the receipt is to be voided."))
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.status == ReceiptStatus.VOID:
            raise VoidNotAllowed(_("Receipt %(code)s is already void.") % {"code": receipt.code})
        _refuse_if_settled(receipt)
        pending = receipt.void_requests.filter(status=VoidRequestStatus.PENDING).first()
        if pending is not None:
            if pending.requested_by_id == actor.pk and pending.reason == reason:
                return pending  # a double click
            raise VoidNotAllowed(
                _("Receipt %(code)s already has a void request waiting for approval.")
                % {"code": receipt.code}
            )
        request = ReceiptVoidRequest.objects.create(
            receipt=receipt, reason=reason, requested_by=actor
        )
        audit(actor=actor, action=AuditAction.RECEIPT_VOID_REQUEST, obj=receipt, reason=reason)
    return request


def receipt_void_approve(*, request: ReceiptVoidRequest, actor, note: str = "") -> Receipt:
    """A supervisor who did not ask approves: the receipt is marked void, then its entry is
    reversed (in that order: the ledger lets a reversal debit income only when the entry's
    receipt is void), in one transaction."""
    require(actor, "ledger.approve_receipt_void")
    with transaction.atomic():
        lock_head()
        request = (
            ReceiptVoidRequest.objects.select_for_update()
            .select_related("receipt")
            .get(pk=request.pk)
        )
        receipt = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("entry__period", "book")
            .get(pk=request.receipt_id)
        )
        if request.status == VoidRequestStatus.APPROVED and receipt.status == ReceiptStatus.VOID:
            return receipt  # a double click
        if request.status != VoidRequestStatus.PENDING:
            raise VoidNotAllowed(_("This void request was already decided."))
        if request.requested_by_id == getattr(actor, "pk", None):
            raise PermissionDenied(
                _("You asked for this void yourself; another supervisor must approve it.")
            )
        _refuse_if_settled(receipt)
        original = receipt.entry
        with refusals_translated(_("Receipt %(code)s") % {"code": receipt.code}):
            receipt.status = ReceiptStatus.VOID
            receipt.void_reason = request.reason
            receipt.voided_at = timezone.now()
            receipt.save(update_fields=["status", "void_reason", "voided_at"])
        if original is not None:
            # Reverse on the donation's own date while its period is open, so the period's books
            # and its thank-you list lose it together; otherwise today, as a correction in the
            # open period.
            on = original.date if original.period.is_open else timezone.localdate()
            journal_reverse(
                entry=original,
                date=on,
                actor=actor,
                memo=_("Void of receipt %(code)s: %(reason)s")
                % {"code": receipt.code, "reason": request.reason},
                idempotency_key=f"void:{receipt.pk}",
            )
        request.status = VoidRequestStatus.APPROVED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit(actor=actor, action=AuditAction.RECEIPT_VOID, obj=receipt, reason=request.reason)
    return receipt


def receipt_void_reject(*, request: ReceiptVoidRequest, actor, note: str) -> ReceiptVoidRequest:
    require(actor, "ledger.approve_receipt_void")
    if not (note or "").strip():
        raise VoidNotAllowed(_("Say why the void is refused."))
    with transaction.atomic():
        request = ReceiptVoidRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != VoidRequestStatus.PENDING:
            raise VoidNotAllowed(_("This void request was already decided."))
        if request.requested_by_id == getattr(actor, "pk", None):
            raise PermissionDenied(
                _("You asked for this void yourself; another supervisor must decide.")
            )
        request.status = VoidRequestStatus.REJECTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit(actor=actor, action=AuditAction.RECEIPT_VOID_REJECT, obj=request.receipt, note=note)
    return request
