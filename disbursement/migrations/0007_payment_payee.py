"""Payments keep whom they pay (issue 11, point 5): the payee (a person), their ID number
(encrypted, copied at build time) and whose account was copied (the payee's own, or the
household's default). Bank files may carry the ID number; each export logs the fields it wrote.

Existing payments are filled from their beneficiary: an entitlement's enrolled person, a case's
household head (whom a case pays). Their account holder name stays as it was sent to the bank,
and their account stays the household's (that is where they were sent).

The payment guards are re-installed whole from sql/0007_payment_payee.*.sql (as
disbursement/dbguards.py installs them now: payee, ID number and whose account never change):
on SQLite, adding the columns rebuilt the payment table and dropped its triggers. Reversed, the
guards of 0003 come back (sql/0007_payment_payee.reverse.*.sql), last. The frozen files also
re-install the award cancel guard of 0004 unchanged: on SQLite it is set aside while the payment
table is rebuilt (SQLite refuses to rebuild a table another table's trigger reads)."""

from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

from common.dbguards import run_sql_file

SQL = Path(__file__).with_name("sql")

FILL = """
UPDATE disbursement_payment SET
    payee_id = COALESCE(
        (SELECT en.person_id FROM disbursement_entitlement e
         JOIN disbursement_enrolment en ON en.id = e.enrolment_id
         WHERE e.id = disbursement_payment.entitlement_id),
        (SELECT p.id FROM approvals_person p
         WHERE p.household_id = disbursement_payment.household_id AND p.is_head)
    )
"""
FILL_ID = """
UPDATE disbursement_payment SET
    payee_id_enc = (SELECT p.id_number_enc FROM approvals_person p
                    WHERE p.id = disbursement_payment.payee_id),
    account_owner = 'household'
"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)
        cursor.execute(FILL_ID)


def noop(apps, schema_editor):
    pass


def set_cancel_guard_aside(apps, schema_editor):
    """SQLite: the award cancel trigger (on approvals_case) reads the payment table, and SQLite
    refuses to rebuild a table another table's trigger names; it comes back with the guards."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS disbursement_case_cancel")


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0006_award_claims_fill"),
        ("approvals", "0008_person_bank_accounts"),
    ]

    operations = [
        # Reversed last: the guards as they were, after the columns are gone again.
        migrations.RunPython(set_cancel_guard_aside, run_sql_file(SQL, "0007_payment_payee.reverse")),
        migrations.AddField(
            model_name="payment",
            name="payee",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="approvals.person",
                verbose_name="payee",
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="payee_id_enc",
            field=models.TextField(
                default="", editable=False, verbose_name="payee's ID number (encrypted)"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payment",
            name="account_owner",
            field=models.CharField(
                choices=[
                    ("person", "the payee's own account"),
                    ("household", "the household's default account"),
                ],
                default="household",
                max_length=9,
                verbose_name="account of",
            ),
        ),
        migrations.RunPython(fill, noop),
        migrations.AlterField(
            model_name="payment",
            name="payee",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payments",
                to="approvals.person",
                verbose_name="payee",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("account_owner__in", ["person", "household"]),
                    models.Q(("payee_id_enc", ""), _negated=True),
                ),
                name="payment_payee_complete",
            ),
        ),
        migrations.AddField(
            model_name="exportlog",
            name="columns",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The layout's fields the file was written with, in order (e.g. id_number).",
                verbose_name="fields in the file",
            ),
        ),
        migrations.RunPython(run_sql_file(SQL, "0007_payment_payee"), set_cancel_guard_aside),
    ]
