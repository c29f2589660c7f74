"""Roles taken by two administrators: ask (``role_grant_request``), approve or reject by another
(``role_grant_approve``, ``role_grant_reject``); remove at once (``role_revoke``).

What holds, whichever screen or command calls these:

* nobody asks for, or approves, a role or the superuser flag for their own account, and the one
  who approves is neither the one who asked nor the one who receives it (the database's check
  constraints on ``RoleGrant`` hold the same);
* asking and deciding need the administrator's permissions (``fundapp.add_rolegrant``,
  ``fundapp.approve_rolegrant``) held through the administrator group: a superuser as such holds
  none (``common.permissions.holds_perm``);
* an account is either for configuring or for the business, never both: the administrator role
  and the superuser flag are not given to someone holding a business role (finance officer,
  supervisor, case worker, reviewer, auditor), nor a business role to an administrator or a
  superuser — else one person could set up the rules and act under them;
* every step writes an audit event in its transaction (``role.grant_request``,
  ``role.grant_approve``, ``role.grant_reject``, ``role.revoke``).

``actor=None`` is the operator at the server (``manage.py grant_role``), who applies a grant at
once: that is how the first administrators are made, since nobody can approve before them.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import FundError, NotAllowed
from common.permissions import require_perm
from common.roles import ADMINISTRATOR, role_label
from ledger.audit import AuditAction, audit

from .models import GrantStatus, RoleGrant

PERM_ASK = "fundapp.add_rolegrant"
PERM_DECIDE = "fundapp.approve_rolegrant"


class GrantRefused(FundError):
    code = "invalid_input"


def _is_config(group_name: str) -> bool:
    return group_name == ADMINISTRATOR


def _refusal(user, *, group: Group | None, superuser: bool) -> str | None:
    """Why ``user`` may not receive this role now (None: they may)."""
    names = set(user.groups.values_list("name", flat=True))
    if superuser:
        if user.is_superuser:
            return _("%(user)s is a superuser already.") % {"user": user.get_username()}
        business = sorted(n for n in names if not _is_config(n))
        if business:
            return _(
                "%(user)s holds a business role (%(roles)s): a superuser configures and holds "
                "none. Remove the role first."
            ) % {"user": user.get_username(), "roles": ", ".join(map(role_label, business))}
        return None
    if group.name in names:
        return _("%(user)s has the role %(role)s already.") % {
            "user": user.get_username(),
            "role": role_label(group.name),
        }
    if _is_config(group.name):
        business = sorted(n for n in names if not _is_config(n))
        if business:
            return _(
                "%(user)s holds a business role (%(roles)s): an administrator configures and "
                "holds none. Remove the role first."
            ) % {"user": user.get_username(), "roles": ", ".join(map(role_label, business))}
        return None
    if user.is_superuser or any(_is_config(n) for n in names):
        return _(
            "%(user)s is an administrator or a superuser: those configure and hold no business "
            "role. Give the role to another account."
        ) % {"user": user.get_username()}
    return None


def role_grant_refusal(*, user, group: Group | None, superuser: bool, actor) -> str | None:
    """The message ``role_grant_request`` would refuse with, or None (for forms' own checks)."""
    if (group is None) == (not superuser):
        return _("Choose either a role or the superuser flag.")
    if actor is not None and actor.pk == user.pk:
        return _(
            "Nobody gives themselves a role or the superuser flag: another administrator asks for "
            "it, and a second one approves."
        )
    return _refusal(user, group=group, superuser=superuser)


@transaction.atomic
def role_grant_request(
    *, user, group: Group | None = None, superuser: bool = False, reason: str, actor
) -> RoleGrant:
    """Ask for ``group`` (or the superuser flag) for ``user``; pending until a second
    administrator approves it. The operator (``actor=None``) applies it at once."""
    require_perm(actor, PERM_ASK, error=NotAllowed)
    reason = (reason or "").strip()
    if not reason:
        raise GrantRefused(_("Give a reason for the role."))
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    message = role_grant_refusal(user=user, group=group, superuser=superuser, actor=actor)
    if message:
        raise GrantRefused(message)
    pending = RoleGrant.objects.filter(user=user, status=GrantStatus.PENDING)
    pending = pending.filter(superuser=True) if superuser else pending.filter(group=group)
    if pending.exists():
        raise GrantRefused(_("The same role waits for approval already."))
    grant = RoleGrant.objects.create(
        user=user,
        group=group,
        superuser=superuser,
        reason=reason,
        requested_by=actor if actor is not None else None,
    )
    audit(
        actor=actor,
        action=AuditAction.ROLE_GRANT_REQUEST,
        obj=grant,
        user=user.get_username(),
        role=grant.group.name if group else "superuser",
        reason=reason,
    )
    if actor is None:
        return _approve(grant, actor=None)
    return grant


def _locked_pending(grant: RoleGrant) -> RoleGrant:
    grant = (
        RoleGrant.objects.select_for_update(of=("self",))
        .select_related("user", "group")
        .get(pk=grant.pk)
    )
    if grant.status != GrantStatus.PENDING:
        raise GrantRefused(
            _("This role grant is %(status)s already.") % {"status": grant.get_status_display()}
        )
    return grant


def _check_decider(grant: RoleGrant, actor) -> None:
    require_perm(actor, PERM_DECIDE, error=NotAllowed)
    if actor is not None and actor.pk in (grant.user_id, grant.requested_by_id):
        raise NotAllowed(
            _(
                "A role grant is decided by a second administrator: neither the one who asked "
                "for it nor the one who receives it."
            )
        )


def _approve(grant: RoleGrant, *, actor) -> RoleGrant:
    user = get_user_model().objects.select_for_update().get(pk=grant.user_id)
    message = _refusal(user, group=grant.group, superuser=grant.superuser)
    if message:
        raise GrantRefused(message)
    if grant.superuser:
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
    else:
        user.groups.add(grant.group)
        if _is_config(grant.group.name) and not user.is_staff:
            user.is_staff = True  # the administrator works in the Django admin
            user.save(update_fields=["is_staff"])
    grant.status = GrantStatus.APPROVED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        actor=actor,
        action=AuditAction.ROLE_GRANT_APPROVE,
        obj=grant,
        user=user.get_username(),
        role=grant.group.name if grant.group_id else "superuser",
        requested_by=grant.requested_by.get_username() if grant.requested_by_id else None,
    )
    return grant


@transaction.atomic
def role_grant_approve(*, grant: RoleGrant, actor) -> RoleGrant:
    """A second administrator approves: the role is given now, in the same transaction."""
    grant = _locked_pending(grant)
    _check_decider(grant, actor)
    return _approve(grant, actor=actor)


@transaction.atomic
def role_grant_reject(*, grant: RoleGrant, actor, note: str = "") -> RoleGrant:
    grant = _locked_pending(grant)
    _check_decider(grant, actor)
    grant.status = GrantStatus.REJECTED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.decision_note = note
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit(actor=actor, action=AuditAction.ROLE_GRANT_REJECT, obj=grant, note=note)
    return grant


@transaction.atomic
def role_revoke(*, user, group: Group | None = None, superuser: bool = False, actor) -> None:
    """Take a role (or the superuser flag) away at once; never one's own (another does it)."""
    require_perm(actor, "auth.change_user", error=NotAllowed)
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed(_("Nobody changes their own roles: another administrator does."))
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if superuser:
        if not user.is_superuser:
            return
        user.is_superuser = False
        user.save(update_fields=["is_superuser"])
    else:
        if not user.groups.filter(pk=group.pk).exists():
            return
        user.groups.remove(group)
    audit(
        actor=actor,
        action=AuditAction.ROLE_REVOKE,
        obj=user,
        user=user.get_username(),
        role=group.name if group is not None else "superuser",
    )
