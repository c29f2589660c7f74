-- ledger 0007, first step: drops the ledger guards (ledger/dbguards.py drop() at 5efc6d6) before the tables change.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_guard ON ledger_journalentry
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_post_check ON ledger_journalentry
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_guard ON ledger_journalline
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_insert_check ON ledger_journalline
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_guard ON ledger_balance
-- end of statement
DROP TRIGGER IF EXISTS ledger_period_guard ON ledger_period
-- end of statement
DROP TRIGGER IF EXISTS ledger_audit_guard ON ledger_auditevent
-- end of statement
DROP TRIGGER IF EXISTS ledger_account_code_frozen ON ledger_account
-- end of statement
DROP TRIGGER IF EXISTS ledger_fund_code_frozen ON ledger_fund
-- end of statement
