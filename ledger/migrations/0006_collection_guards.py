"""Install the money-in triggers (ledger/collection/dbguards.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from ledger.collection import dbguards

    dbguards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from ledger.collection import dbguards

    dbguards.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_collection")]
    operations = [migrations.RunPython(install, remove)]
