-- disbursement 0002_database_guards, reversed: drops what it installed (its drop() at 59a488e).
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_batch
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_del_batch
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_pending
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_case
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_entitlement
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_fixed
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_status
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_sent
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_paid
-- end of statement
DROP TRIGGER IF EXISTS disbursement_batch_upd
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_ins
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_upd
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_del
-- end of statement
DROP TRIGGER IF EXISTS disbursement_enrolmenthistory_upd
-- end of statement
DROP TRIGGER IF EXISTS disbursement_enrolmenthistory_del
-- end of statement
