"""A case's payment is checked against the amount its award entry booked to awards payable, not
against the case row (issue 12, point 4): the payment guards re-installed whole, as
disbursement/dbguards.py installs them, frozen in sql/0010_payment_against_award_entry.*.sql.
Reversed, the payment guards of 0008 come back (sql/0010_*.reverse.*.sql, a copy of 0008's)."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0009_recoveries_sample_checks"),
        ("approvals", "0010_award_and_reservation_guards"),
    ]
    operations = [
        frozen_sql(
            SQL,
            "0010_payment_against_award_entry",
            "0010_payment_against_award_entry.reverse",
        )
    ]
