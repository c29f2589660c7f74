"""Install the triggers that hold the approvals invariants in the database (approvals/dbguards.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from approvals import dbguards

    dbguards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from approvals import dbguards

    dbguards.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_registry_programs_cases_notices")]
    operations = [migrations.RunPython(install, remove)]
