"""Receipt books held in the database (issue 14, point 5): within a series no two books share a
number, and a book receipts were issued from keeps its type, series and numbers — only "in use"
changes (the guard set ``ledger.collection.receiptbook``). The administrator now adds and
edits books in the admin; this keeps ``.update()`` and raw SQL to the same rules.

The SQL is frozen in sql/0023_receipt_book_guards.*.sql; reversed, the guard is dropped.
"""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0022_pledge_idempotency_key")]
    operations = [
        frozen_sql(SQL, "0023_receipt_book_guards", "0023_receipt_book_guards.reverse")
    ]
