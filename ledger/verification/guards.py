"""The guards check of ``verify_ledger``: every trigger and function of every guard set that any
app registered in ``common.dbguards`` is installed, the posting function included.

The other checks recompute the books independently of the guards; this one says whether the
database still refuses what the guards refuse, so a dropped guard is reported before the drift
it would let in.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from common.dbguards import all_guard_sets

from .report import GUARD_MISSING, LedgerReport


def check_guards(report: LedgerReport) -> None:
    # Every app's sets, not only the ledger's: a payout or case trigger dropped underneath is as
    # silent as a ledger one. Names are unique across sets (each app prefixes its own).
    expected: set[str] = set()
    installed: set[str] = set()
    for guard_set in all_guard_sets():
        expected |= guard_set.expected(connection)
        installed |= guard_set.installed(connection)
    report.guards_expected = len(expected)
    report.guards_installed = len(expected & installed)
    for name in sorted(expected - installed):
        report.add(
            GUARD_MISSING,
            _(
                "database guard %(name)s is not installed: the database no longer refuses what "
                "it guards against; reinstall the guard set that holds it: find it in "
                "common.dbguards.all_guard_sets() and call its install(connection)"
            )
            % {"name": name},
        )
