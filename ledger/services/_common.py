"""What the ledger's services share: the actor's permission check."""

from __future__ import annotations

from common import permissions

from ..exceptions import PermissionDenied


def require_perm(actor, perm: str) -> None:
    """``common.permissions.require_perm`` (``actor=None`` is the system itself) refusing with the
    ledger's ``PermissionDenied``."""
    permissions.require_perm(actor, perm, error=PermissionDenied)
