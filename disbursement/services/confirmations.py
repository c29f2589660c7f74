"""The annual confirmation (年审 / 资格确认) of a recurring program's cycle, and the cycle's
approval by a second person, which books the cycle's entitlements.

1. ``confirmation_prepare`` (a county finance officer): every person enrolled in the program
   (active or suspended) is checked against the program's rules on its eligibility day in the
   cycle's year — age, allowed regions, excluded programs, the person's status (deceased, moved
   away), the enrolment's status — and listed as continued, new or stopped with the reasons.
2. ``confirmation_row_stop`` / ``confirmation_signoff`` (the program's review tiers, in order):
   at each tier, each region of the tier's level holding rows is signed off by a reviewer of
   the tier's role working there (not the preparer, not someone who signed at an earlier tier);
   before signing, the reviewer may stop a row of their region with a written reason.
3. ``confirmation_publish``: the reviewed list goes on a public notice for the program's notice
   period (never backdated), masked names only, at the level the last tier's ``notice_level``
   says: county-wide (county, or nothing said), or one notice per village or township holding
   rows (``confirmation_tier_notice_publish`` posts one region's, ``confirmation_publish`` every
   region not posted yet); the list is on notice once every region's is posted.
4. ``confirmation_approve`` (a finance supervisor, not the preparer: the service and a database
   constraint refuse it) after the notice ends: the enrolments of stopped rows are suspended or
   exited as their rows say, and the entitlements of the continued and new rows are booked
   (``entitlements.book_confirmed``), in one transaction. Approving twice books nothing. With
   a notice per region, only after every region's notice has run.

Every service runs in one transaction, locks the confirmation row, checks role and region,
writes an audit event and raises typed errors (``disbursement.exceptions``) that change nothing.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from approvals.crypto import mask_name
from approvals.exceptions import InvalidInput as CaseInvalidInput
from approvals.models import (
    PERM_PUBLISH,
    AwardClaim,
    ClaimStatus,
    NameMasking,
    PersonStatus,
    ProgramTier,
    Region,
    RegionLevel,
    region_covers,
)
from approvals.models.registry import LEVEL_PREFIX
from approvals.selectors import staff_region
from approvals.services import notice_first_day
from common import workdays
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head

from ..exceptions import InvalidInput, InvalidState, NotAllowed
from ..models import (
    PAID_OUTCOMES,
    Confirmation,
    ConfirmationNotice,
    ConfirmationRow,
    ConfirmationSignoff,
    ConfirmationStatus,
    Cycle,
    CycleStatus,
    Enrolment,
    EnrolmentHistory,
    EnrolmentStatus,
    Entitlement,
    RowOutcome,
    StopAction,
)
from ._common import NO_PROGRESS, Progress, require_perm, required_text
from .entitlements import (
    PERM_GENERATE,
    GenerationReport,
    _recurring_program,
    _require_county,
    book_confirmed,
    held_rows,
)

PERM_APPROVE_CYCLE = "disbursement.approve_cycle"

# What each check that stops a row says (the row keeps the code; it is worded when read).
REASONS = {
    "age_below": gettext_lazy("under the program's minimum age (%(min)s) on %(day)s: %(age)s"),
    "age_above": gettext_lazy("over the program's maximum age (%(max)s) on %(day)s: %(age)s"),
    "region": gettext_lazy("lives outside the regions the program covers"),
    "excluded": gettext_lazy("in a program this one excludes, in the same cycle"),
    "deceased": gettext_lazy("deceased"),
    "moved": gettext_lazy("moved away"),
    "suspended": gettext_lazy("enrolment suspended"),
}
# Checks after which the enrolment ends when the cycle is approved (the others stop this
# cycle's payment only: a suspension stays a suspension, an exclusion may end next cycle).
EXIT_REASONS = ("deceased", "moved", "age_above", "region")


def reason_texts(row: ConfirmationRow) -> list[str]:
    """The row's reasons in the reader's language: the checks', then the reviewer's."""
    program = row.confirmation.program
    params = {
        "min": program.min_age,
        "max": program.max_age,
        "day": row.confirmation.reference_date.isoformat(),
        "age": row.age,
    }
    texts = [str(REASONS[code]) % params for code in row.codes if code in REASONS]
    if row.reason_text:
        texts.append(row.reason_text)
    return texts


def _display_name(program, person) -> str:
    mode = NameMasking.HIDE if program.sensitive else program.name_masking
    return mask_name(person.name, mode)


def _review_tiers(program) -> list[ProgramTier]:
    tiers = program.applicable_tiers(program.amount)
    if not tiers:
        raise InvalidState(
            _(
                "Program %(code)s has no review tier for its amount; the administrator must add "
                "one before a confirmation can be reviewed."
            )
            % {"code": program.code}
        )
    return tiers


def cycle_first_day(code: str) -> date | None:
    """The first day of a cycle or case cycle code: "2026" is 1 January 2026, "2026-11" is
    1 November 2026; None for a code of another shape (nothing to compare it by)."""
    found = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", (code or "").strip())
    if found is None:
        return None
    month = int(found.group(2) or 1)
    return date(int(found.group(1)), month, 1) if 1 <= month <= 12 else None


def enrolled_before(enrolment: Enrolment, cycle: Cycle) -> bool:
    """Whether the enrolment dates from before ``cycle``: the final case that enrolled the
    person belongs to an earlier cycle (last year's case enrolled them and paid last year's
    award, whenever it became final), or, for an enrolment without a case, it was made before
    the cycle's first day. Such a person *continues* in the cycle; one enrolled by a case of
    this cycle is *new* (a row also continues when an earlier cycle paid it)."""
    start = cycle_first_day(cycle.code)
    if start is None:
        return False
    case = enrolment.source_case
    if case is not None:
        case_start = cycle_first_day(case.cycle)
        if case_start is not None:
            return case_start < start
    return enrolment.enrolled_on < start


def reference_day(program, cycle: Cycle, today: date) -> date:
    """The day ages are counted on: the program's eligibility day in the cycle's year."""
    return program.eligibility_date(int(cycle.code[:4])) or today


# --------------------------------------------------------------------------------------------
# prepare
# --------------------------------------------------------------------------------------------
def _checks(program, enrolment, person, region, on: date, excluded_people: set[int]) -> list:
    codes = []
    age = person.age_on(on)
    if program.min_age is not None and age < program.min_age:
        codes.append("age_below")
    if program.max_age is not None and age > program.max_age:
        codes.append("age_above")
    allowed = list(program.allowed_regions.all())
    if allowed and not any(region_covers(r, region) for r in allowed):
        codes.append("region")
    if person.pk in excluded_people:
        codes.append("excluded")
    if person.status == PersonStatus.DECEASED:
        codes.append("deceased")
    elif person.status == PersonStatus.MOVED:
        codes.append("moved")
    if enrolment.status == EnrolmentStatus.SUSPENDED:
        codes.append("suspended")
    return codes


def confirmation_prepare(*, cycle: Cycle, actor, today: date | None = None) -> Confirmation:
    """List every person enrolled in the cycle's program, checked on the program's eligibility
    day, as continued / new / stopped; the list starts at the program's first review tier.
    Preparing a cycle that has its confirmation returns it unchanged."""
    require_perm(actor, PERM_GENERATE)
    _require_county(actor)
    today = today or timezone.localdate()
    program = cycle.program
    _recurring_program(program)
    tiers = _review_tiers(program)
    on = reference_day(program, cycle, today)
    try:
        with transaction.atomic():
            cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
            existing = Confirmation.objects.filter(cycle=cycle).first()
            if existing is not None:
                return existing
            if cycle.status != CycleStatus.OPEN:
                raise InvalidState(
                    _("Cycle %(code)s is closed; no confirmation is prepared in it.")
                    % {"code": cycle.code}
                )
            confirmation = Confirmation.objects.create(
                cycle=cycle,
                program=program,
                reference_date=on,
                current_tier=tiers[0].order,
                prepared_by=actor,
            )
            rows = _rows(confirmation, program, cycle, on, today)
            ConfirmationRow.objects.bulk_create(rows)
            if not rows:  # nobody enrolled: nothing for a tier to review, only to post
                confirmation.status = ConfirmationStatus.REVIEWED
                confirmation.current_tier = None
                confirmation.save(update_fields=["status", "current_tier"])
            counts = {o: sum(1 for r in rows if r.outcome == o) for o in RowOutcome.values}
            audit(
                actor=actor,
                action=AuditAction.CONFIRMATION_PREPARE,
                obj=confirmation,
                cycle=cycle.code,
                program=program.code,
                reference_date=on.isoformat(),
                **counts,
            )
    except IntegrityError as exc:  # a second preparation raced this one
        raise InvalidState(
            _("The confirmation of cycle %(code)s was prepared a moment ago; reload it.")
            % {"code": cycle.code}
        ) from exc
    return confirmation


def _rows(confirmation, program, cycle, on: date, today: date) -> list[ConfirmationRow]:
    enrolments = list(
        Enrolment.objects.filter(
            program=program,
            status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED],
            enrolled_on__lte=today,
        )
        .select_related("person__household__region", "source_case")
        .order_by("id")
    )
    people = [e.person_id for e in enrolments]
    excluded = set(program.excludes.values_list("pk", flat=True))
    excluded_people: set[int] = set()
    if excluded:
        excluded_people |= set(
            Enrolment.objects.filter(
                program__in=excluded, person__in=people, status=EnrolmentStatus.ACTIVE
            ).values_list("person_id", flat=True)
        )
        excluded_people |= set(
            AwardClaim.objects.filter(
                program__in=excluded,
                cycle=cycle.code,
                status=ClaimStatus.LIVE,
                person__in=people,
            ).values_list("person_id", flat=True)
        )
    # Continued: enrolled before this cycle (by an earlier cycle's case, or before its first
    # day), or paid before: a continued or new row of an earlier approved confirmation, or an
    # entitlement of another cycle. New: enrolled in this cycle and never paid.
    continuing = (
        {e.pk for e in enrolments if enrolled_before(e, cycle)}
        | set(
            ConfirmationRow.objects.filter(
                confirmation__program=program,
                confirmation__status=ConfirmationStatus.APPROVED,
                outcome__in=PAID_OUTCOMES,
                enrolment__in=enrolments,
            )
            .exclude(confirmation__cycle=cycle)
            .values_list("enrolment_id", flat=True)
        )
        | set(
            Entitlement.objects.filter(enrolment__in=enrolments)
            .exclude(cycle=cycle)
            .values_list("enrolment_id", flat=True)
        )
    )
    rows = []
    for enrolment in enrolments:
        person = enrolment.person
        region = person.household.region
        codes = _checks(program, enrolment, person, region, on, excluded_people)
        if codes:
            outcome = RowOutcome.STOPPED
        elif enrolment.pk in continuing:
            outcome = RowOutcome.CONTINUED
        else:
            outcome = RowOutcome.NEW
        rows.append(
            ConfirmationRow(
                confirmation=confirmation,
                enrolment=enrolment,
                person=person,
                region=region,
                display_name=_display_name(program, person),
                age=max(person.age_on(on), 0),
                outcome=outcome,
                reason_codes=",".join(codes),
                stop_action=(
                    StopAction.EXIT if any(c in EXIT_REASONS for c in codes) else StopAction.NONE
                ),
            )
        )
    return rows


# --------------------------------------------------------------------------------------------
# review tiers
# --------------------------------------------------------------------------------------------
def _lock(confirmation: Confirmation) -> Confirmation:
    return (
        Confirmation.objects.select_for_update(of=("self",))
        .select_related("program", "cycle")
        .get(pk=confirmation.pk)
    )


def region_at(level: str, region: Region) -> str:
    """The division code of the region at ``level`` that covers ``region``."""
    digits = LEVEL_PREFIX[level]
    return region.code[:digits] + "0" * (12 - digits)


def _tier_holder(confirmation: Confirmation, actor) -> tuple[ProgramTier, Region]:
    """The confirmation waits at a tier the actor holds: its role, its region level."""
    if confirmation.status != ConfirmationStatus.IN_REVIEW:
        raise InvalidState(
            _("The confirmation of cycle %(code)s is %(status)s: no tier reviews it now.")
            % {
                "code": confirmation.cycle.code,
                "status": ConfirmationStatus(confirmation.status).label,
            }
        )
    tier = ProgramTier.objects.get(
        program_id=confirmation.program_id, order=confirmation.current_tier
    )
    if actor is None or not actor.groups.filter(name=tier.role).exists():
        raise NotAllowed(
            _("Tier %(order)s (%(tier)s) of the confirmation is reviewed by role %(role)s.")
            % {"order": tier.order, "tier": tier.name, "role": tier.role}
        )
    own = staff_region(actor)
    if own is None or own.level != tier.region_level:
        raise NotAllowed(
            _("Tier %(order)s (%(tier)s) is reviewed at %(level)s level by its staff there.")
            % {
                "order": tier.order,
                "tier": tier.name,
                "level": RegionLevel(tier.region_level).label,
            }
        )
    return tier, own


def _own_rows(confirmation: Confirmation, own: Region):
    return confirmation.rows.filter(region__code__startswith=own.prefix)


# --------------------------------------------------------------------------------------------
# notices after intermediate tiers (ProgramTier.notice_level, as for cases)
# --------------------------------------------------------------------------------------------
REGIONAL_LEVELS = (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)


def final_notice_tier(program) -> ProgramTier | None:
    """The program's last review tier when it asks for the list posted region by region (a
    village or township ``notice_level``); None when it is posted county-wide (county, or
    nothing said: "at any level", and the county confirms the whole list)."""
    tiers = program.applicable_tiers(program.amount)
    if not tiers:  # no tier for the amount (changed since): nothing asks for a regional notice
        return None
    last = tiers[-1]
    return last if last.notice_level in REGIONAL_LEVELS else None


def notice_tier(confirmation: Confirmation) -> ProgramTier | None:
    """The tier whose list waits for, or runs on, notices per region now: the tier before the
    one the confirmation waits at, when it asks for a notice of its approvals before the next
    tier reviews them (``ProgramTier.notice_level``); once reviewed, the last tier when it asks
    for its list posted per village or township (``final_notice_tier``); else None."""
    if confirmation.status == ConfirmationStatus.REVIEWED:
        if not confirmation.rows.exists():
            return None  # nothing to post per region: the county notice
        return final_notice_tier(confirmation.program)
    if confirmation.status != ConfirmationStatus.IN_REVIEW or confirmation.current_tier is None:
        return None
    earlier = [
        t for t in _review_tiers(confirmation.program) if t.order < confirmation.current_tier
    ]
    if not earlier or not earlier[-1].notice_level:
        return None
    return earlier[-1]


def notice_regions(confirmation: Confirmation, tier: ProgramTier, within: Region | None = None):
    """The regions of ``tier``'s notice level holding rows (within ``within``), each with its
    notice after ``tier`` when posted: ``[(region, notice or None)]``."""
    rows = confirmation.rows.all()
    if within is not None:
        rows = rows.filter(region__code__startswith=within.prefix)
    codes = {
        region_at(tier.notice_level, r)
        for r in Region.objects.filter(pk__in=rows.values("region_id").distinct()).only("code")
    }
    notices = {
        n.region_id: n
        for n in ConfirmationNotice.objects.filter(confirmation=confirmation, after_tier=tier.order)
    }
    return [(r, notices.get(r.pk)) for r in Region.objects.filter(code__in=codes).order_by("code")]


def _require_notices_over(confirmation: Confirmation, own: Region, today: date) -> None:
    """The current tier acts on ``own``'s rows only after the notices the previous tier asks
    for have run their full period there (as a case goes to the next tier after its notice)."""
    tier = notice_tier(confirmation)
    if tier is None:
        return
    for region, notice in notice_regions(confirmation, tier, within=own):
        if notice is None:
            raise InvalidState(
                _(
                    "Tier %(order)s (%(tier)s) asks for a public notice in %(region)s before "
                    "the next tier reviews the list: post it first."
                )
                % {"order": tier.order, "tier": tier.name, "region": region.name}
            )
        if today <= notice.ends_on:
            raise InvalidState(
                _(
                    "The list is on public notice in %(region)s until %(end)s; the next tier "
                    "reviews it after that day."
                )
                % {"region": region.name, "end": notice.ends_on.isoformat()}
            )


def _post_region(
    confirmation: Confirmation,
    tier: ProgramTier,
    region: Region,
    *,
    actor,
    starts_on: date,
    today: date,
    final: bool,
) -> ConfirmationNotice:
    """One region's notice after ``tier`` (the confirmation locked by the caller)."""
    program = confirmation.program
    ends_on = workdays.period_end(starts_on, program.notice_days, program.notice_day_count)
    try:
        with transaction.atomic():
            notice = ConfirmationNotice.objects.create(
                confirmation=confirmation,
                after_tier=tier.order,
                region=region,
                published_on=today,
                starts_on=starts_on,
                ends_on=ends_on,
                period_days=program.notice_days,
                day_count=program.notice_day_count,
                published_by=actor,
                authority=program.notice_authority,
                objection_phone=program.objection_phone,
                objection_address=program.objection_address,
                final=final,
            )
    except IntegrityError as exc:
        raise InvalidState(
            _("The list of %(region)s is already posted after tier %(order)s.")
            % {"region": region.name, "order": tier.order}
        ) from exc
    audit(
        actor=actor,
        action=AuditAction.CONFIRMATION_TIER_NOTICE,
        obj=confirmation,
        tier=tier.order,
        region=region.code,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        final=final,
    )
    return notice


def _on_notice_when_all_posted(confirmation: Confirmation, tier: ProgramTier, actor) -> bool:
    """After the last tier's notices per region: once every region holding rows has its notice,
    the confirmation is on notice, its own dates spanning them (the earliest publication and
    first day, the latest last day: the cycle is approved after every one has run)."""
    regions = notice_regions(confirmation, tier)
    if any(notice is None for _region, notice in regions):
        return False
    notices = [notice for _region, notice in regions]
    program = confirmation.program
    confirmation.status = ConfirmationStatus.ON_NOTICE
    confirmation.notice_published_on = min(n.published_on for n in notices)
    confirmation.notice_starts_on = min(n.starts_on for n in notices)
    confirmation.notice_ends_on = max(n.ends_on for n in notices)
    confirmation.notice_period_days = program.notice_days
    confirmation.notice_day_count = program.notice_day_count
    confirmation.notice_published_by = actor
    confirmation.authority = program.notice_authority
    confirmation.objection_phone = program.objection_phone
    confirmation.objection_address = program.objection_address
    confirmation.save()
    audit(
        actor=actor,
        action=AuditAction.CONFIRMATION_PUBLISH,
        obj=confirmation,
        level=tier.notice_level,
        regions=[r.code for r, _notice in regions],
        starts_on=confirmation.notice_starts_on.isoformat(),
        ends_on=confirmation.notice_ends_on.isoformat(),
    )
    return True


def confirmation_tier_notice_publish(
    *,
    confirmation: Confirmation,
    region: Region,
    actor,
    starts_on: date | None = None,
    today: date | None = None,
) -> ConfirmationNotice:
    """Post the rows of ``region`` (a region of the level the previous tier asks for, or the
    last tier once the list is reviewed) on a public notice for the program's notice period,
    counted as the program says, from ``starts_on`` (default today; never before today). Once
    per tier and region. After the last tier, the region posted last puts the confirmation on
    notice."""
    require_perm(actor, PERM_PUBLISH)
    own = staff_region(actor)
    if own is None or not region_covers(own, region):
        raise NotAllowed(_("%(region)s lies outside your region.") % {"region": region.name})
    today = today or timezone.localdate()
    try:
        starts_on = notice_first_day(starts_on, published_on=today)
    except CaseInvalidInput as exc:
        raise InvalidInput(exc.message) from exc
    with transaction.atomic():
        confirmation = _lock(confirmation)
        tier = notice_tier(confirmation)
        if tier is None:
            raise InvalidState(
                _("No tier of the confirmation of cycle %(code)s asks for a notice now.")
                % {"code": confirmation.cycle.code}
            )
        if region.level != tier.notice_level:
            raise InvalidInput(
                _(
                    "The program posts the list after tier %(order)s (%(tier)s) on a "
                    "%(level)s notice; %(region)s is a %(own)s."
                )
                % {
                    "order": tier.order,
                    "tier": tier.name,
                    "level": RegionLevel(tier.notice_level).label,
                    "region": region.name,
                    "own": region.get_level_display(),
                }
            )
        if not _own_rows(confirmation, region).exists():
            raise InvalidInput(
                _("The confirmation lists nobody in %(region)s: there is nothing to post.")
                % {"region": region.name}
            )
        final = confirmation.status == ConfirmationStatus.REVIEWED
        notice = _post_region(
            confirmation,
            tier,
            region,
            actor=actor,
            starts_on=starts_on,
            today=today,
            final=final,
        )
        if final:
            _on_notice_when_all_posted(confirmation, tier, actor)
    return notice


def confirmation_row_stop(
    *,
    row: ConfirmationRow,
    actor,
    reason: str,
    action: str = StopAction.NONE,
    today: date | None = None,
) -> ConfirmationRow:
    """A reviewer of the current tier stops a row of their region before signing it off, with
    a written reason; ``action`` says what happens to the enrolment when the cycle is approved
    (nothing more than this cycle's payment, a suspension or an exit)."""
    reason = required_text(reason, _("The reason for stopping"))
    if action not in StopAction.values:
        raise InvalidInput(
            _("Choose what happens to the enrolment: nothing more, suspend or exit.")
        )
    today = today or timezone.localdate()
    with transaction.atomic():
        confirmation = _lock(row.confirmation)
        tier, own = _tier_holder(confirmation, actor)
        _require_notices_over(confirmation, own, today)
        row = ConfirmationRow.objects.select_related("region").get(pk=row.pk)
        if row.confirmation_id != confirmation.pk or not region_covers(own, row.region):
            raise NotAllowed(
                _("%(name)s lies in %(region)s, outside your region %(own)s.")
                % {"name": row.display_name or row.pk, "region": row.region.name, "own": own.name}
            )
        if ConfirmationSignoff.objects.filter(
            confirmation=confirmation, tier_order=tier.order, region=own
        ).exists():
            raise InvalidState(
                _("You signed off your region at this tier; its rows no longer change.")
            )
        if row.outcome == RowOutcome.STOPPED:
            raise InvalidState(_("This row is already stopped."))
        row.outcome = RowOutcome.STOPPED
        row.reason_text = reason
        row.stop_action = action
        row.stopped_by = actor
        row.stopped_at_tier = tier.order
        row.save(
            update_fields=[
                "outcome",
                "reason_text",
                "stop_action",
                "stopped_by",
                "stopped_at_tier",
            ]
        )
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_ROW_STOP,
            obj=confirmation,
            row=row.pk,
            enrolment=row.enrolment_id,
            tier=tier.order,
            reason=reason,
            stop_action=action,
        )
    return row


def confirmation_signoff(
    *, confirmation: Confirmation, actor, comment: str = "", today: date | None = None
) -> Confirmation:
    """A reviewer of the current tier signs off the rows of their region. Once every region of
    the tier's level holding rows is signed off, the list goes on to the next tier, or (after
    the last) waits to be posted. Not the preparer; not someone who signed at an earlier tier.
    When the previous tier asks for a notice, only after that notice has run in the region."""
    today = today or timezone.localdate()
    with transaction.atomic():
        confirmation = _lock(confirmation)
        tier, own = _tier_holder(confirmation, actor)
        _require_notices_over(confirmation, own, today)
        if confirmation.prepared_by_id == actor.pk:
            raise NotAllowed(_("You prepared this confirmation; someone else must sign it off."))
        earlier = (
            ConfirmationSignoff.objects.filter(
                confirmation=confirmation, user=actor, tier_order__lt=tier.order
            )
            .order_by("tier_order")
            .first()
        )
        if earlier is not None:
            raise NotAllowed(
                _(
                    "You signed this confirmation off at tier %(earlier)s; a different person "
                    "signs it off at tier %(order)s."
                )
                % {"earlier": earlier.tier_order, "order": tier.order}
            )
        if not _own_rows(confirmation, own).exists():
            raise InvalidInput(
                _("The confirmation lists nobody in %(region)s: there is nothing to sign off.")
                % {"region": own.name}
            )
        try:
            with transaction.atomic():
                ConfirmationSignoff.objects.create(
                    confirmation=confirmation,
                    tier_order=tier.order,
                    region=own,
                    user=actor,
                    comment=(comment or "").strip(),
                )
        except IntegrityError as exc:
            raise InvalidState(
                _("%(region)s is already signed off at tier %(order)s.")
                % {"region": own.name, "order": tier.order}
            ) from exc
        waiting = regions_waiting(confirmation, tier)
        moved_on = None
        if not waiting:
            later = [t for t in _review_tiers(confirmation.program) if t.order > tier.order]
            if later:
                confirmation.current_tier = moved_on = later[0].order
            else:
                confirmation.current_tier = None
                confirmation.status = ConfirmationStatus.REVIEWED
            confirmation.save(update_fields=["current_tier", "status"])
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_SIGNOFF,
            obj=confirmation,
            tier=tier.order,
            region=own.code,
            waiting=len(waiting),
            next_tier=moved_on,
            status=confirmation.status,
        )
    return confirmation


def regions_waiting(confirmation: Confirmation, tier: ProgramTier) -> list[Region]:
    """The regions of ``tier``'s level holding rows that nobody has signed off at it yet."""
    codes = {
        region_at(tier.region_level, r)
        for r in Region.objects.filter(
            pk__in=confirmation.rows.values("region_id").distinct()
        ).only("code")
    }
    signed = set(
        ConfirmationSignoff.objects.filter(
            confirmation=confirmation, tier_order=tier.order
        ).values_list("region__code", flat=True)
    )
    return list(Region.objects.filter(code__in=codes - signed).order_by("code"))


# --------------------------------------------------------------------------------------------
# notice and approval
# --------------------------------------------------------------------------------------------
def confirmation_publish(
    *,
    confirmation: Confirmation,
    actor,
    starts_on: date | None = None,
    today: date | None = None,
) -> Confirmation:
    """Post the reviewed list on its public notice for the program's notice period, counted as
    the program says, from ``starts_on`` (default today; never before today): county-wide, or,
    when the last tier asks for a village or township notice, one notice in every region of
    that level not posted yet (``confirmation_tier_notice_publish`` posts one region's)."""
    require_perm(actor, PERM_PUBLISH)
    _require_county(actor)
    today = today or timezone.localdate()
    try:
        starts_on = notice_first_day(starts_on, published_on=today)
    except CaseInvalidInput as exc:  # the same words, as this app's error
        raise InvalidInput(exc.message) from exc
    with transaction.atomic():
        confirmation = _lock(confirmation)
        if confirmation.status != ConfirmationStatus.REVIEWED:
            raise InvalidState(
                _(
                    "The confirmation of cycle %(code)s is %(status)s: it is posted once every "
                    "tier has signed it off."
                )
                % {
                    "code": confirmation.cycle.code,
                    "status": ConfirmationStatus(confirmation.status).label,
                }
            )
        tier = notice_tier(confirmation)
        if tier is not None:  # the last tier's level: a notice per village or township
            for region, notice in notice_regions(confirmation, tier):
                if notice is None:
                    _post_region(
                        confirmation,
                        tier,
                        region,
                        actor=actor,
                        starts_on=starts_on,
                        today=today,
                        final=True,
                    )
            _on_notice_when_all_posted(confirmation, tier, actor)
            return confirmation
        program = confirmation.program
        ends_on = workdays.period_end(starts_on, program.notice_days, program.notice_day_count)
        confirmation.status = ConfirmationStatus.ON_NOTICE
        confirmation.notice_published_on = today
        confirmation.notice_starts_on = starts_on
        confirmation.notice_ends_on = ends_on
        confirmation.notice_period_days = program.notice_days
        confirmation.notice_day_count = program.notice_day_count
        confirmation.notice_published_by = actor
        confirmation.authority = program.notice_authority
        confirmation.objection_phone = program.objection_phone
        confirmation.objection_address = program.objection_address
        confirmation.save()
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_PUBLISH,
            obj=confirmation,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
        )
    return confirmation


def apply_stop(row: ConfirmationRow, actor, on: date) -> str | None:
    """Suspend or exit the enrolment of a stopped row, as the row says (when still possible)."""
    if row.stop_action not in (StopAction.SUSPEND, StopAction.EXIT):
        return None
    enrolment = Enrolment.objects.select_for_update().get(pk=row.enrolment_id)
    method = getattr(enrolment, row.stop_action)
    if not can_proceed(method):
        return None
    reason = "; ".join(reason_texts(row))
    before = enrolment.status
    method(reason, on)
    enrolment.save()
    EnrolmentHistory.objects.create(
        enrolment=enrolment,
        actor=actor,
        from_status=before,
        to_status=enrolment.status,
        reason=reason,
        effective_date=on,
    )
    facts = {"reason": reason, "on": on.isoformat(), "confirmation": row.confirmation_id}
    if row.stop_action == StopAction.SUSPEND:
        audit(actor=actor, action=AuditAction.ENROLMENT_SUSPEND, obj=enrolment, **facts)
    else:
        audit(actor=actor, action=AuditAction.ENROLMENT_EXIT, obj=enrolment, **facts)
    return row.stop_action


def confirmation_approve(
    *,
    confirmation: Confirmation,
    actor,
    today: date | None = None,
    progress: Progress = NO_PROGRESS,
) -> GenerationReport:
    """Approve the cycle after its confirmation's notice: a second person (never the one who
    prepared the list) with the right to approve cycles, at the county. The stopped rows'
    enrolments are suspended or exited as their rows say, then the continued and new rows'
    entitlements are booked — all in one transaction, refused whole (nothing written) when the
    fund cannot cover them. A confirmation is approved once."""
    require_perm(actor, PERM_APPROVE_CYCLE)
    _require_county(actor)
    today = today or timezone.localdate()
    with transaction.atomic():
        lock_head()  # the global lock order: the ledger's chain head first
        confirmation = _lock(confirmation)
        if confirmation.status == ConfirmationStatus.APPROVED:
            raise InvalidState(
                _("Cycle %(code)s is already approved; approving again books nothing.")
                % {"code": confirmation.cycle.code}
            )
        if confirmation.status != ConfirmationStatus.ON_NOTICE:
            raise InvalidState(
                _(
                    "The confirmation of cycle %(code)s is %(status)s: the cycle is approved "
                    "after its list has been reviewed and posted."
                )
                % {
                    "code": confirmation.cycle.code,
                    "status": ConfirmationStatus(confirmation.status).label,
                }
            )
        running = (
            confirmation.tier_notices.filter(final=True, ends_on__gte=today)
            .select_related("region")
            .order_by("-ends_on", "region__code")
            .first()
        )
        if running is not None:  # the last tier's notices per region: every one has run
            raise InvalidState(
                _(
                    "The list is on public notice in %(region)s until %(end)s; the cycle is "
                    "approved after every region's notice has run."
                )
                % {"region": running.region.name, "end": running.ends_on.isoformat()}
            )
        if today <= confirmation.notice_ends_on:
            raise InvalidState(
                _(
                    "The confirmation is on public notice until %(end)s; the cycle is approved "
                    "after that day."
                )
                % {"end": confirmation.notice_ends_on.isoformat()}
            )
        if confirmation.prepared_by_id == actor.pk:
            raise NotAllowed(
                _("You prepared this confirmation; a second person must approve the cycle.")
            )
        applied = {"suspend": 0, "exit": 0}
        # A stopped row held by an objection keeps its enrolment as it is until the objection
        # is resolved (``confirmation_objections``): the stop may yet be undone.
        for row in (
            confirmation.rows.filter(outcome=RowOutcome.STOPPED)
            .exclude(pk__in=held_rows(confirmation, today).values("pk"))
            .select_related("confirmation__program", "confirmation")
        ):
            done = apply_stop(row, actor, today)
            if done:
                applied[done] += 1
        confirmation.status = ConfirmationStatus.APPROVED
        confirmation.approved_by = actor
        confirmation.approved_at = timezone.now()
        confirmation.save(update_fields=["status", "approved_by", "approved_at"])
        report = book_confirmed(
            cycle=confirmation.cycle, actor=actor, today=today, progress=progress
        )
        audit(
            actor=actor,
            action=AuditAction.CYCLE_APPROVE,
            obj=confirmation.cycle,
            confirmation=confirmation.pk,
            booked=report.created,
            total=str(report.total.amount),
            suspended=applied["suspend"],
            exited=applied["exit"],
        )
    return report


def confirmation_counts(confirmation: Confirmation) -> dict[str, int]:
    """How many rows of each outcome."""
    counts = dict.fromkeys(RowOutcome.values, 0)
    for outcome in confirmation.rows.values_list("outcome", flat=True):
        counts[outcome] += 1
    return counts


__all__ = [
    "PERM_APPROVE_CYCLE",
    "REASONS",
    "apply_stop",
    "confirmation_approve",
    "confirmation_counts",
    "confirmation_prepare",
    "confirmation_publish",
    "confirmation_row_stop",
    "confirmation_signoff",
    "confirmation_tier_notice_publish",
    "cycle_first_day",
    "enrolled_before",
    "final_notice_tier",
    "notice_regions",
    "notice_tier",
    "reason_texts",
    "reference_day",
    "region_at",
    "regions_waiting",
]
