"""The PostgreSQL guards of entries, lines and balances as they changed after 0008, which no
migration installed until now (a database migrated before those changes still ran 0008's SQL):

* the entry row guard fires only when a row could break a rule: its triggers carry WHEN
  conditions (a draft inserted, a draft flipped to posted pay no PL/pgSQL call), in three
  triggers (insert, update, delete) on one function (c967b06);
* a posting's line check runs its four rules as one query, and the balance check reads what it
  needs in one (f33dcf0); a large statement checks the line rules one by one, each planned for
  its size, from the same fragments (ed15d0b).

Same rules, same messages. SQLite's guards did not change. The SQL is frozen in
sql/0009_entry_line_balance_guards_leaner.*.sql; reversed, 0008's SQL comes back.
"""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_line_references_held_by_guards")]
    operations = [
        frozen_sql(
            SQL,
            "0009_entry_line_balance_guards_leaner",
            "0009_entry_line_balance_guards_leaner.reverse",
        )
    ]
