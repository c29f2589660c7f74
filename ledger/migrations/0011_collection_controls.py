"""Money in only with its document (issue 10): the collection's schema and guards.

* ``Pledge.kind``: a pledge promises a donation or a mandated contribution (帮扶资金); the
  latter is paid by an allocation with a settlement receipt (``Allocation.pledge``), never by a
  donation receipt;
* ``Receipt.entry`` may be empty for a moment: the receipt is issued first, the entry that
  carries its income names it, and then the receipt names that entry, once;
* the collection's guards (frozen in ``sql/0011_collection_controls.*.sql``, as
  ledger/collection/dbguards.py installed them with this migration): a receipt names once a
  posted entry that names it back and credits its amount to its income; a donation's (an
  allocation's) amount, currency, fund and entry are its valid receipt's; a pledge is paid only
  by a record of its kind, fund and currency and never changes kind, donor, fund or currency;
  every message carries a rule token (``collection[<rule>]``) that the services translate.

SQLite rebuilds ``ledger_receipt`` and ``ledger_pledge`` to alter them, which drops the triggers
on them and breaks those elsewhere that name them: every trigger naming them is set aside first,
exactly as the database holds it, and put back (both ways), before the new guards are installed.
Reversed, 0006's collection guards come back.
"""

from pathlib import Path

import django.db.models.deletion
from django.db import migrations, models

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")
TABLES = ("ledger_receipt", "ledger_pledge")
_set_aside: list[tuple[str, str]] = []


def set_triggers_aside(apps, schema_editor):
    """SQLite: drop every trigger naming the rebuilt tables, keeping its SQL to put it back."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        rows = [(n, q) for n, q in cursor.fetchall() if any(t in q for t in TABLES)]
        for name, _sql in rows:
            cursor.execute(f'DROP TRIGGER "{name}"')
    _set_aside[:] = rows


def put_triggers_back(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        for _name, sql in _set_aside:
            cursor.execute(sql)
    _set_aside.clear()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_controls_schema")]

    operations = [
        migrations.RunPython(set_triggers_aside, put_triggers_back),
        migrations.AddField(
            model_name="allocation",
            name="pledge",
            field=models.ForeignKey(
                blank=True,
                help_text="The mandated-contribution pledge this pays, if any.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="allocation_payments",
                to="ledger.pledge",
            ),
        ),
        migrations.AddField(
            model_name="pledge",
            name="kind",
            field=models.CharField(
                choices=[("donation", "donation"), ("contribution", "mandated contribution")],
                db_default="donation",
                default="donation",
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="receipt",
            name="entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="receipt",
                to="ledger.journalentry",
            ),
        ),
        migrations.AddConstraint(
            model_name="pledge",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["donation", "contribution"])),
                name="pledge_kind_valid",
            ),
        ),
        migrations.RunPython(put_triggers_back, set_triggers_aside),
        frozen_sql(SQL, "0011_collection_controls", "0011_collection_controls.reverse"),
    ]
