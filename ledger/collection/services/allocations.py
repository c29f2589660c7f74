"""Allocations: budget money (fiscal allocations, departmental contributions) booked as
allocation income with an inter-unit settlement receipt, never a donation receipt."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from ... import chart
from ...models import Fund
from ..exceptions import CollectionError, WrongReceiptType
from ..models import Allocation, AllocationKind, ReceiptType
from ._books import AuditAction, LineSpec, audit, journal_post, lock_head, require
from ._common import debit_account, fund_money, open_fund, same_or_conflict
from .donors import validate_credit_code
from .receipts import receipt_issue


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
    if not (source_name or "").strip():
        raise CollectionError(_("Name the department that pays."))
    if source_credit_code:
        source_credit_code = validate_credit_code(source_credit_code)
    fund_obj = open_fund(fund)
    money = fund_money(amount, fund_obj, _("The allocation"))
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
        receipt = receipt_issue(
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
        audit(
            actor=actor, action=AuditAction.ALLOCATION_RECORD, obj=allocation, receipt=receipt.code
        )
    return allocation
