"""Install the triggers that hold the ledger's guarantees in the database, as they were written
with this migration (ledger/dbguards at c3b77dc), frozen in sql/0002_database_guards.*.sql."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [frozen_sql(SQL, "0002_database_guards", "0002_database_guards.reverse")]
