-- ledger 0008, last step reversed: drops the ledger guards before the lines table changes back,
-- and the functions 0007 did not have.
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_insert_draft
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_posted_frozen
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_posted_nodelete
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_post_check
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_with_lines_nodelete
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_id_frozen
-- end of statement
DROP TRIGGER IF EXISTS ledger_account_referenced
-- end of statement
DROP TRIGGER IF EXISTS ledger_account_renumbered
-- end of statement
DROP TRIGGER IF EXISTS ledger_fund_referenced
-- end of statement
DROP TRIGGER IF EXISTS ledger_fund_renumbered
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_no_update
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_no_delete
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_insert_check
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_insert_check
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_update_check
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_count_insert
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_count_update
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_no_delete
-- end of statement
DROP TRIGGER IF EXISTS ledger_period_closed_frozen
-- end of statement
DROP TRIGGER IF EXISTS ledger_period_closed_nodelete
-- end of statement
DROP TRIGGER IF EXISTS ledger_period_no_overlap_insert
-- end of statement
DROP TRIGGER IF EXISTS ledger_period_no_overlap_update
-- end of statement
DROP TRIGGER IF EXISTS ledger_account_code_frozen
-- end of statement
DROP TRIGGER IF EXISTS ledger_fund_code_frozen
-- end of statement
DROP TRIGGER IF EXISTS ledger_audit_no_update
-- end of statement
DROP TRIGGER IF EXISTS ledger_audit_no_delete
-- end of statement
