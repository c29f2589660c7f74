-- ledger 0006_collection_guards, reversed: drops what it installed.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_guard ON ledger_receipt
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_guard ON ledger_donation
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_guard ON ledger_allocation
-- end of statement
DROP TRIGGER IF EXISTS collection_deposit_guard ON ledger_cashdeposit
-- end of statement
DROP FUNCTION IF EXISTS collection_receipt_guard();
-- end of statement
DROP FUNCTION IF EXISTS collection_record_guard();
-- end of statement
