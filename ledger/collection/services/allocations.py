"""Allocations: budget money (fiscal allocations, departmental contributions) booked as
allocation income with an inter-unit settlement receipt, never a donation receipt: the receipt
is issued first, the entry names it, the allocation row comes last, in one transaction. A
mandated-contribution pledge (帮扶资金) is paid here, never by a donation (财综〔2024〕1号 art. 8
forbids donation receipts for 摊派)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from common.exports import formula_name_error

from ... import chart
from ...models import DocumentKind, Fund
from ..dberrors import refusals_translated
from ..exceptions import CollectionError, PledgeError, WrongReceiptType
from ..models import Allocation, AllocationKind, Pledge, PledgeKind, ReceiptType
from ._books import AuditAction, audit, check_ceiling, lock_head, require
from ._common import debit_account, fund_money, open_fund, same_or_conflict
from .donors import validate_credit_code
from .receipts import receipt_issue_and_post


def _check_pledge(pledge: Pledge, fund: Fund, money: Money) -> None:
    if pledge.kind != PledgeKind.CONTRIBUTION:
        raise PledgeError(
            _(
                "That pledge promises a donation; record a donation with a donation receipt to pay it."
            )
        )
    if pledge.fund_id != fund.pk:
        raise PledgeError(_("That pledge is for fund %(fund)s.") % {"fund": pledge.fund.code})
    if pledge.written_off:
        raise PledgeError(_("That pledge was written off; record the allocation without it."))
    if str(pledge.amount.currency) != str(money.currency):
        raise PledgeError(_("That pledge is in %(cur)s.") % {"cur": pledge.amount.currency})


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
    pledge: Pledge | None = None,
) -> Allocation:
    """Record budget money: a settlement receipt (never a donation receipt), the entry naming it
    (allocation income), the allocation row. ``pledge``: the mandated-contribution pledge it
    pays; its donor is the paying department when ``source_name`` is left empty."""
    require(actor, "ledger.add_allocation")
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
    if pledge is not None and not (source_name or "").strip():
        source_name = pledge.donor.name
        source_credit_code = source_credit_code or pledge.donor.credit_code
    if not (source_name or "").strip():
        raise CollectionError(_("Name the department that pays."))
    problem = formula_name_error(source_name.strip(), _("The paying department"))
    if problem:
        raise CollectionError(problem)
    if source_credit_code:
        source_credit_code = validate_credit_code(source_credit_code)
    fund_obj = open_fund(fund)
    money = fund_money(amount, fund_obj, _("The allocation"))
    check_ceiling(DocumentKind.ALLOCATION, money)
    if pledge is not None:
        _check_pledge(pledge, fund_obj, money)
    debit = debit_account(method)
    if not idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    with transaction.atomic():
        lock_head()
        existing = Allocation.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return same_or_conflict(
                existing,
                {
                    "fund_id": fund_obj.pk,
                    "amount": money,
                    "source_name": source_name,
                    "received_on": received_on,
                },
                idempotency_key,
            )
        receipt = receipt_issue_and_post(
            type=ReceiptType.SETTLEMENT,
            fund=fund_obj,
            amount=money,
            debit=debit,
            income_account=chart.ALLOCATION_INCOME,
            payer_name=source_name,
            payer_credit_code=source_credit_code,
            payer_is_person=False,
            payer_anonymous=False,
            project=document_no or fund_obj.name_zh,
            issued_on=received_on,
            idempotency_key=f"allocation:{idempotency_key}",
            memo=_("Allocation from %(source)s") % {"source": source_name},
            source="allocation",
            actor=actor,
        )
        with refusals_translated(_("Allocation with receipt %(code)s") % {"code": receipt.code}):
            allocation = Allocation.objects.create(
                kind=kind,
                source_name=source_name,
                source_credit_code=source_credit_code,
                fund=fund_obj,
                amount=money,
                method=method,
                received_on=received_on,
                document_no=document_no,
                pledge=pledge,
                entry=receipt.entry,
                receipt=receipt,
                idempotency_key=idempotency_key,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
        audit(
            actor=actor, action=AuditAction.ALLOCATION_RECORD, obj=allocation, receipt=receipt.code
        )
    return allocation
