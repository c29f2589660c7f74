"""Public notices and objections: publish (reserving the money), object, uphold, dismiss, and
close the notices whose period has ended (finalising their cases)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from common.errors import FundError
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head
from ledger.selectors import fund_position

from .. import crypto
from ..exceptions import InsufficientFunds, InvalidInput, InvalidTransition
from ..models import (
    PERM_OBJECTION,
    PERM_PUBLISH,
    Case,
    CaseState,
    NameMasking,
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Program,
    Region,
    RegionLevel,
    Reservation,
    region_covers,
)
from ._common import (
    check_transition,
    lock_case,
    record,
    require_perm,
    require_region,
    required_text,
)
from .awards import case_finalise
from .steps import save_case

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
TRACKING_LENGTH = 16  # 80 bits: not guessable


def _display_name(case: Case) -> str:
    head = case.household.head
    mode = NameMasking.HIDE if case.program.sensitive else case.program.name_masking
    return crypto.mask_name(head.name if head else "", mode)


def notice_publish(
    *,
    program: Program,
    region: Region,
    cycle: str,
    cases: Sequence[Case],
    actor,
    starts_on: date | None = None,
    authority: str | None = None,
    objection_phone: str | None = None,
    objection_address: str | None = None,
) -> Notice:
    """Put approved cases on a new notice (the next version for this program, region and
    cycle), reserving each case's amount in the program's fund. All or nothing: if the fund's
    available amount is short, nothing is published and the error gives the available amount."""
    require_perm(actor, PERM_PUBLISH)
    require_region(actor, region, _("The notice's region"))
    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise InvalidInput(_("A notice is posted in a township or a village."))
    if not cases:
        raise InvalidInput(_("Choose the approved cases to put on the notice."))
    starts_on = starts_on or timezone.localdate()
    with transaction.atomic():
        # The fund check below and the reservations must not interleave with another notice or
        # a posting: the ledger's single posting lock, taken first (global lock order).
        lock_head()
        locked = [lock_case(c) for c in sorted(cases, key=lambda c: c.pk)]
        if len({c.pk for c in locked}) != len(locked):
            raise InvalidInput(_("A case is listed twice."))
        for case in locked:
            check_transition(case, "put_on_notice", actor, _("put on notice"))
            if case.program_id != program.pk or case.cycle != cycle:
                raise InvalidInput(
                    _("Case %(number)s belongs to %(code)s %(cycle)s, not this notice.")
                    % {"number": case.number, "code": case.program.code, "cycle": case.cycle}
                )
            if not region_covers(region, case.region):
                raise InvalidInput(
                    _("Case %(number)s lies outside %(region)s.")
                    % {"number": case.number, "region": region.name}
                )
        held = set(
            Reservation.objects.filter(case__in=locked, active=True).values_list(
                "case_id", flat=True
            )
        )
        needed: dict[str, Decimal] = defaultdict(Decimal)
        for case in locked:
            if case.pk not in held:
                needed[str(case.amount.currency)] += case.amount.amount
        positions = {p.currency: p for p in fund_position(fund=program.fund)}
        for currency, amount in needed.items():
            available = positions[currency].available if currency in positions else Decimal(0)
            if available < amount:
                raise InsufficientFunds(
                    _(
                        "Fund %(fund)s has %(available)s available, less than the %(needed)s "
                        "these cases need; nothing was put on notice. Put fewer cases on the "
                        "notice or wait for more money to reach the fund."
                    )
                    % {
                        "fund": program.fund.code,
                        "available": Money(available, currency),
                        "needed": Money(amount, currency),
                    }
                )
        version = (
            Notice.objects.filter(program=program, region=region, cycle=cycle).aggregate(
                v=Max("version")
            )["v"]
            or 0
        ) + 1
        notice = Notice.objects.create(
            program=program,
            region=region,
            cycle=cycle,
            version=version,
            status=NoticeStatus.PUBLISHED,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=program.notice_days),
            authority=program.notice_authority if authority is None else authority,
            objection_phone=program.objection_phone if objection_phone is None else objection_phone,
            objection_address=(
                program.objection_address if objection_address is None else objection_address
            ),
            published_by=actor,
            published_at=timezone.now(),
        )
        for case in locked:
            NoticeItem.objects.create(
                notice=notice,
                case=case,
                display_name=_display_name(case),
                people_count=None if program.sensitive else case.memberships.count(),
                amount=case.amount,
                village_name=case.region.name,
            )
            if case.pk not in held:
                Reservation.objects.create(case=case, fund=program.fund, amount=case.amount)
            case.put_on_notice()
            save_case(case)
            record(
                case,
                actor=actor,
                from_state=CaseState.APPROVED,
                decision="notice",
                notice=notice.pk,
                version=version,
            )
        audit(
            actor=actor,
            action=AuditAction.NOTICE_PUBLISH,
            obj=notice,
            version=version,
            cases=[c.number for c in locked],
        )
    return notice


def _tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))


def objection_file(
    *,
    notice_item: NoticeItem,
    contact: str,
    text: str,
    name: str = "",
    ip: str = "",
    today: date | None = None,
) -> Objection:
    """Anyone may object to a line of a notice while the notice is open (no login). Returns the
    objection; its ``tracking_code`` is the objector's only handle on it."""
    today = today or timezone.localdate()
    contact = required_text(contact, _("A way to contact you"))
    text = required_text(text, _("The objection"))
    name = (name or "").strip()
    if len(contact) > 100 or len(name) > 50 or len(text) > 5000:
        raise InvalidInput(_("The contact, name or text is too long."))
    with transaction.atomic():
        item = NoticeItem.objects.select_related("notice", "case").get(pk=notice_item.pk)
        notice = item.notice
        if (
            notice.status != NoticeStatus.PUBLISHED
            or not notice.starts_on <= today <= notice.ends_on
            or item.struck
            or item.case.state != CaseState.ON_NOTICE
        ):
            raise InvalidTransition(
                _("This notice is not open for objections (it ran from %(start)s to %(end)s).")
                % {"start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat()}
            )
        objection = Objection.objects.create(
            case=item.case,
            notice_item=item,
            tracking_code=_tracking_code(),
            contact=contact,
            name=name,
            text=text,
            ip_hash=crypto.lookup_hash("ip", ip) if ip else "",
        )
        case = item.case
        record(
            case,
            actor=None,
            from_state=case.state,
            decision="objection",
            objection=objection.pk,
        )
    return objection


def _open_objection(objection: Objection) -> Objection:
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise InvalidTransition(
            _("Objection %(code)s was already %(status)s.")
            % {"code": objection.tracking_code, "status": objection.get_status_display()}
        )
    return objection


def objection_uphold(*, objection: Objection, actor, tier: int, comment: str) -> Objection:
    """The objection has merit: the case leaves the notice and is re-investigated from the
    chosen tier (its reservation stays until it is rejected, withdrawn or final). After
    re-approval it goes onto a new version of the notice, or it is rejected."""
    require_perm(actor, PERM_OBJECTION)
    comment = required_text(comment, _("The finding"))
    with transaction.atomic():
        case = lock_case(objection.case)
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        objection = _open_objection(objection)
        orders = [t.order for t in case.program.applicable_tiers(case.amount)]
        if tier not in orders:
            raise InvalidInput(
                _("Choose the tier to re-investigate at: one of %(orders)s.")
                % {"orders": ", ".join(str(o) for o in orders)}
            )
        if case.state == CaseState.ON_NOTICE:
            check_transition(case, "reinvestigate", actor, _("sent for re-investigation"))
            case.reinvestigate(tier)
            save_case(case)
            NoticeItem.objects.filter(case=case, struck=False).update(struck=True)
            record(
                case,
                actor=actor,
                from_state=CaseState.ON_NOTICE,
                decision="objection_upheld",
                tier=tier,
                comment=comment,
                objection=objection.pk,
            )
        objection.status = ObjectionStatus.UPHELD
        objection.reply = comment
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save(update_fields=["status", "reply", "handled_by", "handled_at"])
        audit(
            actor=actor,
            action=AuditAction.OBJECTION_UPHOLD,
            obj=objection,
            case=case.number,
            tier=tier,
        )
    return objection


def objection_dismiss(*, objection: Objection, actor, reply: str) -> Objection:
    """The objection has no merit: dismissed with a written reply to the objector. The case may
    then become final when its notice is closed."""
    require_perm(actor, PERM_OBJECTION)
    reply = required_text(reply, _("The reply to the objector"))
    with transaction.atomic():
        case = lock_case(objection.case)
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        objection = _open_objection(objection)
        objection.status = ObjectionStatus.DISMISSED
        objection.reply = reply
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save(update_fields=["status", "reply", "handled_by", "handled_at"])
        record(
            case,
            actor=actor,
            from_state=case.state,
            decision="objection_dismissed",
            comment=reply,
            objection=objection.pk,
        )
    return objection


@dataclass
class CloseReport:
    notices_closed: list[Notice] = field(default_factory=list)
    finalised: list[Case] = field(default_factory=list)
    held: list[tuple[Case, str]] = field(default_factory=list)  # open objection
    failed: list[tuple[Case, str]] = field(default_factory=list)


def notices_close(
    *,
    today: date | None = None,
    actor=None,
    progress: Callable[[int, int, Case], None] | None = None,
) -> CloseReport:
    """Close every published notice whose last day has passed, then make final every case on a
    closed notice with no open objection (one transaction per case, so one failure, e.g. a
    closed accounting period, does not undo the others). Safe to run any number of times."""
    today = today or timezone.localdate()
    report = CloseReport()
    for notice in Notice.objects.filter(status=NoticeStatus.PUBLISHED, ends_on__lt=today):
        with transaction.atomic():
            updated = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PUBLISHED).update(
                status=NoticeStatus.CLOSED, closed_at=timezone.now()
            )
            if updated:
                audit(actor=actor, action=AuditAction.NOTICE_CLOSE, obj=notice)
                report.notices_closed.append(notice)
    due = list(
        Case.objects.filter(
            state=CaseState.ON_NOTICE,
            notice_items__struck=False,
            notice_items__notice__status=NoticeStatus.CLOSED,
        )
        .distinct()
        .order_by("pk")
    )
    for index, case in enumerate(due, start=1):
        if progress is not None:
            progress(index, len(due), case)
        objection = Objection.objects.filter(case=case, status=ObjectionStatus.OPEN).first()
        if objection is not None:
            report.held.append((case, objection.tracking_code))
            continue
        try:
            report.finalised.append(case_finalise(case=case, actor=actor, today=today))
        except FundError as exc:  # the ledger's refusals and ours alike
            if Case.objects.filter(pk=case.pk).values_list("state", flat=True).first() != (
                CaseState.ON_NOTICE
            ):
                continue  # another run (or a withdrawal) got there first: nothing left to do
            report.failed.append((case, str(exc)))
    return report
