"""Writes for money coming in.

Each recording is one transaction that takes the ledger's posting lock first (the global lock
order: chain head, then receipt book rows by pk), checks its own idempotency key under that lock,
posts the journal entry, takes the next receipt number and writes the record and an audit event.
A double-submitted form or a retried API call with the same key returns the first record; the
same key with different content is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money
from stdnum.cn import uscc

from .. import chart
from ..exceptions import (
    CurrencyNotHeld,
    IdempotencyConflict,
    LedgerError,
    PermissionDenied,
    UnknownFund,
)
from ..models import Fund
from ..services import (
    LineSpec,
    _check_amount,
    _lock_head,
    _require,
    audit,
    journal_post,
    journal_reverse,
)
from .capitals import amount_in_capitals
from .models import (
    Allocation,
    AllocationKind,
    CashDeposit,
    Donation,
    Donor,
    DonorKind,
    PaymentMethod,
    Pledge,
    Receipt,
    ReceiptBook,
    ReceiptStatus,
    ReceiptType,
    ReceiptVoidRequest,
    VoidRequestStatus,
)


class CollectionError(LedgerError):
    code = "collection_error"


class InvalidDonor(CollectionError):
    code = "invalid_donor"


class InvalidCreditCode(InvalidDonor):
    code = "invalid_credit_code"


class ReceiptBookExhausted(CollectionError):
    code = "receipt_book_exhausted"


class WrongReceiptType(CollectionError):
    code = "wrong_receipt_type"


class VoidNotAllowed(CollectionError):
    code = "void_not_allowed"


class InsufficientCash(CollectionError):
    code = "insufficient_cash"


class PledgeError(CollectionError):
    code = "pledge_error"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def validate_credit_code(code: str) -> str:
    """Return the normalised 18-character code or raise with what is wrong."""
    compact = uscc.compact(code or "")
    if len(compact) != 18:
        raise InvalidCreditCode(
            _("A unified social credit code has 18 characters; %(code)s has %(n)s.")
            % {"code": code, "n": len(compact)}
        )
    if not uscc.is_valid(compact):
        raise InvalidCreditCode(
            _(
                "The unified social credit code %(code)s is not valid: its check character does not match."
            )
            % {"code": code}
        )
    return compact


def check_code_for(receipt_fields: str) -> str:
    """A short keyed digest printed on the receipt and checked by the public verification page."""
    key = (getattr(settings, "RECEIPT_CHECK_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, receipt_fields.encode(), hashlib.sha256).hexdigest()[:12].upper()


def _fund(fund: Fund | str) -> Fund:
    if isinstance(fund, Fund):
        fund = Fund.objects.filter(pk=fund.pk).first()
    else:
        fund = Fund.objects.filter(code=fund).first() if fund else None
    if fund is None:
        raise UnknownFund(_("There is no such fund."))
    if not fund.is_active:
        raise UnknownFund(
            _("Fund %(code)s is closed; it takes no more money.") % {"code": fund.code}
        )
    return fund


def _money(amount: Money, fund: Fund, what: str) -> Money:
    value, currency = _check_amount(amount, what)
    if not fund.holds_currency(currency):
        raise CurrencyNotHeld(
            _("Fund %(fund)s does not hold %(cur)s; it holds %(held)s.")
            % {"fund": fund.code, "cur": currency, "held": ", ".join(fund.currencies or [])}
        )
    return Money(value, currency)


def _same_or_conflict(existing, fields: dict, key: str):
    for name, value in fields.items():
        if getattr(existing, name) != value:
            raise IdempotencyConflict(
                _(
                    "The idempotency key %(key)s was already used to record something different "
                    "(%(field)s differs). Use a new key for a new record."
                )
                % {"key": key, "field": name}
            )
    return existing


# --------------------------------------------------------------------------------------------
# donors
# --------------------------------------------------------------------------------------------
def donor_create(
    *,
    kind: str,
    name: str,
    actor,
    credit_code: str = "",
    anonymous: bool = False,
    phone: str = "",
    address: str = "",
) -> Donor:
    _require(actor, "ledger.add_donor")
    name = (name or "").strip()
    if not name:
        raise InvalidDonor(_("A donor needs a name."))
    if kind not in DonorKind.values:
        raise InvalidDonor(_("A donor is a unit or a person."))
    if kind == DonorKind.UNIT:
        credit_code = validate_credit_code(credit_code)
        if anonymous:
            raise InvalidDonor(
                _("Only a person can stay anonymous on public lists; a unit is listed by name.")
            )
    elif credit_code:
        raise InvalidDonor(_("A person has no unified social credit code."))
    with transaction.atomic():
        if credit_code:
            twin = Donor.objects.select_for_update().filter(credit_code=credit_code).first()
            if twin is not None:
                raise InvalidDonor(
                    _("A donor with credit code %(code)s already exists: %(name)s.")
                    % {"code": credit_code, "name": twin.name}
                )
        donor = Donor.objects.create(
            kind=kind,
            name=name,
            credit_code=credit_code,
            anonymous=anonymous,
            phone=phone,
            address=address,
        )
        audit(actor=actor, action="donor.create", obj=donor)
    return donor


# --------------------------------------------------------------------------------------------
# receipts
# --------------------------------------------------------------------------------------------
def receipt_book_create(
    *, type: str, series: str, first_number: int, last_number: int, actor
) -> ReceiptBook:
    _require(actor, "ledger.add_receiptbook")
    if type not in ReceiptType.values:
        raise CollectionError(_("Unknown receipt type."))
    if not series.strip():
        raise CollectionError(_("A receipt book needs a series code."))
    if first_number < 1 or last_number < first_number:
        raise CollectionError(
            _("The number range must start at 1 or more and not end before it starts.")
        )
    with transaction.atomic():
        clash = ReceiptBook.objects.filter(
            series=series, first_number__lte=last_number, last_number__gte=first_number
        ).first()
        if clash is not None:
            raise CollectionError(
                _("Numbers %(a)s-%(b)s of series %(s)s overlap the book %(book)s.")
                % {"a": first_number, "b": last_number, "s": series, "book": clash}
            )
        book = ReceiptBook.objects.create(
            type=type, series=series.strip(), first_number=first_number, last_number=last_number
        )
        audit(actor=actor, action="receipt_book.create", obj=book)
    return book


def _issue_receipt(
    *,
    type: str,
    entry,
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
    """Take the next number of the oldest book of this type that has numbers left.

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
            entry=entry,
        )
    raise ReceiptBookExhausted(
        _("Every %(type)s book is used up. Ask the administrator to add a new receipt book.")
        % {"type": ReceiptType(type).label}
    )


def _debit_account(method: str) -> str:
    if method not in PaymentMethod.values:
        raise CollectionError(_("The method must be bank transfer, cash or cheque."))
    return chart.CASH if method == PaymentMethod.CASH else chart.BANK


# --------------------------------------------------------------------------------------------
# donations and allocations
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DonationInput:
    donor: Donor
    fund: Fund | str
    amount: Money
    method: str
    received_on: date
    idempotency_key: str
    project: str = ""
    pledge: Pledge | None = None


def _validate_donation(data: DonationInput) -> tuple[Fund, Money]:
    fund = _fund(data.fund)
    amount = _money(data.amount, fund, _("The donation"))
    _debit_account(data.method)
    if not isinstance(data.received_on, date):
        raise CollectionError(_("The date received is required."))
    if data.received_on > timezone.localdate():
        raise CollectionError(_("The date received cannot be in the future."))
    if not data.idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    if data.pledge is not None:
        if data.pledge.donor_id != data.donor.pk:
            raise PledgeError(_("That pledge was made by another donor."))
        if data.pledge.fund_id != fund.pk:
            raise PledgeError(
                _("That pledge is for fund %(fund)s.") % {"fund": data.pledge.fund.code}
            )
        if data.pledge.written_off:
            raise PledgeError(_("That pledge was written off; record the donation without it."))
    return fund, amount


def _record_donation(data: DonationInput, fund: Fund, amount: Money, actor) -> Donation:
    """The body of donation_record, run with the posting lock held."""
    existing = Donation.objects.filter(idempotency_key=data.idempotency_key).first()
    if existing is not None:
        return _same_or_conflict(
            existing,
            {
                "donor_id": data.donor.pk,
                "fund_id": fund.pk,
                "amount": amount,
                "method": data.method,
                "received_on": data.received_on,
            },
            data.idempotency_key,
        )
    donor = data.donor
    entry = journal_post(
        date=data.received_on,
        lines=[
            LineSpec(_debit_account(data.method), fund, "D", amount),
            LineSpec(chart.DONATION_INCOME, fund, "C", amount),
        ],
        idempotency_key=f"donation:{data.idempotency_key}",
        memo=_("Donation from %(donor)s") % {"donor": donor.name},
        source="donation",
        actor=actor,
    )
    receipt = _issue_receipt(
        type=ReceiptType.DONATION,
        entry=entry,
        fund=fund,
        amount=amount,
        payer_name=donor.name,
        payer_credit_code=donor.credit_code,
        payer_is_person=donor.kind == DonorKind.PERSON,
        payer_anonymous=donor.anonymous,
        project=data.project or fund.name_zh,
        issued_on=data.received_on,
        actor=actor,
    )
    return Donation.objects.create(
        donor=donor,
        fund=fund,
        amount=amount,
        method=data.method,
        received_on=data.received_on,
        project=data.project,
        pledge=data.pledge,
        entry=entry,
        receipt=receipt,
        idempotency_key=data.idempotency_key,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def donation_record(
    *,
    donor: Donor,
    fund: Fund | str,
    amount: Money,
    method: str,
    received_on: date,
    idempotency_key: str,
    actor,
    project: str = "",
    pledge: Pledge | None = None,
) -> Donation:
    """Record a donation: post it (bank or cash against donation income, in the fund) and issue
    its donation receipt, in one transaction."""
    _require(actor, "ledger.add_donation")
    data = DonationInput(donor, fund, amount, method, received_on, idempotency_key, project, pledge)
    fund_obj, money = _validate_donation(data)
    with transaction.atomic():
        _lock_head()
        donation = _record_donation(data, fund_obj, money, actor)
        audit(actor=actor, action="donation.record", obj=donation, receipt=donation.receipt.code)
    return donation


def allocation_record(
    *,
    kind: str,
    source_name: str,
    fund: Fund | str,
    amount: Money,
    method: str,
    received_on: date,
    idempotency_key: str,
    actor,
    source_credit_code: str = "",
    document_no: str = "",
    receipt_type: str = ReceiptType.SETTLEMENT,
) -> Allocation:
    """Record budget money: allocation income and a settlement receipt, never a donation receipt."""
    _require(actor, "ledger.add_allocation")
    if receipt_type != ReceiptType.SETTLEMENT:
        raise WrongReceiptType(
            _(
                "Allocations and mandated contributions are budget money, not donations: by rule they "
                "get an inter-unit settlement receipt, never a donation receipt."
            )
        )
    if kind not in AllocationKind.values:
        raise CollectionError(
            _("The kind must be a fiscal allocation or a departmental contribution.")
        )
    if not (source_name or "").strip():
        raise CollectionError(_("Name the department that pays."))
    if source_credit_code:
        source_credit_code = validate_credit_code(source_credit_code)
    fund_obj = _fund(fund)
    money = _money(amount, fund_obj, _("The allocation"))
    debit = _debit_account(method)
    if not idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    with transaction.atomic():
        _lock_head()
        existing = Allocation.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_or_conflict(
                existing,
                {
                    "fund_id": fund_obj.pk,
                    "amount": money,
                    "source_name": source_name,
                    "received_on": received_on,
                },
                idempotency_key,
            )
        entry = journal_post(
            date=received_on,
            lines=[
                LineSpec(debit, fund_obj, "D", money),
                LineSpec(chart.ALLOCATION_INCOME, fund_obj, "C", money),
            ],
            idempotency_key=f"allocation:{idempotency_key}",
            memo=_("Allocation from %(source)s") % {"source": source_name},
            source="allocation",
            actor=actor,
        )
        receipt = _issue_receipt(
            type=ReceiptType.SETTLEMENT,
            entry=entry,
            fund=fund_obj,
            amount=money,
            payer_name=source_name,
            payer_credit_code=source_credit_code,
            payer_is_person=False,
            payer_anonymous=False,
            project=document_no or fund_obj.name_zh,
            issued_on=received_on,
            actor=actor,
        )
        allocation = Allocation.objects.create(
            kind=kind,
            source_name=source_name,
            source_credit_code=source_credit_code,
            fund=fund_obj,
            amount=money,
            method=method,
            received_on=received_on,
            document_no=document_no,
            entry=entry,
            receipt=receipt,
            idempotency_key=idempotency_key,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(actor=actor, action="allocation.record", obj=allocation, receipt=receipt.code)
    return allocation


# --------------------------------------------------------------------------------------------
# voiding (maker-checker)
# --------------------------------------------------------------------------------------------
def receipt_void_request(*, receipt: Receipt, reason: str, actor) -> ReceiptVoidRequest:
    _require(actor, "ledger.add_receiptvoidrequest")
    reason = (reason or "").strip()
    if not reason:
        raise VoidNotAllowed(_("Say why the receipt is to be voided."))
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if receipt.status == ReceiptStatus.VOID:
            raise VoidNotAllowed(_("Receipt %(code)s is already void.") % {"code": receipt.code})
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
        audit(actor=actor, action="receipt.void_request", obj=receipt, reason=reason)
    return request


def receipt_void_approve(*, request: ReceiptVoidRequest, actor, note: str = "") -> Receipt:
    """A supervisor who did not ask approves: the entry is reversed and the receipt is void."""
    _require(actor, "ledger.approve_receipt_void")
    with transaction.atomic():
        _lock_head()
        request = (
            ReceiptVoidRequest.objects.select_for_update()
            .select_related("receipt")
            .get(pk=request.pk)
        )
        receipt = (
            Receipt.objects.select_for_update()
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
        # Reverse on the donation's own date while its period is open, so the period's books and
        # its thank-you list lose it together; otherwise today, as a correction in the open period.
        original = receipt.entry
        on = original.date if original.period.is_open else timezone.localdate()
        journal_reverse(
            entry=original,
            date=on,
            actor=actor,
            memo=_("Void of receipt %(code)s: %(reason)s")
            % {"code": receipt.code, "reason": request.reason},
            idempotency_key=f"void:{receipt.pk}",
        )
        receipt.status = ReceiptStatus.VOID
        receipt.void_reason = request.reason
        receipt.voided_at = timezone.now()
        receipt.save(update_fields=["status", "void_reason", "voided_at"])
        request.status = VoidRequestStatus.APPROVED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit(actor=actor, action="receipt.void", obj=receipt, reason=request.reason)
    return receipt


def receipt_void_reject(*, request: ReceiptVoidRequest, actor, note: str) -> ReceiptVoidRequest:
    _require(actor, "ledger.approve_receipt_void")
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
        audit(actor=actor, action="receipt.void_reject", obj=request.receipt, note=note)
    return request


# --------------------------------------------------------------------------------------------
# cash
# --------------------------------------------------------------------------------------------
def cash_deposit_record(
    *,
    fund: Fund | str,
    amount: Money,
    deposited_on: date,
    idempotency_key: str,
    actor,
    bank_slip: str = "",
) -> CashDeposit:
    """Move cash on hand to the bank (1002 Dr / 1001 Cr). Never more than the fund holds in cash."""
    from ..selectors import account_balance  # local: selectors import nothing from here

    _require(actor, "ledger.add_cashdeposit")
    fund_obj = _fund(fund)
    money = _money(amount, fund_obj, _("The deposit"))
    if not idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    with transaction.atomic():
        _lock_head()
        existing = CashDeposit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_or_conflict(
                existing,
                {"fund_id": fund_obj.pk, "amount": money, "deposited_on": deposited_on},
                idempotency_key,
            )
        from ..models import Account

        on_hand = account_balance(account=Account.objects.get(code=chart.CASH), fund=fund_obj).get(
            str(money.currency), Money(0, money.currency)
        )
        if money > on_hand:
            raise InsufficientCash(
                _("Fund %(fund)s has only %(cash)s in cash on hand; it cannot deposit %(amount)s.")
                % {"fund": fund_obj.code, "cash": on_hand, "amount": money}
            )
        entry = journal_post(
            date=deposited_on,
            lines=[
                LineSpec(chart.BANK, fund_obj, "D", money),
                LineSpec(chart.CASH, fund_obj, "C", money),
            ],
            idempotency_key=f"deposit:{idempotency_key}",
            memo=_("Cash deposited to the bank") + (f" ({bank_slip})" if bank_slip else ""),
            source="deposit",
            actor=actor,
        )
        deposit = CashDeposit.objects.create(
            fund=fund_obj,
            amount=money,
            deposited_on=deposited_on,
            bank_slip=bank_slip,
            entry=entry,
            idempotency_key=idempotency_key,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(actor=actor, action="cash.deposit", obj=deposit)
    return deposit


# --------------------------------------------------------------------------------------------
# pledges
# --------------------------------------------------------------------------------------------
def pledge_create(
    *,
    donor: Donor,
    fund: Fund | str,
    amount: Money,
    pledged_on: date,
    due_date: date,
    actor,
    note: str = "",
) -> Pledge:
    """Record a promise. Nothing is booked: a pledge becomes income only when it is paid."""
    _require(actor, "ledger.add_pledge")
    fund_obj = _fund(fund)
    money = _money(amount, fund_obj, _("The pledge"))
    if due_date < pledged_on:
        raise PledgeError(_("The due date cannot be before the day of the pledge."))
    with transaction.atomic():
        pledge = Pledge.objects.create(
            donor=donor,
            fund=fund_obj,
            amount=money,
            pledged_on=pledged_on,
            due_date=due_date,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(actor=actor, action="pledge.create", obj=pledge)
    return pledge


def pledge_write_off(*, pledge: Pledge, reason: str, actor) -> Pledge:
    _require(actor, "ledger.write_off_pledge")
    reason = (reason or "").strip()
    if not reason:
        raise PledgeError(_("Say why the pledge is written off."))
    from .selectors import pledge_paid

    with transaction.atomic():
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if pledge.written_off:
            return pledge
        if pledge_paid(pledge) >= pledge.amount:
            raise PledgeError(_("The pledge is fulfilled; there is nothing to write off."))
        pledge.written_off = True
        pledge.write_off_reason = reason
        pledge.written_off_by = actor
        pledge.written_off_at = timezone.now()
        pledge.save(
            update_fields=["written_off", "write_off_reason", "written_off_by", "written_off_at"]
        )
        audit(actor=actor, action="pledge.write_off", obj=pledge, reason=reason)
    return pledge


ZERO = Decimal("0.00")
