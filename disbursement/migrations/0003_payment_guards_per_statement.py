"""Payment rules on PostgreSQL checked per statement (disbursement/dbguards.py): statement
triggers with transition tables after insert, update and delete; the row trigger keeps only the
batch-status check on insert, so that the batch rule still speaks before the unique indexes.
SQLite's triggers are unchanged.

The SQL it installs is frozen in sql/0003_payment_guards_per_statement.*.sql (as
disbursement/dbguards.py installed it at abcd9ef). Reversing restores the 0002 row trigger,
which checked everything row by row (its text is kept here as it was)."""

from pathlib import Path

from django.db import migrations

from common.dbguards import run_sql_file

SQL = Path(__file__).with_name("sql")

OLD_PAYMENT_GUARD = r"""
CREATE OR REPLACE FUNCTION disbursement_payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = OLD.batch_id) <> 'draft' THEN RAISE EXCEPTION 'disbursement: payments are added to or removed from a batch only while it is a draft' USING ERRCODE = 'check_violation'; END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) <> 'draft' THEN RAISE EXCEPTION 'disbursement: payments are added to or removed from a batch only while it is a draft' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.status <> 'pending' THEN RAISE EXCEPTION 'disbursement: a new payment is pending' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.state = 'final' AND c.amount = NEW.amount AND c.amount_currency = NEW.amount_currency) THEN RAISE EXCEPTION 'disbursement: a payment is for exactly the amount of a final award' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.entitlement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM disbursement_entitlement e WHERE e.id = NEW.entitlement_id
    AND e.amount = NEW.amount AND e.amount_currency = NEW.amount_currency) THEN RAISE EXCEPTION 'disbursement: a payment is for exactly the amount of its entitlement' USING ERRCODE = 'check_violation'; END IF;
    RETURN NEW;
  END IF;
  IF (NEW.batch_id <> OLD.batch_id OR NEW.household_id <> OLD.household_id
    OR COALESCE(NEW.case_id, -1) <> COALESCE(OLD.case_id, -1)
    OR COALESCE(NEW.entitlement_id, -1) <> COALESCE(OLD.entitlement_id, -1)
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.reference <> OLD.reference OR NEW.payee_name <> OLD.payee_name
    OR NEW.account_enc <> OLD.account_enc OR NEW.account_hash <> OLD.account_hash) THEN RAISE EXCEPTION 'disbursement: the batch, source, payee, account, reference and amount never change' USING ERRCODE = 'check_violation'; END IF;
  IF NOT (NEW.status = OLD.status
    OR OLD.status = 'pending' AND NEW.status = 'sent'
    OR OLD.status = 'sent' AND NEW.status IN ('paid', 'failed')
    OR OLD.status = 'failed' AND NEW.status = 'reissued') THEN RAISE EXCEPTION 'disbursement: payment status moves only pending > sent > paid or failed > reissued' USING ERRCODE = 'check_violation'; END IF;
  IF OLD.status = 'pending' AND NEW.status = 'sent'
     AND (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) NOT IN ('approved', 'exported') THEN
    RAISE EXCEPTION 'disbursement: only payments of an approved batch are sent to the bank' USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.status = 'paid' AND (COALESCE(NEW.entry_id, -1) <> COALESCE(OLD.entry_id, -1)
    OR NEW.bank_txn_id <> OLD.bank_txn_id OR NEW.paid_at <> OLD.paid_at)) THEN RAISE EXCEPTION 'disbursement: the booking of a paid payment never changes' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
"""
OLD_PAYMENT_TRIGGER = """
CREATE TRIGGER disbursement_payment_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_payment
       FOR EACH ROW EXECUTE FUNCTION disbursement_payment_guard();
"""
NEW_STATEMENT_GUARDS = [
    "disbursement_payment_insert_guard",
    "disbursement_payment_update_guard",
    "disbursement_payment_delete_guard",
]


def restore_row_checks(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in NEW_STATEMENT_GUARDS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON disbursement_payment")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        cursor.execute(OLD_PAYMENT_GUARD)
        cursor.execute("DROP TRIGGER IF EXISTS disbursement_payment_guard ON disbursement_payment")
        cursor.execute(OLD_PAYMENT_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("disbursement", "0002_database_guards")]
    operations = [
        migrations.RunPython(
            run_sql_file(SQL, "0003_payment_guards_per_statement"), restore_row_checks
        )
    ]
