"""The life of a relief case: file, submit, review tier by tier, return, reject, withdraw,
become final (award booked), cancel (award reversed).

Every service here runs in one transaction that (when money is involved) first takes the
ledger's posting lock, then locks the case row, checks the state (``can_proceed``), the
transition's permission (``has_transition_perm``) and the domain rules (region, tier role and
level, four-eyes), runs the transition, saves, and writes a ``CaseHistory`` row and an audit
event. A refusal raises a typed error from ``approvals.exceptions`` and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from djmoney.money import Money

from ledger import chart
from ledger.locks import lock_head
from ledger.services import LineSpec, journal_post, journal_reverse

from ..exceptions import (
    AwardInPayment,
    DuplicateBeneficiary,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotEligible,
    ProgramMisconfigured,
)
from ..hooks import cancel_refusal
from ..models import (
    PERM_FILE,
    AmountRule,
    Case,
    CaseApproval,
    CaseMember,
    CaseState,
    Household,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Person,
    Program,
    ProgramTier,
    RegionLevel,
    Reservation,
    region_covers,
)
from ._common import (
    check_transition,
    in_group,
    lock_case,
    record,
    require_perm,
    require_region,
    required_text,
)

CENT = Decimal("0.01")
CYCLE_FORMATS = ("%Y", "%Y-%m")


# --------------------------------------------------------------------------------------------
# amounts and eligibility
# --------------------------------------------------------------------------------------------
def case_amount(*, program: Program, people: int, requested: Money | None = None) -> Money:
    """The amount a case receives under the program's rule."""
    if program.amount_rule == AmountRule.PER_HOUSEHOLD:
        return program.amount
    if program.amount_rule == AmountRule.PER_PERSON:
        return Money(program.amount.amount * people, program.amount.currency)
    if not isinstance(requested, Money):
        raise InvalidInput(
            _("Program %(code)s pays the amount requested: give the requested amount.")
            % {"code": program.code}
        )
    if str(requested.currency) != str(program.cap.currency):
        raise InvalidInput(_("Request the amount in %(cur)s.") % {"cur": program.cap.currency})
    value = requested.amount
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise InvalidInput(
            _("The requested amount must be above zero with at most two decimal places.")
        )
    if requested > program.cap:
        raise NotEligible(
            _("The requested amount %(amount)s is above the program's cap of %(cap)s.")
            % {"amount": requested, "cap": program.cap}
        )
    return requested


def _check_cycle(cycle: str) -> str:
    from datetime import datetime

    cycle = (cycle or "").strip()
    for fmt in CYCLE_FORMATS:
        try:
            datetime.strptime(cycle, fmt)  # noqa: DTZ007 - a label, not a moment
        except ValueError:
            continue
        if len(cycle) in (4, 7):
            return cycle
    raise InvalidInput(_('The cycle is a year or a month: "2026" or "2026-11".'))


def _check_eligibility(*, program: Program, household: Household, members, today: date) -> None:
    if not program.is_active:
        raise NotEligible(_("Program %(code)s is closed.") % {"code": program.code})
    errors = program.configuration_errors()
    if errors:
        raise ProgramMisconfigured(" ".join(str(e) for e in errors.values()))
    if not program.tiers.exists():
        raise ProgramMisconfigured(
            _("Program %(code)s has no review tier; the administrator must add one.")
            % {"code": program.code}
        )
    if program.opens_on and today < program.opens_on:
        raise NotEligible(
            _("Applications to %(code)s open on %(day)s.")
            % {"code": program.code, "day": program.opens_on.isoformat()}
        )
    if program.closes_on and today > program.closes_on:
        raise NotEligible(
            _("Applications to %(code)s closed on %(day)s.")
            % {"code": program.code, "day": program.closes_on.isoformat()}
        )
    allowed = list(program.allowed_regions.all())
    if allowed and not any(region_covers(r, household.region) for r in allowed):
        raise NotEligible(
            _("Program %(code)s does not cover %(region)s.")
            % {"code": program.code, "region": household.region.name}
        )
    for person in members:
        age = person.age_on(today)
        if program.min_age is not None and age < program.min_age:
            raise NotEligible(
                _("%(name)s is %(age)s; program %(code)s starts at age %(min)s.")
                % {"name": person.name, "age": age, "code": program.code, "min": program.min_age}
            )
        if program.max_age is not None and age > program.max_age:
            raise NotEligible(
                _("%(name)s is %(age)s; program %(code)s ends at age %(max)s.")
                % {"name": person.name, "age": age, "code": program.code, "max": program.max_age}
            )


def _check_duplicates(*, program: Program, cycle: str, members: Sequence[Person]) -> None:
    """One open case per person, program and cycle; none in an excluded program in the cycle.
    Called with the people's rows locked, so two clerks cannot slip past each other."""
    open_rows = CaseMember.objects.filter(
        person__in=members, cycle=cycle, is_open=True
    ).select_related("case", "person", "program")
    excluded = set(program.excludes.values_list("pk", flat=True))
    for row in open_rows:
        if row.program_id == program.pk:
            raise DuplicateBeneficiary(
                _(
                    "%(name)s is already in case %(number)s of program %(code)s for cycle "
                    "%(cycle)s; one person has one open case per program and cycle."
                )
                % {
                    "name": row.person.name,
                    "number": row.case.number,
                    "code": program.code,
                    "cycle": cycle,
                }
            )
        if row.program_id in excluded:
            raise DuplicateBeneficiary(
                _(
                    "%(name)s is in case %(number)s of program %(other)s for cycle %(cycle)s, "
                    "which excludes program %(code)s."
                )
                % {
                    "name": row.person.name,
                    "number": row.case.number,
                    "other": row.program.code,
                    "cycle": cycle,
                    "code": program.code,
                }
            )


# --------------------------------------------------------------------------------------------
# tiers and who may act at them
# --------------------------------------------------------------------------------------------
def _tier(case: Case, order: int | None) -> ProgramTier:
    tier = ProgramTier.objects.filter(program_id=case.program_id, order=order).first()
    if tier is None:
        raise ProgramMisconfigured(
            _("Case %(number)s waits at tier %(order)s, which the program no longer has.")
            % {"number": case.number, "order": order}
        )
    return tier


def _next_tier(case: Case, after: int) -> int | None:
    """The next tier whose minimum amount the case reaches (tiers above it are skipped)."""
    for tier in case.program.tiers.filter(order__gt=after).order_by("order"):
        if tier.applies_to(case.amount):
            return tier.order
    return None


def check_tier_holder(case: Case, actor, *, approving: bool) -> ProgramTier:
    """The actor may act at the case's current tier: in the tier's role group, working at the
    tier's region level in a region covering the case; to approve, also not the filer and not
    someone who approved it at an earlier tier."""
    tier = _tier(case, case.current_tier)
    if not in_group(actor, tier.role):
        raise NotAllowed(
            _("Tier %(order)s (%(tier)s) of case %(number)s is reviewed by role %(role)s.")
            % {"order": tier.order, "tier": tier.name, "number": case.number, "role": tier.role}
        )
    own = require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
    if own.level != tier.region_level:
        raise NotAllowed(
            _(
                "Tier %(order)s (%(tier)s) is reviewed at %(level)s level; you work at "
                "%(own)s level."
            )
            % {
                "order": tier.order,
                "tier": tier.name,
                "level": RegionLevel(tier.region_level).label,
                "own": own.get_level_display(),
            }
        )
    if approving:
        if case.filed_by_id == actor.pk:
            raise NotAllowed(
                _("You filed case %(number)s; someone else must approve it.")
                % {"number": case.number}
            )
        earlier = (
            CaseApproval.objects.filter(case=case, user=actor, tier_order__lt=tier.order)
            .order_by("tier_order")
            .first()
        )
        if earlier is not None:
            raise NotAllowed(
                _(
                    "You approved case %(number)s at tier %(earlier)s; a different person must "
                    "approve it at tier %(order)s."
                )
                % {"number": case.number, "earlier": earlier.tier_order, "order": tier.order}
            )
    return tier


def _save(case: Case) -> None:
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise InvalidTransition(
            _("Case %(number)s was changed by someone else a moment ago; reload it.")
            % {"number": case.number}
        ) from exc


def _close_membership(case: Case) -> None:
    CaseMember.objects.filter(case=case).update(is_open=False)


def _release(case: Case, reason: str) -> Reservation | None:
    reservation = Reservation.objects.filter(case=case, active=True).first()
    if reservation is not None:
        reservation.active = False
        reservation.released_at = timezone.now()
        reservation.release_reason = reason
        reservation.save(update_fields=["active", "released_at", "release_reason"])
    return reservation


def _strike_from_notices(case: Case) -> None:
    NoticeItem.objects.filter(
        case=case, struck=False, notice__status=NoticeStatus.PUBLISHED
    ).update(struck=True)


# --------------------------------------------------------------------------------------------
# the services
# --------------------------------------------------------------------------------------------
def case_file(
    *,
    program: Program,
    household: Household,
    cycle: str,
    actor,
    members: Sequence[Person] | None = None,
    requested_amount: Money | None = None,
    comment: str = "",
    today: date | None = None,
) -> Case:
    """Open a draft case for a household (all its people, or the listed ``members``)."""
    today = today or timezone.localdate()
    require_perm(actor, PERM_FILE)
    require_region(actor, household.region, _("Household %(id)s") % {"id": household.pk})
    cycle = _check_cycle(cycle)
    people = list(household.people.all()) if members is None else list(members)
    if not people:
        raise InvalidInput(_("Choose at least one beneficiary."))
    if any(p.household_id != household.pk for p in people):
        raise InvalidInput(_("Every beneficiary must belong to the household."))
    if len({p.pk for p in people}) != len(people):
        raise InvalidInput(_("A beneficiary is listed twice."))
    _check_eligibility(program=program, household=household, members=people, today=today)
    amount = case_amount(program=program, people=len(people), requested=requested_amount)
    try:
        with transaction.atomic():
            list(
                Person.objects.select_for_update()
                .filter(pk__in=[p.pk for p in people])
                .order_by("pk")
            )
            _check_duplicates(program=program, cycle=cycle, members=people)
            case = Case.objects.create(
                number=f"tmp-{uuid.uuid4().hex[:16]}",
                program=program,
                household=household,
                cycle=cycle,
                region=household.region,
                amount=amount,
                filed_by=actor,
            )
            # A human number from the row id: unique without a counter to contend on.
            case.number = f"RC{today:%Y%m}-{case.pk:06d}"
            Case.objects.filter(pk=case.pk).update(number=case.number)
            CaseMember.objects.bulk_create(
                CaseMember(case=case, person=p, program=program, cycle=cycle) for p in people
            )
            record(
                case,
                actor=actor,
                from_state="",
                decision="file",
                comment=comment,
                amount=str(amount.amount),
                currency=str(amount.currency),
                people=len(people),
            )
    except IntegrityError as exc:
        # Only a race past the person locks (e.g. SQLite without them) reaches the constraint.
        raise DuplicateBeneficiary(
            _("One of these people was put in another open case of this program a moment ago.")
        ) from exc
    return case


def case_submit(*, case: Case, actor, comment: str = "") -> Case:
    """draft -> submitted -> in_review at the first tier that applies to the amount."""
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "submit", actor, _("submitted"))
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        first = _next_tier(case, after=0)
        if first is None:
            raise ProgramMisconfigured(
                _(
                    "No review tier of program %(code)s applies to %(amount)s; the administrator "
                    "must add a tier without a minimum amount."
                )
                % {"code": case.program.code, "amount": case.amount}
            )
        case.submit()
        _save(case)
        record(case, actor=actor, from_state=CaseState.DRAFT, decision="submit", comment=comment)
        case.start_review(first)
        _save(case)
        record(
            case, actor=None, from_state=CaseState.SUBMITTED, decision="start_review", tier=first
        )
    return case


def case_resubmit(*, case: Case, actor, comment: str = "") -> Case:
    """returned -> in_review at the tier that returned it (materials supplied)."""
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "resubmit", actor, _("resubmitted"))
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        supplied = list(case.missing_items)
        case.resubmit()
        _save(case)
        record(
            case,
            actor=actor,
            from_state=CaseState.RETURNED,
            decision="resubmit",
            tier=case.current_tier,
            comment=comment,
            supplied=supplied,
        )
    return case


def case_approve(*, case: Case, actor, comment: str = "") -> Case:
    """Approve at the current tier: on to the next applicable tier, or ``approved`` after the
    last one (ready for a notice)."""
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "approve", actor, _("approved"))
        tier = check_tier_holder(case, actor, approving=True)
        from_state = case.state
        next_tier = _next_tier(case, after=tier.order)
        case.approve(next_tier)
        _save(case)
        CaseApproval.objects.create(case=case, tier_order=tier.order, user=actor)
        record(
            case,
            actor=actor,
            from_state=from_state,
            decision="approve",
            tier=tier.order,
            comment=comment,
            next_tier=next_tier,
        )
    return case


def case_approve_many(*, cases: Sequence[Case], actor, comment: str = "") -> list[tuple[Case, str]]:
    """Approve each case on its own (one refusal does not stop the others). Returns
    ``(case, "")`` for an approval, ``(case, message)`` for a refusal."""
    from ..exceptions import ApprovalsError

    results = []
    for case in cases:
        try:
            results.append((case_approve(case=case, actor=actor, comment=comment), ""))
        except ApprovalsError as exc:
            results.append((case, str(exc)))
    return results


def case_return(*, case: Case, actor, missing_items: Sequence[str], comment: str = "") -> Case:
    """Send the case back for materials, listing everything missing at once."""
    items = [str(i).strip() for i in (missing_items or []) if str(i).strip()]
    if not items:
        raise InvalidInput(_("List every missing document or item, all at once."))
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "return_for_materials", actor, _("returned for materials"))
        tier = check_tier_holder(case, actor, approving=False)
        from_state = case.state
        case.return_for_materials(items)
        _save(case)
        record(
            case,
            actor=actor,
            from_state=from_state,
            decision="return",
            tier=tier.order,
            comment=comment,
            missing_items=items,
        )
    return case


def case_reject(*, case: Case, actor, reason: str) -> Case:
    """Reject with a written reason (in review or under re-investigation); any reservation is
    released and the beneficiaries are free for another case."""
    reason = required_text(reason, _("The reason for rejecting"))
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "reject", actor, _("rejected"))
        tier = check_tier_holder(case, actor, approving=False)
        from_state = case.state
        case.reject(reason)
        _save(case)
        released = _release(case, "rejected")
        _close_membership(case)
        record(
            case,
            actor=actor,
            from_state=from_state,
            decision="reject",
            tier=tier.order,
            comment=reason,
            released=str(released.amount.amount) if released else None,
        )
    return case


def case_withdraw(*, case: Case, actor, reason: str) -> Case:
    """Withdraw before final (the applicant's wish, said through a case worker)."""
    reason = required_text(reason, _("The reason for withdrawing"))
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "withdraw", actor, _("withdrawn"))
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        from_state = case.state
        case.withdraw(reason)
        _save(case)
        released = _release(case, "withdrawn")
        _close_membership(case)
        _strike_from_notices(case)
        record(
            case,
            actor=actor,
            from_state=from_state,
            decision="withdraw",
            comment=reason,
            released=str(released.amount.amount) if released else None,
        )
    return case


def case_finalise(*, case: Case, actor=None, today: date | None = None) -> Case:
    """on_notice -> final once its notice is over with no open objection: the award is booked
    (expense Dr / awards payable Cr in the program's fund) and the reservation released, in one
    transaction. Called by ``close_notices`` (the system: ``actor=None``)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        lock_head()  # global lock order: the ledger's chain head first, then the case
        case = lock_case(case)
        check_transition(case, "finalise", actor, _("made final"))
        item = (
            NoticeItem.objects.filter(case=case, struck=False)
            .select_related("notice")
            .order_by("-id")
            .first()
        )
        if item is None or (
            item.notice.status != NoticeStatus.CLOSED and item.notice.ends_on >= today
        ):
            raise InvalidTransition(
                _("Case %(number)s is still on notice; it becomes final after the notice ends.")
                % {"number": case.number}
            )
        open_objection = Objection.objects.filter(case=case, status=ObjectionStatus.OPEN).first()
        if open_objection is not None:
            raise InvalidTransition(
                _(
                    "Case %(number)s has an open objection (%(code)s); it cannot become final "
                    "until the objection is handled."
                )
                % {"number": case.number, "code": open_objection.tracking_code}
            )
        program = case.program
        entry = journal_post(
            date=today,
            lines=[
                LineSpec(program.expense_account, program.fund, "D", case.amount),
                LineSpec(chart.AWARDS_PAYABLE, program.fund, "C", case.amount),
            ],
            idempotency_key=f"award:{case.pk}",
            actor=None,  # the system books it; the audit event below names the case
            memo=_("Award %(number)s (%(program)s)")
            % {"number": case.number, "program": program.code},
            source="approvals",
        )
        case.finalise(entry)
        _save(case)
        released = _release(case, "final")
        record(
            case,
            actor=actor,
            from_state=CaseState.ON_NOTICE,
            decision="final",
            entry_seq=entry.seq,
            notice=item.notice_id,
            released=str(released.amount.amount) if released else None,
        )
    return case


def case_cancel(*, case: Case, actor, reason: str, today: date | None = None) -> Case:
    """Cancel a final award (reason required): its ledger entry is reversed. Only a reviewer at
    the level of the case's last tier (the deciding authority) whose region covers the case.
    Refused (``AwardInPayment``) while a registered cancel veto objects (``approvals.hooks``):
    payouts refuses while the award is in a batch or has been paid."""
    reason = required_text(reason, _("The reason for cancelling"))
    with transaction.atomic():
        lock_head()
        case = lock_case(case)
        check_transition(case, "cancel", actor, _("cancelled"))
        tiers = case.program.applicable_tiers(case.amount)
        last = tiers[-1] if tiers else None
        own = require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        if last is not None and (own.level != last.region_level or not in_group(actor, last.role)):
            raise NotAllowed(
                _(
                    "A final award is cancelled by the deciding tier (%(tier)s, role %(role)s, "
                    "%(level)s level)."
                )
                % {
                    "tier": last.name,
                    "role": last.role,
                    "level": RegionLevel(last.region_level).label,
                }
            )
        # Apps above approvals (payouts) may hold on to the award: asked under the locks, so
        # nothing can put the award into a batch or pay it between this check and the reversal.
        refusal = cancel_refusal(case)
        if refusal:
            raise AwardInPayment(refusal)
        reversal = journal_reverse(
            entry=case.award_entry,
            actor=None,  # the system posts it; the audit event names who cancelled
            date=today or timezone.localdate(),
            memo=_("Cancellation of award %(number)s") % {"number": case.number},
            idempotency_key=f"award-cancel:{case.pk}",
        )
        case.cancel(reason, reversal)
        _save(case)
        _close_membership(case)
        record(
            case,
            actor=actor,
            from_state=CaseState.FINAL,
            decision="cancel",
            comment=reason,
            entry_seq=reversal.seq,
        )
    return case
