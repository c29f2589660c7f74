"""Review of a relief case, tier by tier: who may act at a tier (``check_tier_holder``: the
tier's role, region level and region; four-eyes), approve (on to the next applicable tier, or
``approved`` after the last), approve many at once, return for materials, reject.

Every service here runs in one transaction that locks the case row, checks the state
(``can_proceed``), the transition's permission (``has_transition_perm``) and the domain rules
(region, tier role and level, four-eyes), runs the transition, saves, and writes a
``CaseHistory`` row and an audit event. A refusal raises a typed error from
``approvals.exceptions`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import InvalidInput, NotAllowed, ProgramMisconfigured
from ..models import Case, CaseApproval, ProgramTier, RegionLevel
from ._common import (
    check_transition,
    in_group,
    lock_case,
    record,
    require_region,
    required_text,
)
from .awards import release_reservation
from .steps import close_membership, save_case


def _tier(case: Case, order: int | None) -> ProgramTier:
    tier = ProgramTier.objects.filter(program_id=case.program_id, order=order).first()
    if tier is None:
        raise ProgramMisconfigured(
            _("Case %(number)s waits at tier %(order)s, which the program no longer has.")
            % {"number": case.number, "order": order}
        )
    return tier


def next_tier_order(case: Case, after: int) -> int | None:
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


def case_approve(*, case: Case, actor, comment: str = "") -> Case:
    """Approve at the current tier: on to the next applicable tier, or ``approved`` (ready for
    a notice) after the last one or after a tier whose approvals are posted before the next
    tier reviews them (``ProgramTier.notice_level``)."""
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "approve", actor, _("approved"))
        tier = check_tier_holder(case, actor, approving=True)
        from_state = case.state
        next_tier = next_tier_order(case, after=tier.order)
        # A tier whose approvals are posted before the next tier reviews them (notice_level):
        # the case waits for that notice; after the last tier a notice always follows.
        notice_after = tier.order if tier.notice_level and next_tier is not None else None
        case.approve(next_tier, notice_after=notice_after)
        save_case(case)
        CaseApproval.objects.create(case=case, tier_order=tier.order, user=actor)
        record(
            case,
            actor=actor,
            from_state=from_state,
            decision="approve",
            tier=tier.order,
            comment=comment,
            next_tier=next_tier,
            notice_first=notice_after is not None,
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
        save_case(case)
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
        save_case(case)
        released = release_reservation(case, "rejected")
        close_membership(case)
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
