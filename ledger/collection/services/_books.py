"""The collection's one door into the ledger's posting engine.

Every service of the collection posts through the ledger: it takes the books lock, checks
permissions and amounts with the ledger's own rules (same codes, same messages), posts and
reverses journal entries and writes audit events. All of it is imported here, and only here, so
that when the ledger's ports move (``ledger.locks``, ``ledger.audit``) one module changes.
"""

from ...services import LineSpec, audit, journal_post, journal_reverse
from ...services import _check_amount as check_amount
from ...services import _lock_head as lock_head
from ...services import _require as require

__all__ = [
    "LineSpec",
    "audit",
    "check_amount",
    "journal_post",
    "journal_reverse",
    "lock_head",
    "require",
]
