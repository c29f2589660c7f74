"""Journal lines name their entry, account and fund without database foreign keys.

PostgreSQL checks a foreign key one row at a time at commit (a query and a row lock on the
referenced row per line and key): for a 100,000-entry batch that was 600,000 checks and about a
fifth of the batch's time. The guards now hold the same integrity set-based (ledger/dbguards):
a line names an existing entry, account and fund when it is inserted; an entry, account or fund
named by a line is never deleted and never changes its id; a delete and a line insert running at
once are serialised by a lock the delete takes. The ORM keeps ``on_delete=PROTECT``. Tests in
tests/ledger/test_guards.py go around the ORM for each of these.

The guards are dropped first and re-installed at the end (SQLite rebuilds the lines table here);
the whole migration is one transaction, so no posting sees the tables without them. Both steps'
SQL is frozen in sql/0008_*.sql (ledger/dbguards at c9376cf).
"""

from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0007_balance_line_count_leaner_indexes_frozen_codes"),
    ]

    operations = [
        frozen_sql(SQL, "0008_line_references_held_by_guards.drop", "0008_line_references_held_by_guards.drop.reverse"),
        migrations.AlterField(
            model_name="journalline",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="ledger.account",
                verbose_name="account",
            ),
        ),
        migrations.AlterField(
            model_name="journalline",
            name="entry",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="ledger.journalentry",
            ),
        ),
        migrations.AlterField(
            model_name="journalline",
            name="fund",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="ledger.fund",
                verbose_name="fund",
            ),
        ),
        frozen_sql(SQL, "0008_line_references_held_by_guards.install", "0008_line_references_held_by_guards.install.reverse"),
    ]
