"""Load the default chart of accounts and funds (ledger/chart.py) and the hash chain's head."""

from django.db import migrations


def load(apps, schema_editor):
    from ledger.books import ensure_default_books

    ensure_default_books(apps.get_model("ledger", "Account"), apps.get_model("ledger", "Fund"))
    apps.get_model("ledger", "ChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_database_guards")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
