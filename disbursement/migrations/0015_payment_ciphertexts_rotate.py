"""A payment's ciphertexts may be re-encrypted by a key rotation (issue 17, point 4): the payment
guards re-installed whole, as disbursement/dbguards.py installs them, frozen in
sql/0015_payment_ciphertexts_rotate.*.sql. ``account_enc`` and ``payee_id_enc`` leave the list of
columns that never change; ``account_hash`` stays in it, and the bank file checks every number
against its hash before writing it. Reversed, 0010's payment guards come back
(sql/0015_*.reverse.*.sql, a copy of 0010's)."""

from pathlib import Path

from django.db import migrations

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):
    dependencies = [
        ("disbursement", "0014_confirmation_objection_status_choices"),
    ]
    operations = [
        frozen_sql(
            SQL,
            "0015_payment_ciphertexts_rotate",
            "0015_payment_ciphertexts_rotate.reverse",
        )
    ]
