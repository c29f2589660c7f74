"""Install the triggers that hold the ledger's guarantees in the database (ledger/dbguards.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from ledger import dbguards

    dbguards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from ledger import dbguards

    dbguards.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
