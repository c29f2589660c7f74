"""Helpers shared by the approvals services: actor checks, row locks, history rows."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from common import permissions
from common.exports import formula_name_error
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidInput, InvalidTransition, NotAllowed
from ..models import Case, CaseHistory, CaseState, Region, region_covers
from ..selectors import staff_region


def require_perm(actor, perm: str) -> None:
    """``common.permissions.require_perm`` refusing with this app's ``NotAllowed``."""
    permissions.require_perm(actor, perm, error=NotAllowed)


def require_region(actor, region: Region, what: str) -> Region:
    """The actor's own region, which must cover ``region``."""
    own = staff_region(actor)
    if own is None:
        raise NotAllowed(
            _("You have no region assigned; ask the administrator to set your staff region.")
        )
    if not region_covers(own, region):
        raise NotAllowed(
            _("%(what)s lies in %(region)s, outside your region %(own)s.")
            % {"what": what, "region": region.name, "own": own.name}
        )
    return own


def in_group(actor, role: str) -> bool:
    return actor is not None and actor.groups.filter(name=role).exists()


def required_text(value, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(field)s is required: write it out.") % {"field": field})
    return text


def name_text(value, field: str) -> str:
    """A required name that no spreadsheet will run as a formula (exports, bank files)."""
    text = required_text(value, field)
    problem = formula_name_error(text, field)
    if problem:
        raise InvalidInput(problem)
    return text


def lock_case(case: Case) -> Case:
    """Re-read the case under a row lock (PostgreSQL; SQLite's writers are already serialised)."""
    # of=("self",): lock the case row only, not the program and region rows it is joined to
    # (those would serialise every case of a program or village).
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("program", "region")
        .get(pk=case.pk)
    )


def check_transition(case: Case, name: str, actor, label: str) -> None:
    """The state allows the transition, and (for a person, not the system) the user holds the
    transition's permission. django-fsm does not enforce ``permission=`` itself."""
    method = getattr(case, name)
    if not can_proceed(method):
        raise InvalidTransition(
            _("Case %(number)s is %(state)s: it cannot be %(action)s now.")
            % {
                "number": case.number,
                "state": CaseState(case.state).label,
                "action": label,
            }
        )
    # has_transition_perm asks user.has_perm, which passes any superuser: refuse them first
    # (common.permissions: a superuser holds no business permission).
    if actor is not None and (
        not permissions.holds_perms(actor, ()) or not has_transition_perm(method, actor)
    ):
        raise NotAllowed(
            _("You do not have the role needed to have case %(number)s %(action)s.")
            % {"number": case.number, "action": label}
        )


def record(
    case: Case,
    *,
    actor,
    from_state: str,
    decision: str,
    tier: int | None = None,
    comment: str = "",
    **data,
) -> CaseHistory:
    """One history row and one audit event for a step of a case (same transaction)."""
    row = CaseHistory.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        from_state=from_state,
        to_state=case.state,
        tier=tier,
        decision=decision,
        comment=comment,
        data=data,
    )
    audit(
        actor=actor,
        action=AuditAction(f"case.{decision}"),
        obj=case,
        number=case.number,
        from_state=from_state,
        to_state=case.state,
        tier=tier,
        **data,
    )
    return row
