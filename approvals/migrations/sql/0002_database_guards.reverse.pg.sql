-- approvals 0002_database_guards, reversed: drops what it installed (its drop() at 2127a28).
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS approvals_region_guard ON approvals_region
-- end of statement
DROP TRIGGER IF EXISTS approvals_casemember_guard ON approvals_casemember
-- end of statement
DROP TRIGGER IF EXISTS approvals_casehistory_append_only ON approvals_casehistory
-- end of statement
DROP TRIGGER IF EXISTS approvals_caseapproval_append_only ON approvals_caseapproval
-- end of statement
DROP FUNCTION IF EXISTS approvals_region_guard()
-- end of statement
DROP FUNCTION IF EXISTS approvals_casemember_guard()
-- end of statement
DROP FUNCTION IF EXISTS approvals_append_only()
-- end of statement
