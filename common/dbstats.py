"""Fresh planner statistics after large writes (issue 17, point 7).

PostgreSQL's autovacuum analyzes a table once about a tenth of it changed, at its next round; in
between, the plans of the guards (which read the rows a statement wrote) and of the staff pages
are made with statistics that do not know the new rows. A database whose statistics were stale
(autovacuum off) showed 30-second stalls and checks a hundred times slower. So the services that
write many rows at once (an import, a batch, a cycle, a batch of postings) ask for an ANALYZE of
the tables they filled, once their transaction has committed, when they wrote at least
``ANALYZE_AFTER_ROWS`` rows. On PostgreSQL this goes through ``fundapp_analyze`` (ledger 0017),
since the application's role owns no table; on SQLite ANALYZE runs directly."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)


def analyze_now(*tables: str) -> None:
    for table in tables:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT fundapp_analyze(%s::regclass)", [table])
            else:
                cursor.execute(f'ANALYZE "{table}"')


def refresh_after(rows: int, *tables: str) -> bool:
    """Analyze ``tables`` after the current transaction commits if ``rows`` reach the setting;
    True when it was asked for. Asked several times in one transaction (a cycle posting chunk by
    chunk), the tables are analyzed once. A failure is logged, never raised: the write has
    committed and autovacuum will catch up."""
    if rows < settings.ANALYZE_AFTER_ROWS or not tables:
        return False
    if connection.in_atomic_block:
        for _savepoints, func, *_rest in connection.run_on_commit:
            pending = getattr(func, "fundapp_analyze", None)
            if pending is not None:
                pending.update(tables)
                return True
    pending = set(tables)

    def run() -> None:
        try:
            analyze_now(*sorted(pending))
        except DatabaseError:
            log.warning("statistics not refreshed for %s", ", ".join(sorted(pending)))

    run.fundapp_analyze = pending
    transaction.on_commit(run)
    return True
