"""Re-install the database guards (ledger/dbguards.py) after their PostgreSQL SQL changed:

* the statement-level checks of lines and of the flip to posted are set-based in one pass, run
  without JIT, and plan large statements for their real size (same rules, same messages);
* ``ledger_post_entry``, the server-side form of one posting used by ``ledger.services`` on
  PostgreSQL.

On SQLite the triggers are re-created unchanged.
"""

from django.db import migrations


def install(apps, schema_editor):
    from ledger import dbguards

    dbguards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_default_books")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
