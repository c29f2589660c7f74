"""The ledger core's controls (issue 10), held by the database on both engines:

* purposes: a line on an account that pays a purpose, in a restricted fund, only for a purpose
  the fund allows (the line insert check);
* cash at bank and on hand never below zero, except in a reversal (the line insert check);
* amounts the books store exactly: a line up to 999,999,999,999.99, a balance after it within
  ±9,999,999,999,999.99 (15 significant digits, exact in SQLite's REAL too);
* four eyes: a manual entry, and an entry naming two funds or more, posts only with its maker, a
  different approver and a reason (the flip to posted);
* income with its document: a credit to donation or allocation income needs the entry's valid
  receipt of that type, fund and amount; a debit only in the reversal of an entry whose receipt
  is void (the flip to posted); one receipt documents one entry (a partial unique index);
* every message of the entry, line and balance guards carries a rule token
  (``ledger[<rule>]: ...``) that ``ledger.posting.refusals`` turns into a translated message;
* ``ledger_post_entry`` takes the maker, approver, reason and receipt, so a single posting with
  them keeps its one round trip.

Before the guards, entries posted with a receipt (``Receipt.entry``) are given that receipt as
their ``income_receipt``, so that a donation or allocation recorded before this migration can
still be voided (its reversal debits income, which needs the reversed entry's receipt void).
Posted entries are frozen, so their guard is set aside for that one UPDATE (the column is not
in the entry's hash).

The SQL is frozen in sql/0012_controls_guards.*.sql; reversed, 0009's SQL (and 0004's posting
function) comes back.
"""

from pathlib import Path

from django.db import migrations, models

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")

_BACKFILL = """
UPDATE ledger_journalentry
   SET income_receipt_id = (SELECT r.id FROM ledger_receipt r WHERE r.entry_id = ledger_journalentry.id)
 WHERE income_receipt_id IS NULL
   AND EXISTS (SELECT 1 FROM ledger_receipt r WHERE r.entry_id = ledger_journalentry.id)
"""


def receipts_onto_their_entries(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_journalentry DISABLE TRIGGER ledger_entry_guard")
            cursor.execute(_BACKFILL)
            cursor.execute("ALTER TABLE ledger_journalentry ENABLE TRIGGER ledger_entry_guard")
        else:
            # The frozen SQL below creates this trigger again.
            cursor.execute("DROP TRIGGER IF EXISTS ledger_entry_posted_frozen")
            cursor.execute(_BACKFILL)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0011_collection_controls")]
    operations = [
        migrations.RunPython(receipts_onto_their_entries, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="journalentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("income_receipt__isnull", False)),
                fields=("income_receipt",),
                name="entry_income_receipt_once",
            ),
        ),
        frozen_sql(SQL, "0012_controls_guards", "0012_controls_guards.reverse"),
    ]
