"""The flip check (``ledger_entry_post_check``) reads which entries a statement flipped through a
plan sized for the statement, as its other checks do (``ledger.dbguards.helpers.sized``).

PL/pgSQL caches a query's plan for the size its transition tables had the first time: a plan
made for a one-entry posting (a nested loop) joined a 2,500-entry batch's old and new rows one
by one (0.9 s of a 2.4 s batch). And the planner guesses that each of the check's CTEs holds one
row, so the rules that joined two of them (p with c; p with sums) ran as nested loops, quadratic
on a batch: each rule now reads one CTE and looks entries up in the table by id, or tests
membership with NOT IN (a hashed subplan). A 2,500-entry flip went from 1.8 s to 0.04 s.
Same rules, same messages. PostgreSQL only; SQLite checks row
by row and did not change. The SQL is frozen in sql/0013_entry_post_check_span.*.sql; reversed,
0012's function comes back.
"""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0012_controls_guards")]
    operations = [
        frozen_sql(SQL, "0013_entry_post_check_span", "0013_entry_post_check_span.reverse")
    ]
