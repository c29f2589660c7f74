"""A single posting's server-side checks with small plans (issue 10's quiet benchmark).

The line check (``ledger_line_insert_check``) and the flip check (``ledger_entry_post_check``)
check a statement of fewer than 200 rows in one query each with a small plan: every line, or
every flipped entry, looks up what it needs by key. The set-based forms (a union of the rules
over CTEs, fifty to sixty plan nodes each) cost a third of a single posting's server time, most
of it starting the plans; they still check larger statements. Both functions set JIT off (and
the line check a larger work_mem) only for a large statement, and put the settings back after
it, instead of on every call. The posting function (``ledger_post_entry``) updates the stored
balances that exist and inserts the new ones, instead of an upsert that fired the balance guard
twice for every existing key. Same rules, same messages, same rows; and one fix: the large
form's refusal of an amount beyond its bound read a column its query did not return, so such a
statement failed with a record field error instead of the rule's message (found by
tests/ledger/test_guard_sizes.py, which breaks every rule in a statement of each size).

PostgreSQL only; SQLite checks row by row and did not change. The SQL is frozen in
sql/0016_single_posting_checks_leaner.*.sql; reversed, the line check of 0012, the flip check of
0013 and the posting function of 0015 come back.
"""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0015_keyed_chain")]
    operations = [
        frozen_sql(
            SQL, "0016_single_posting_checks_leaner", "0016_single_posting_checks_leaner.reverse"
        )
    ]
