"""The database refuses to cancel an award that has a payment pending, sent or paid
(disbursement/dbguards.py, ``disbursement_case_cancel_guard``): the services' veto
(approvals.hooks) explains what to do; this holds for whatever goes around them."""

from django.db import migrations


def install(apps, schema_editor):
    from disbursement import dbguards

    dbguards.install(schema_editor.connection)


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
    operations = [migrations.RunPython(install, remove)]
