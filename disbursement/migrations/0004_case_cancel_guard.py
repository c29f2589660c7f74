"""The database refuses to cancel an award that has a payment pending, sent or paid
(disbursement/dbguards.py, ``disbursement_case_cancel_guard``): the services' veto
(approvals.hooks) explains what to do; this holds for whatever goes around them.

It re-installs every payout guard, as disbursement/dbguards.py did at d0a9eb8; that SQL is frozen
in sql/0004_case_cancel_guard.*.sql. Reversed, only the new guard goes."""

from pathlib import Path

from django.db import migrations

from common.dbguards import run_sql_file

SQL = Path(__file__).with_name("sql")


def remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER IF EXISTS disbursement_case_cancel_guard ON approvals_case"
            )
            cursor.execute("DROP FUNCTION IF EXISTS disbursement_case_cancel_guard()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS disbursement_case_cancel")


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0003_payment_guards_per_statement"),
        ("approvals", "0003_attachments"),
    ]
    operations = [migrations.RunPython(run_sql_file(SQL, "0004_case_cancel_guard"), remove)]
