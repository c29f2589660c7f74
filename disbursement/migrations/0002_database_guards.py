"""Install the triggers that hold the payout rules in the database, as they were written with this
migration (disbursement/dbguards.py at 59a488e), frozen in sql/0002_database_guards.*.sql."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("disbursement", "0001_payouts_entitlements_bank_files")]
    operations = [frozen_sql(SQL, "0002_database_guards", "0002_database_guards.reverse")]
