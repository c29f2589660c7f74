"""Faster reads and writes of the books, the same guarantees, and codes frozen once used:

* ``Balance.line_count``: each stored balance counts its key's lines (filled in here from the
  lines), so a statement's page count is read, not counted; the balance guard checks it;
* indexes nothing needs are dropped: the single-column ones on ``journalline.entry`` and
  ``journalline.account`` (composite indexes start with them), on ``balance.last_line``, and the
  LIKE-pattern copies PostgreSQL kept for the unique ``hash`` and ``idempotency_key`` (now
  ``UniqueConstraint``s);
* PostgreSQL: the entries table keeps half of each page free (``fillfactor``), so the flip of
  a draft to posted is a HOT update;
* the guards are dropped first and re-installed at the end, now with line counts and the
  account/fund code freeze; the whole migration is one transaction, so no posting ever sees the
  tables without them. Both steps' SQL is frozen in sql/0007_*.sql (ledger/dbguards at 5efc6d6).
"""

from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


FILLFACTOR = 50


def count_lines(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_balance SET line_count = (SELECT count(*) FROM ledger_journalline l"
            " WHERE l.account_id = ledger_balance.account_id"
            " AND l.fund_id = ledger_balance.fund_id"
            " AND l.amount_currency = ledger_balance.currency"
            " AND l.id <= ledger_balance.last_line_id)"
        )


def entries_fillfactor(apps, schema_editor):
    # PostgreSQL: entries are written as drafts and flipped to posted. With room left on each
    # page the flip is a HOT update (no new index entries: status is in no index); without it,
    # COPY fills the pages and every flip writes a new entry into each of the table's indexes.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE ledger_journalentry SET (fillfactor = {FILLFACTOR})")


def entries_fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_journalentry RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0006_collection_guards'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # SQLite re-reads every trigger when a table is rebuilt, and refuses the rename while a
        # trigger of another table names the table being rebuilt; the guards come back at the end.
        frozen_sql(SQL, "0007_balance_line_count_leaner_indexes_frozen_codes.drop", "0007_balance_line_count_leaner_indexes_frozen_codes.drop.reverse"),
        migrations.AddField(
            model_name='balance',
            name='line_count',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(count_lines, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='balance',
            name='last_line',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.journalline'),
        ),
        migrations.AlterField(
            model_name='journalentry',
            name='hash',
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name='journalentry',
            name='idempotency_key',
            field=models.CharField(max_length=200, verbose_name='idempotency key'),
        ),
        migrations.AlterField(
            model_name='journalline',
            name='account',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='ledger.account', verbose_name='account'),
        ),
        migrations.AlterField(
            model_name='journalline',
            name='entry',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='ledger.journalentry'),
        ),
        migrations.AddConstraint(
            model_name='journalentry',
            constraint=models.UniqueConstraint(fields=('idempotency_key',), name='entry_key_unique'),
        ),
        migrations.AddConstraint(
            model_name='journalentry',
            constraint=models.UniqueConstraint(fields=('hash',), name='entry_hash_unique'),
        ),
        migrations.RunPython(entries_fillfactor, entries_fillfactor_reset),
        frozen_sql(SQL, "0007_balance_line_count_leaner_indexes_frozen_codes.install", "0007_balance_line_count_leaner_indexes_frozen_codes.install.reverse"),
    ]
