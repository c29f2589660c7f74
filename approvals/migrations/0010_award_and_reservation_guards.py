"""A final award is what the ledger booked, and reservations are released, never deleted (issue
12, point 4): the guard sets ``approvals.award`` (a case's award entry credits awards payable with
its amount in its program's fund; once booked, amount, currency, program and entry are frozen;
a program keeps its fund once an award of it is booked) and ``approvals.reservation`` (never
deleted; released once; case, fund, amount and creation time frozen), as approvals/dbguards.py
installs them, frozen in sql/0010_award_and_reservation_guards.*.sql. Reversed, both sets go."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0009_program_window_person_status"),
        ("ledger", "0013_entry_post_check_span"),
    ]
    operations = [
        frozen_sql(
            SQL,
            "0010_award_and_reservation_guards",
            "0010_award_and_reservation_guards.reverse",
        )
    ]
