"""Re-install the database guards after their PostgreSQL SQL changed:

* the statement-level checks of lines and of the flip to posted are set-based in one pass, run
  without JIT, and plan large statements for their real size (same rules, same messages);
* ``ledger_post_entry``, the server-side form of one posting used by ``ledger.services`` on
  PostgreSQL.

On SQLite the triggers are re-created unchanged. The SQL is frozen in
sql/0004_posting_function_and_faster_guards.*.sql (ledger/dbguards at 950f47f); reversed, the
posting function goes and 0002's SQL comes back.
"""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_default_books")]
    operations = [frozen_sql(SQL, "0004_posting_function_and_faster_guards", "0004_posting_function_and_faster_guards.reverse")]
