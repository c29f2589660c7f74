"""The guards check of ``verify_ledger``: every trigger and function of every guard set that any
app registered in ``common.dbguards`` (ledger, money in, cases, payouts; the posting function
included) is installed on its table, enabled, and as its guard module writes it.

The other checks recompute the books independently of the guards; this one says whether the
database still refuses what the guards refuse, so a guard taken out of play is reported before
the drift it would let in. A guard can be taken out of play without being dropped:

* disabled: ``ALTER TABLE ... DISABLE TRIGGER USER`` (or ``ALL``, which also stops the foreign
  keys' own triggers: reported too) leaves the trigger in place, with ``tgenabled`` not firing;
* altered: the trigger function replaced by one that does nothing (PostgreSQL: its body,
  ``pg_proc.prosrc``, differs from the module's), or the trigger re-created with another
  definition (``pg_get_triggerdef``; SQLite: the ``sql`` of ``sqlite_master``, e.g. with
  ``WHEN 0``);
* and a trigger that no set names, on a table a set guards, may rewrite what the guards see.

Definitions are compared normalised (``common.dbguards.guard_findings``, shared with the
migration test). The way to stop all this at the source is a database role that does not own the
tables (``docs/operations.md``); this check is what tells the auditor it held.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from common import dbguards
from common.dbguards import all_guard_sets, disabled_constraint_triggers, guard_findings

from .report import GUARD_ALTERED, GUARD_DISABLED, GUARD_MISSING, GUARD_UNEXPECTED, LedgerReport


def _reinstall() -> str:
    return _(
        "reinstall its guard set (common.dbguards.all_guard_sets(), then install(connection)) "
        "as the tables' owner, and find out who changed it"
    )


def check_guards(report: LedgerReport) -> None:
    # Every app's sets, not only the ledger's: a payout or case trigger dropped underneath is as
    # silent as a ledger one. Names are unique across sets (each app prefixes its own).
    expected, findings = guard_findings(connection, all_guard_sets())
    report.guards_expected = expected
    report.guards_installed = expected - sum(1 for f in findings if f.state == dbguards.MISSING)
    report.guards_intact = expected - sum(1 for f in findings if f.state != dbguards.UNEXPECTED)
    for finding in findings:
        names = {"name": finding.name, "set": finding.guard_set, "table": finding.table}
        if finding.state == dbguards.MISSING:
            if finding.found_table:
                message = _(
                    "database guard %(name)s (%(set)s) is not on table %(table)s but on "
                    "%(found)s: the database no longer refuses what it guards against; "
                ) % {**names, "found": finding.found_table}
            elif finding.table:
                message = (
                    _(
                        "database guard %(name)s (%(set)s) is not installed on table %(table)s: the "
                        "database no longer refuses what it guards against; "
                    )
                    % names
                )
            else:
                message = (
                    _(
                        "database function %(name)s (%(set)s) is not installed: the database no "
                        "longer does what it is for; "
                    )
                    % names
                )
            report.add(GUARD_MISSING, message + _reinstall(), document=finding.name)
        elif finding.state == dbguards.DISABLED:
            report.add(
                GUARD_DISABLED,
                _(
                    "database guard %(name)s (%(set)s) on table %(table)s is disabled (ALTER "
                    "TABLE ... DISABLE TRIGGER): it is there but does not fire; enable it with "
                    "ALTER TABLE %(table)s ENABLE TRIGGER %(name)s as the tables' owner, run the "
                    "application under a role that does not own the tables, and find out who "
                    "disabled it"
                )
                % names,
                document=finding.name,
            )
        elif finding.state == dbguards.ALTERED:
            report.add(
                GUARD_ALTERED,
                _(
                    "database guard %(name)s (%(set)s) is not what its guard module installs (its "
                    "definition or its function's body differs): it may no longer refuse what it "
                    "guards against; "
                )
                % names
                + _reinstall(),
                document=finding.name,
            )
        else:
            report.add(
                GUARD_UNEXPECTED,
                _(
                    "trigger %(name)s on table %(table)s belongs to no guard set: it may change "
                    "what the guards see; drop it unless you know who made it and why"
                )
                % names,
                document=finding.name,
            )
    for constraint, table in disabled_constraint_triggers(connection):
        report.add(
            GUARD_DISABLED,
            _(
                "the triggers of constraint %(name)s on table %(table)s are disabled (ALTER "
                "TABLE ... DISABLE TRIGGER ALL): the database no longer checks it; enable them "
                "with ALTER TABLE %(table)s ENABLE TRIGGER ALL as a superuser"
            )
            % {"name": constraint, "table": table},
            document=constraint,
        )
