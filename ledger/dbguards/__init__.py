"""Database triggers that hold the ledger's guarantees below the ORM, on SQLite and PostgreSQL.

Django constraints cover what one row can say (positive amounts, valid sides, unique keys). What
spans rows is held here, as triggers, so that ``.update()``, ``bulk_create`` and raw SQL are
refused as the services would refuse them. One module per table (or pair of tables sharing a
rule), each a :class:`common.dbguards.GuardSet` of the same name on both engines:

* ``journalentry``: entries are inserted as drafts; flipping one to *posted* checks that it has
  two or more lines, balances for each fund and currency, lies in an open period, and links to
  its predecessor in the hash chain; that a manual entry, or one naming two funds, has its
  maker, a different approver and a reason; that income is credited only with its valid
  receipt of that type, fund and amount and debited only by the reversal of an entry whose
  receipt is void; a posted entry is never updated or deleted;
* ``journalline``: lines go only into draft entries, are never updated, and are deleted only
  with a draft; each line's ``balance_after`` must follow from the line before it for the same
  account, fund and currency (lines are appended in id order); a line names an existing entry,
  account and fund; its amount and balance stay within what every engine stores exactly; a
  line on an account paying a purpose goes into a restricted fund only if the fund allows the
  purpose; cash at bank and on hand never go below zero except in a reversal;
* ``references``: what a line names is never deleted and never changes its id (held here rather
  than by foreign keys, which PostgreSQL checks row by row at commit: they were a fifth of a
  large batch);
* ``balance``: a stored balance must equal the ``balance_after`` of the latest line of its key,
  and its ``line_count`` must grow by exactly the lines added since its previous latest line;
* ``period``: a closed period is never changed or reopened, and periods never overlap;
* ``codes``: the code of an account or fund never changes once a journal line uses it (entry
  content hashes cover the codes);
* ``auditevent``: audit events are append-only.
* ``checkpoint``: published checkpoints are append-only.

PostgreSQL checks the flip and line inserts once per *statement* (transition tables), so a batch
of 100,000 entries is checked in a few set-based queries; SQLite has only row triggers and checks
row by row. Tests assert the same refusals on both. Every message of the entry, line and balance
guards starts with a rule token, ``ledger[<rule>]: ...`` (on PostgreSQL with the figures in
DETAIL), which ``ledger.posting.refusals`` turns into the translated error of that rule.

The SQL is hand-written because no maintained library enforces double-entry rules in the
database for both engines (django-hordak's triggers are PostgreSQL/MySQL only). The money-in
rules are in ``ledger.collection.dbguards``; the posting function, which is not a guard, in
``ledger.dbfunctions``. Migrations carry their own frozen copy of this SQL (``migrations/sql``):
a change here needs a new migration, which ``tests/test_migrated_guards.py`` insists on.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

from . import (
    auditevent,
    balance,
    checkpoint,
    codes,
    journalentry,
    journalline,
    period,
    references,
)
from .helpers import SMALL

# Installed in this order; on SQLite the order of triggers of one table and event is the order
# they fire in, so it stays as it was.
GUARD_SETS = [
    journalentry.GUARDS,
    references.GUARDS,
    journalline.GUARDS,
    balance.GUARDS,
    period.GUARDS,
    codes.GUARDS,
    auditevent.GUARDS,
    checkpoint.GUARDS,
]

__all__ = ["GUARD_SETS", "SMALL", "drop", "expected", "install", "installed"]


def install(connection: BaseDatabaseWrapper) -> None:
    """Install every ledger guard (the sets are re-runnable)."""
    for guard_set in GUARD_SETS:
        guard_set.install(connection)


def drop(connection: BaseDatabaseWrapper, names: list[str] | None = None) -> None:
    """Remove ledger guards (all, or the named triggers): for tests that tamper underneath."""
    for guard_set in GUARD_SETS:
        guard_set.drop(connection, names)


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    return set().union(*(s.installed(connection) for s in GUARD_SETS))


def expected(connection: BaseDatabaseWrapper) -> set[str]:
    return set().union(*(s.expected(connection) for s in GUARD_SETS))
