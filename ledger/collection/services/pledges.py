"""Pledges: promises of money, of a donation or of a mandated contribution (帮扶资金). Nothing is
booked: a pledge becomes income only when it is paid, a donation pledge by ``donation_record``
(with a donation receipt), a mandated contribution by ``allocation_record`` (with a settlement
receipt, never a donation receipt), each with ``pledge=``; what is paid is derived from those."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
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
    idempotency_key: str = "",
) -> Pledge:
    """Record a promise of a donation or of a mandated contribution (``kind``). Nothing is
    booked: a pledge becomes income only when it is paid.

    With an ``idempotency_key`` (the entry screen's hidden key) the same key records once: a
    repeat with the same content returns the first pledge, one with other content is refused."""
    require(actor, "ledger.add_pledge")
    if kind not in PledgeKind.values:
        raise PledgeError(_("A pledge promises a donation or a mandated contribution."))
    fund_obj = open_fund(fund)
    money = fund_money(amount, fund_obj, _("The pledge"))
    check_ceiling(DocumentKind.PLEDGE, money)
    if due_date < pledged_on:
        raise PledgeError(_("The due date cannot be before the day of the pledge."))
    key = (idempotency_key or "").strip()
    content = dict(
        kind=kind,
        donor=donor,
        fund=fund_obj,
        amount=money,
        pledged_on=pledged_on,
        due_date=due_date,
        note=note,
    )
    if key and (first := _same_key(key, content)) is not None:
        return first
    try:
        with transaction.atomic():
            pledge = Pledge.objects.create(
                **content,
                idempotency_key=key or None,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            audit(actor=actor, action=AuditAction.PLEDGE_CREATE, obj=pledge)
    except IntegrityError:
        # The same form sent twice at the same moment: the unique key decides.
        first = _same_key(key, content) if key else None
        if first is None:
            raise
        return first
    return pledge


def _same_key(key: str, content: dict) -> Pledge | None:
    """The pledge already recorded with ``key``, when its content is the same; refused when the
    key was used for something else."""
    first = Pledge.objects.filter(idempotency_key=key).first()
    if first is None:
        return None
    same = (
        first.kind == content["kind"]
        and first.donor_id == content["donor"].pk
        and first.fund_id == content["fund"].pk
        and first.amount == content["amount"]
        and first.pledged_on == content["pledged_on"]
        and first.due_date == content["due_date"]
        and first.note == content["note"]
    )
    if not same:
        raise PledgeError(
            _("This form was already used to record another pledge; open a new form.")
        )
    return first


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
