"""Pledges: promises of money, of a donation or of a mandated contribution (帮扶资金). Nothing is
booked: a pledge becomes income only when it is paid, a donation pledge by ``donation_record``
(with a donation receipt), a mandated contribution by ``allocation_record`` (with a settlement
receipt, never a donation receipt), each with ``pledge=``; what is paid is derived from those."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ...models import DocumentKind, Fund
from ..dberrors import refusals_translated
from ..exceptions import PledgeError
from ..models import Donor, Pledge, PledgeKind
from ..selectors import pledge_paid
from ._books import AuditAction, audit, check_ceiling, require
from ._common import fund_money, open_fund


def pledge_create(
    *,
    donor: Donor,
    fund: Fund | str,
    amount: Money,
    pledged_on: date,
    due_date: date,
    actor,
    note: str = "",
    kind: str = PledgeKind.DONATION,
) -> Pledge:
    """Record a promise of a donation or of a mandated contribution (``kind``). Nothing is
    booked: a pledge becomes income only when it is paid."""
    require(actor, "ledger.add_pledge")
    if kind not in PledgeKind.values:
        raise PledgeError(_("A pledge promises a donation or a mandated contribution."))
    fund_obj = open_fund(fund)
    money = fund_money(amount, fund_obj, _("The pledge"))
    check_ceiling(DocumentKind.PLEDGE, money)
    if due_date < pledged_on:
        raise PledgeError(_("The due date cannot be before the day of the pledge."))
    with transaction.atomic():
        pledge = Pledge.objects.create(
            kind=kind,
            donor=donor,
            fund=fund_obj,
            amount=money,
            pledged_on=pledged_on,
            due_date=due_date,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(actor=actor, action=AuditAction.PLEDGE_CREATE, obj=pledge)
    return pledge


def pledge_write_off(*, pledge: Pledge, reason: str, actor) -> Pledge:
    require(actor, "ledger.write_off_pledge")
    reason = (reason or "").strip()
    if not reason:
        raise PledgeError(_("Say why the pledge is written off."))
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
        with refusals_translated():
            pledge.save(
                update_fields=[
                    "written_off",
                    "write_off_reason",
                    "written_off_by",
                    "written_off_at",
                ]
            )
        audit(actor=actor, action=AuditAction.PLEDGE_WRITE_OFF, obj=pledge, reason=reason)
    return pledge
