"""A payment is paid or failed by exactly one bank result import (issue 12, point 1).

Two disagreeing result files imported at the same moment were both accepted: each was checked
against statuses read before the other wrote. The service now checks and applies a file under
one lock per batch; the database holds the rule beneath it:

* at most one import of a batch is ``applying`` at a time (a partial unique index);
* a payment settled (paid, failed, and so reissued) names the import that settled it, and one
  not yet settled names none (a CHECK);
* a sent payment becomes paid or failed only naming an import of its own batch that is being
  applied, and the import a settled payment names never changes (the payment update guard).

The payment guards are re-installed whole from sql/0008_payment_settled_once.*.sql (as
disbursement/dbguards.py installs them now), with the award cancel guard of 0004 unchanged: on
SQLite adding the CHECK rebuilds the payment table, which drops its triggers, and SQLite refuses
to rebuild a table another table's trigger reads, so that guard is set aside meanwhile (as in
0007). Reversed, the guards of 0007 come back (sql/0008_payment_settled_once.reverse.*.sql),
last."""

from pathlib import Path

from django.db import migrations, models

from common.dbguards import run_sql_file

SQL = Path(__file__).with_name("sql")


def set_cancel_guard_aside(apps, schema_editor):
    """SQLite: the award cancel trigger (on approvals_case) reads the payment table, and SQLite
    refuses to rebuild a table another table's trigger names; it comes back with the guards."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS disbursement_case_cancel")


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0007_payment_payee"),
    ]

    operations = [
        # Reversed last: the guards as they were, after the constraints are gone again.
        migrations.RunPython(
            set_cancel_guard_aside, run_sql_file(SQL, "0008_payment_settled_once.reverse")
        ),
        migrations.AddConstraint(
            model_name="bankresultimport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "applying")),
                fields=("batch",),
                name="import_one_applying_per_batch",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("result_import__isnull", True), ("status__in", ("pending", "sent"))),
                    models.Q(
                        ("result_import__isnull", False),
                        ("status__in", ("paid", "failed", "reissued")),
                    ),
                    _connector="OR",
                ),
                name="payment_settled_by_an_import",
            ),
        ),
        migrations.RunPython(
            run_sql_file(SQL, "0008_payment_settled_once"), set_cancel_guard_aside
        ),
    ]
