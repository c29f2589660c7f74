"""Install the triggers that hold the payout rules in the database (disbursement/dbguards.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from disbursement import dbguards

    dbguards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from disbursement import dbguards

    dbguards.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("disbursement", "0001_payouts_entitlements_bank_files")]
    operations = [migrations.RunPython(install, remove)]
