"""What the ledger's services share: the actor's permission check."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..exceptions import PermissionDenied


def require_perm(actor, perm: str) -> None:
    """``actor=None`` is the system itself (management commands, other services)."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(
            _("You do not have permission to do this (%(perm)s).") % {"perm": perm}
        )
