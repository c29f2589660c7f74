-- approvals 0002_database_guards, reversed: drops what it installed (its drop() at 2127a28).
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS approvals_region_parent_insert
-- end of statement
DROP TRIGGER IF EXISTS approvals_casemember_insert
-- end of statement
DROP TRIGGER IF EXISTS approvals_region_parent_update
-- end of statement
DROP TRIGGER IF EXISTS approvals_casemember_update
-- end of statement
DROP TRIGGER IF EXISTS approvals_casehistory_no_update
-- end of statement
DROP TRIGGER IF EXISTS approvals_casehistory_no_delete
-- end of statement
DROP TRIGGER IF EXISTS approvals_caseapproval_no_update
-- end of statement
DROP TRIGGER IF EXISTS approvals_caseapproval_no_delete
-- end of statement
