"""Install the triggers that hold the approvals invariants in the database, as they were written
with this migration (approvals/dbguards.py at 2127a28), frozen in sql/0002_database_guards.*.sql."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_registry_programs_cases_notices")]
    operations = [frozen_sql(SQL, "0002_database_guards", "0002_database_guards.reverse")]
