-- ledger 0006_collection_guards, reversed: drops what it installed.
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_next_number
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_void_stays
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_frozen
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_no_delete
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_receipt_type
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_receipt_type
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_no_update
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_no_delete
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_no_update
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_no_delete
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_no_update
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_no_delete
-- end of statement
