"""``fundapp_analyze(regclass)`` (issue 17, point 7): fresh planner statistics for one of
fundapp's tables, callable by the application's role, which owns no table (PostgreSQL 15 lets
only a table's owner ANALYZE). SECURITY DEFINER, as the tables' owner, for a table of ours only;
``ledger.dbfunctions.ANALYZE`` registers it and ``common.dbstats`` calls it after large writes.
Frozen in sql/0017_analyze_function.*.sql (PostgreSQL; SQLite lets any connection ANALYZE)."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0016_single_posting_checks_leaner")]
    operations = [
        frozen_sql(SQL, "0017_analyze_function", "0017_analyze_function.reverse"),
    ]
