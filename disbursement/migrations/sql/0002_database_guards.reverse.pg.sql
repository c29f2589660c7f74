-- disbursement 0002_database_guards, reversed: drops what it installed (its drop() at 59a488e).
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_guard ON disbursement_payment
-- end of statement
DROP TRIGGER IF EXISTS disbursement_batch_guard ON disbursement_payoutbatch
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_guard ON disbursement_entitlement
-- end of statement
DROP TRIGGER IF EXISTS disbursement_enrolmenthistory_append_only ON disbursement_enrolmenthistory
-- end of statement
DROP FUNCTION IF EXISTS disbursement_payment_guard()
-- end of statement
DROP FUNCTION IF EXISTS disbursement_batch_guard()
-- end of statement
DROP FUNCTION IF EXISTS disbursement_entitlement_guard()
-- end of statement
DROP FUNCTION IF EXISTS disbursement_append_only()
-- end of statement
