"""The collection's one door into the ledger's posting engine.

Every service of the collection posts through the ledger: it takes the books lock, checks
permissions and amounts with the ledger's own rules (same codes, same messages), posts and
reverses journal entries and writes audit events, and checks an amount against the ceiling of
its kind of document. All of it is imported here, and only here, so that the collection's
services name one door: the ledger's public ports (``ledger.locks``, ``ledger.audit``,
``ledger.posting``, ``ledger.services``, ``ledger.limits``).
"""

from common.permissions import require_perm

from ...audit import AuditAction, audit
from ...exceptions import PermissionDenied
from ...limits import ceiling_for, check_ceiling
from ...locks import lock_head
from ...posting import check_amount
from ...services import LineSpec, journal_post, journal_reverse


def require(actor, perm: str) -> None:
    """``common.permissions.require_perm`` (``actor=None`` is the system) refusing with the
    ledger's ``PermissionDenied``, as the ledger's own services do."""
    require_perm(actor, perm, error=PermissionDenied)


__all__ = [
    "AuditAction",
    "LineSpec",
    "audit",
    "ceiling_for",
    "check_amount",
    "check_ceiling",
    "journal_post",
    "journal_reverse",
    "lock_head",
    "require",
]
