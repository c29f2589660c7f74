"""Install the money-in triggers as they were written with this migration
(ledger/collection/dbguards.py at 677cc7a), frozen in sql/0006_collection_guards.*.sql."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_collection")]
    operations = [frozen_sql(SQL, "0006_collection_guards", "0006_collection_guards.reverse")]
