"""Public notices and objections: publish (reserving the money), object (capped per notice per
address and per contact), uphold, dismiss, merge a duplicate, set spam aside (each of the last
three releases the case at once if its notice is over), and close the notices whose period has
ended (finalising their cases)."""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from common import workdays
from common.errors import FundError
from common.exports import formula_name_error
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
    ProgramTier,
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

NOTICE_LEVELS = (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY)
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
TRACKING_LENGTH = 16  # 80 bits: not guessable


def _display_name(case: Case) -> str:
    head = case.household.head
    mode = NameMasking.HIDE if case.program.sensitive else case.program.name_masking
    return crypto.mask_name(head.name if head else "", mode)


def _stage(cases: Sequence[Case], program: Program) -> tuple[int | None, bool, ProgramTier | None]:
    """The tier whose approvals these cases' notice posts, whether they become final after it,
    and that tier; refused when the cases wait for different notices."""
    stages = {(c.notice_tier, c.resume_tier is None) for c in cases}
    if len(stages) != 1:
        raise InvalidInput(
            _(
                "These cases wait for different notices (after different tiers, or some to be "
                "reviewed further and some to become final): put each group on its own notice."
            )
        )
    ((after_tier, final),) = stages
    tier = (
        ProgramTier.objects.filter(program=program, order=after_tier).first()
        if after_tier is not None
        else None
    )
    return after_tier, final, tier


def notice_first_day(starts_on: date | None, *, published_on: date | None = None) -> date:
    """The first day of a notice published on ``published_on`` (today): ``starts_on``, or that
    day when empty; refused when it lies before it (a notice is never backdated)."""
    published_on = published_on or timezone.localdate()
    starts_on = starts_on or published_on
    if starts_on < published_on:
        raise InvalidInput(
            _(
                "A notice starts on the day it is published or later, never before: its first "
                "day %(start)s is before today, %(today)s. Leave the first day empty to start "
                "today."
            )
            % {"start": starts_on.isoformat(), "today": published_on.isoformat()}
        )
    return starts_on


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
    """Put approved cases on a notice, reserving each case's amount in the program's fund.

    The notice starts on ``starts_on`` (default: today, the day it is published; never earlier)
    and runs for the program's notice period, counted in calendar or working days, ending on
    start + N − 1. It is posted in a village, township or county covering the cases, at the
    level the approving tier asks for (``ProgramTier.notice_level``) when it asks for one. While
    a notice of the same program, region, cycle and stage is running, new cases go onto an
    *addendum* to it with their own full period; otherwise, and for cases re-posted after an
    upheld objection (a correction), onto a new notice (the next number, a new version).
    All or nothing: if the fund's available amount is short, nothing is published and the error
    gives the available amount."""
    require_perm(actor, PERM_PUBLISH)
    require_region(actor, region, _("The notice's region"))
    if region.level not in NOTICE_LEVELS:
        raise InvalidInput(_("A notice is posted in a village, a township or the county."))
    if not cases:
        raise InvalidInput(_("Choose the approved cases to put on the notice."))
    published_on = timezone.localdate()
    starts_on = notice_first_day(starts_on, published_on=published_on)
    # Counted before anything is written: a working-day count into a year the calendar does
    # not know yet is refused here (CalendarYearUnknown), never guessed.
    ends_on = workdays.period_end(starts_on, program.notice_days, program.notice_day_count)
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
        after_tier, final, tier = _stage(locked, program)
        if tier is not None and tier.notice_level and tier.notice_level != region.level:
            raise InvalidInput(
                _(
                    "The program posts the approvals of tier %(order)s (%(tier)s) on a "
                    "%(level)s notice; %(region)s is a %(own)s. Choose a %(level)s covering "
                    "the cases."
                )
                % {
                    "order": tier.order,
                    "tier": tier.name,
                    "level": RegionLevel(tier.notice_level).label,
                    "region": region.name,
                    "own": region.get_level_display(),
                }
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
        same = Notice.objects.filter(program=program, region=region, cycle=cycle)
        # A case taken off a notice after an upheld objection and approved again is re-posted
        # on a new version (a correction, DOMAIN.md); a case new to the notice goes onto an
        # addendum to the running notice (an addition, with its own full period).
        reposted = set(
            NoticeItem.objects.filter(case__in=locked, struck=True).values_list(
                "case_id", flat=True
            )
        )
        if reposted and len(reposted) != len(locked):
            raise InvalidInput(
                _(
                    "Cases re-posted after an objection (%(reposted)s) go onto a new version of "
                    "the notice, new cases onto an addendum: publish them separately."
                )
                % {"reposted": ", ".join(c.number for c in locked if c.pk in reposted)}
            )
        running = (
            None
            if reposted
            else (
                same.select_for_update()
                .filter(
                    status=NoticeStatus.PUBLISHED,
                    addendum=0,
                    after_tier=after_tier,
                    leads_to_final=final,
                    ends_on__gte=published_on,
                )
                .order_by("-version")
                .first()
            )
        )
        if running is not None:
            parent, version = running, running.version
            addendum = (same.filter(version=version).aggregate(n=Max("addendum"))["n"] or 0) + 1
        else:
            parent, addendum = None, 0
            version = (same.aggregate(v=Max("version"))["v"] or 0) + 1
        source = parent or program
        notice = Notice.objects.create(
            program=program,
            region=region,
            cycle=cycle,
            version=version,
            parent=parent,
            addendum=addendum,
            after_tier=after_tier,
            leads_to_final=final,
            status=NoticeStatus.PUBLISHED,
            published_on=published_on,
            period_days=program.notice_days,
            day_count=program.notice_day_count,
            starts_on=starts_on,
            ends_on=ends_on,
            authority=_contact(authority, source, "authority", "notice_authority"),
            objection_phone=_contact(objection_phone, source, "objection_phone"),
            objection_address=_contact(objection_address, source, "objection_address"),
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
                addendum=addendum,
                starts_on=starts_on.isoformat(),
                ends_on=ends_on.isoformat(),
            )
        audit(
            actor=actor,
            action=AuditAction.NOTICE_PUBLISH,
            obj=notice,
            version=version,
            addendum=addendum,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
            cases=[c.number for c in locked],
        )
    return notice


def _contact(given: str | None, source, field: str, program_field: str | None = None) -> str:
    """What the caller gave, else the parent notice's (an addendum), else the program's."""
    if given is not None:
        return given
    if isinstance(source, Notice):
        return getattr(source, field)
    return getattr(source, program_field or field)


def _tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))


def objection_contact_key(contact: str) -> str:
    """Keyed hash of the objector's contact, normalised so that one phone written two ways
    counts once: its digits (with a leading 86 country code dropped) when it holds at least 7,
    else its text without spaces, case-folded."""
    digits = re.sub(r"\D", "", contact or "")
    if len(digits) >= 7:
        if digits.startswith("0086"):
            digits = digits[4:]
        elif digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        return crypto.lookup_hash("objection-contact", digits)
    return crypto.lookup_hash("objection-contact", "".join((contact or "").split()).casefold())


@dataclass(frozen=True)
class ObjectionInput:
    """What the public typed into an objection form, checked and normalised, with the keyed
    hashes the per-notice caps count by (``objection_input``)."""

    contact: str
    text: str
    name: str
    ip_hash: str
    contact_key: str


def objection_input(
    *, contact: str, text: str, name: str = "", ip: str = "", error: type = InvalidInput
) -> ObjectionInput:
    """Check an objection from the public, whatever it objects to (a case on notice here, a row
    of an annual confirmation in disbursement): a contact and a text are required, at most 100,
    5,000 and (name) 50 characters, and a name no spreadsheet runs as a formula. ``error`` is
    the refusal the caller's app raises (its own ``InvalidInput``)."""
    contact = (contact or "").strip()
    text = (text or "").strip()
    name = (name or "").strip()
    for value, what in ((contact, _("A way to contact you")), (text, _("The objection"))):
        if not value:
            raise error(_("%(field)s is required: write it out.") % {"field": what})
    if name:
        problem = formula_name_error(name, _("Your name"))
        if problem:
            raise error(problem)
    if len(contact) > 100 or len(name) > 50 or len(text) > 5000:
        raise error(_("The contact, name or text is too long."))
    return ObjectionInput(
        contact=contact,
        text=text,
        name=name,
        ip_hash=crypto.lookup_hash("ip", ip) if ip else "",
        contact_key=objection_contact_key(contact),
    )


def objection_cap_check(filed, given: ObjectionInput, *, error: type = InvalidInput) -> None:
    """Filing an objection costs something (issue 13, finding 8): at most
    ``OBJECTION_CAP_PER_ADDRESS`` objections per client address and
    ``OBJECTION_CAP_PER_CONTACT`` per contact (phone) against one notice, whatever their
    outcome. ``filed`` is the queryset of the objections already filed against that notice
    (case objections to one ``Notice``; confirmation objections to one list), with the
    ``ip_hash`` and ``contact_key`` columns. There is no SMS gateway to verify a phone with a
    code; the cap bounds what one sender can hold, and the handlers merge duplicates and set
    spam aside, which releases what the objections held at once.

    The caller locks the notice's row (or the confirmation's) first, so two filings at the
    same moment cannot both pass."""
    if (
        given.ip_hash
        and filed.filter(ip_hash=given.ip_hash).count() >= settings.OBJECTION_CAP_PER_ADDRESS
    ):
        raise error(
            _(
                "This notice already has %(cap)s objections from your address. To add to one, "
                "call or write to the address on the notice and give its tracking code."
            )
            % {"cap": settings.OBJECTION_CAP_PER_ADDRESS}
        )
    if filed.filter(contact_key=given.contact_key).count() >= settings.OBJECTION_CAP_PER_CONTACT:
        raise error(
            _(
                "This notice already has %(cap)s objections with this contact. To add to one, "
                "call or write to the address on the notice and give its tracking code."
            )
            % {"cap": settings.OBJECTION_CAP_PER_CONTACT}
        )


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
    given = objection_input(contact=contact, text=text, name=name, ip=ip)
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
        # The notice row first: two filings at the same moment cannot both pass the cap.
        list(Notice.objects.select_for_update().filter(pk=notice.pk).values_list("pk", flat=True))
        objection_cap_check(Objection.objects.filter(notice_item__notice=notice), given)
        objection = Objection.objects.create(
            case=item.case,
            notice_item=item,
            tracking_code=_tracking_code(),
            contact=given.contact,
            name=given.name,
            text=given.text,
            ip_hash=given.ip_hash,
            contact_key=given.contact_key,
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
    objection_release_case(case=case, actor=actor)
    return objection


def objection_merge(
    *, objection: Objection, into: Objection, actor, comment: str = ""
) -> Objection:
    """``objection`` says what ``into`` already says (same case): it is closed as merged into
    it and answered there; it no longer holds the case. The objector's tracking code shows
    that it was merged. Audited; the case moves on at once if its notice is over and nothing
    else is open (``objection_release_case``)."""
    require_perm(actor, PERM_OBJECTION)
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise InvalidInput(_("The comment is too long."))
    with transaction.atomic():
        case = lock_case(objection.case)
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        objection = _open_objection(objection)
        into = Objection.objects.select_for_update().filter(pk=into.pk).first()
        if into is None or into.pk == objection.pk or into.case_id != objection.case_id:
            raise InvalidInput(
                _("An objection can only be merged into another objection to the same case.")
            )
        if into.status == ObjectionStatus.MERGED:
            raise InvalidInput(
                _("Objection %(code)s was itself merged; merge into the one it was merged into.")
                % {"code": into.tracking_code}
            )
        reply = _(
            "This objection makes the same point as another objection to the same line; it "
            "is answered there, together with it."
        )
        objection.status = ObjectionStatus.MERGED
        objection.merged_into = into
        objection.reply = f"{reply}\n{comment}" if comment else str(reply)
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save(update_fields=["status", "merged_into", "reply", "handled_by", "handled_at"])
        record(
            case,
            actor=actor,
            from_state=case.state,
            decision="objection_merged",
            comment=comment,
            objection=objection.pk,
            merged_into=into.pk,
        )
        audit(
            actor=actor,
            action=AuditAction.OBJECTION_MERGE,
            obj=objection,
            case=case.number,
            merged_into=into.tracking_code,
        )
    objection_release_case(case=case, actor=actor)
    return objection


def objection_mark_spam(*, objections: Sequence[Objection], actor, reason: str) -> list[Objection]:
    """Set open objections aside as spam (no objection to the line at all: advertising,
    abuse, the same text sent again and again), with the reviewer's reason, which the
    objector's tracking code shows. All or none; each audited. Their cases move on at once
    where their notice is over and nothing else is open (``objection_release_case``)."""
    require_perm(actor, PERM_OBJECTION)
    reason = required_text(reason, _("The reason"))
    if len(reason) > 2000:
        raise InvalidInput(_("The reason is too long."))
    if not objections:
        raise InvalidInput(_("Choose at least one objection."))
    done, cases = [], {}
    with transaction.atomic():
        for given in sorted(objections, key=lambda o: (o.case_id, o.pk)):
            case = cases.get(given.case_id) or lock_case(given.case)
            cases[case.pk] = case
            require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
            objection = _open_objection(given)
            objection.status = ObjectionStatus.SPAM
            objection.reply = reason
            objection.handled_by = actor
            objection.handled_at = timezone.now()
            objection.save(update_fields=["status", "reply", "handled_by", "handled_at"])
            record(
                case,
                actor=actor,
                from_state=case.state,
                decision="objection_spam",
                comment=reason,
                objection=objection.pk,
            )
            audit(actor=actor, action=AuditAction.OBJECTION_SPAM, obj=objection, case=case.number)
            done.append(objection)
    for case in cases.values():
        objection_release_case(case=case, actor=actor)
    return done


def objection_release_case(*, case: Case, actor=None, today: date | None = None) -> Case | None:
    """Once its last open objection is handled (dismissed, merged, set aside as spam), a case
    whose notice is already over moves on now, as ``notices_close`` would move it: made final,
    or sent to the next tier; an objection never holds an award longer than it is open. Nothing
    happens while the notice runs or another objection is open. A refusal (e.g. a closed
    accounting period) leaves the case for the next ``notices_close``. Returns the case moved
    on, or None."""
    today = today or timezone.localdate()
    case = Case.objects.get(pk=case.pk)
    if case.state != CaseState.ON_NOTICE:
        return None
    if Objection.objects.filter(case=case, status=ObjectionStatus.OPEN).exists():
        return None
    item = _latest_item(case)
    if item is None or item.notice.status != NoticeStatus.CLOSED:
        return None
    try:
        if case.resume_tier is not None:
            return case_resume_review(case=case, actor=actor, today=today)
        return case_finalise(case=case, actor=actor, today=today)
    except FundError:
        return None


@dataclass
class CloseReport:
    notices_closed: list[Notice] = field(default_factory=list)
    finalised: list[Case] = field(default_factory=list)
    resumed: list[Case] = field(default_factory=list)  # on to the next tier after the notice
    held: list[tuple[Case, str]] = field(default_factory=list)  # open objection
    failed: list[tuple[Case, str]] = field(default_factory=list)
    notices_kept: list[tuple[Notice, str]] = field(default_factory=list)  # not closed, and why


def notice_full_period_end(notice: Notice) -> date:
    """The last day a notice must be on display: its recorded last day, but never before the
    full period counted from the later of its first day and its publication day (a row whose
    dates were set by hand cannot cut the period short)."""
    shown_from = max(notice.starts_on, notice.published_on or notice.starts_on)
    full = workdays.period_end(shown_from, notice.period_days, notice.day_count)
    return max(notice.ends_on, full)


def case_resume_review(*, case: Case, actor=None, today: date | None = None) -> Case:
    """on_notice -> in_review at the next tier once a notice that followed an intermediate
    tier is over with no open objection (its money stays reserved). Called by
    ``close_notices``."""
    today = today or timezone.localdate()
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "resume_review", actor, _("sent on to the next tier"))
        item = _latest_item(case)
        if item is None or item.notice.status != NoticeStatus.CLOSED:
            raise InvalidTransition(
                _("Case %(number)s is still on notice; the next tier reviews it after the end.")
                % {"number": case.number}
            )
        open_objection = Objection.objects.filter(case=case, status=ObjectionStatus.OPEN).first()
        if open_objection is not None:
            raise InvalidTransition(
                _(
                    "Case %(number)s has an open objection (%(code)s); it goes on to the next "
                    "tier once the objection is handled."
                )
                % {"number": case.number, "code": open_objection.tracking_code}
            )
        case.resume_review()
        save_case(case)
        record(
            case,
            actor=actor,
            from_state=CaseState.ON_NOTICE,
            decision="resume",
            tier=case.current_tier,
            notice=item.notice_id,
        )
    return case


def _latest_item(case: Case) -> NoticeItem | None:
    return (
        NoticeItem.objects.filter(case=case, struck=False)
        .select_related("notice")
        .order_by("-id")
        .first()
    )


def notices_close(
    *,
    today: date | None = None,
    actor=None,
    progress: Callable[[int, int, Case], None] | None = None,
) -> CloseReport:
    """Close every published notice (and addendum) whose full period is over, then move on each
    case whose latest notice line is on a closed notice with no open objection: made final after
    a notice that followed the last tier, sent to the next tier after an intermediate one (one
    transaction per case, so one failure, e.g. a closed accounting period, does not undo the
    others). A notice is closed only once its lines have had their whole period on display,
    counted from the later of its first day and its publication day. Safe to run any number of
    times."""
    today = today or timezone.localdate()
    report = CloseReport()
    for notice in Notice.objects.filter(status=NoticeStatus.PUBLISHED, ends_on__lt=today):
        try:
            full_end = notice_full_period_end(notice)
        except workdays.CalendarYearUnknown as exc:
            report.notices_kept.append((notice, str(exc)))
            continue
        if full_end >= today:
            report.notices_kept.append(
                (
                    notice,
                    _("on display until %(end)s (its full period from publication)")
                    % {"end": full_end.isoformat()},
                )
            )
            continue
        with transaction.atomic():
            updated = Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PUBLISHED).update(
                status=NoticeStatus.CLOSED, closed_at=timezone.now()
            )
            if updated:
                audit(actor=actor, action=AuditAction.NOTICE_CLOSE, obj=notice)
                report.notices_closed.append(notice)
    candidates = (
        Case.objects.filter(
            state=CaseState.ON_NOTICE,
            notice_items__struck=False,
            notice_items__notice__status=NoticeStatus.CLOSED,
        )
        .distinct()
        .order_by("pk")
    )
    # Only cases whose *latest* line is on a closed notice: a case posted again later (after
    # the next tier) waits for that later notice.
    due = []
    for case in candidates:
        item = _latest_item(case)
        if item is not None and item.notice.status == NoticeStatus.CLOSED:
            due.append(case)
    for index, case in enumerate(due, start=1):
        if progress is not None:
            progress(index, len(due), case)
        objection = Objection.objects.filter(case=case, status=ObjectionStatus.OPEN).first()
        if objection is not None:
            report.held.append((case, objection.tracking_code))
            continue
        try:
            if case.resume_tier is not None:
                report.resumed.append(case_resume_review(case=case, actor=actor, today=today))
            else:
                report.finalised.append(case_finalise(case=case, actor=actor, today=today))
        except FundError as exc:  # the ledger's refusals and ours alike
            if Case.objects.filter(pk=case.pk).values_list("state", flat=True).first() != (
                CaseState.ON_NOTICE
            ):
                continue  # another run (or a withdrawal) got there first: nothing left to do
            report.failed.append((case, str(exc)))
    return report
