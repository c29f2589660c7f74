-- approvals 0002_database_guards: what it installs, as approvals/dbguards.py installed it at 2127a28.
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS approvals_region_parent_insert
-- end of statement

CREATE TRIGGER approvals_region_parent_insert BEFORE INSERT ON approvals_region
WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_region p WHERE p.id = NEW.parent_id AND (
    (NEW.level = 'township' AND p.level = 'county' AND substr(NEW.code, 1, 6) = substr(p.code, 1, 6))
 OR (NEW.level = 'village' AND p.level = 'township' AND substr(NEW.code, 1, 9) = substr(p.code, 1, 9))))
BEGIN SELECT RAISE(ABORT, 'approvals: a region sits directly below a region one level up and starts with its code prefix'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_casemember_insert
-- end of statement

CREATE TRIGGER approvals_casemember_insert BEFORE INSERT ON approvals_casemember
WHEN NOT EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.program_id = NEW.program_id AND c.cycle = NEW.cycle
    AND (NOT NEW.is_open OR c.state NOT IN ('rejected', 'withdrawn', 'cancelled')))
BEGIN SELECT RAISE(ABORT, 'approvals: a case member copies the program and cycle of its case and is open only while the case is open'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_region_parent_update
-- end of statement

CREATE TRIGGER approvals_region_parent_update BEFORE UPDATE ON approvals_region
WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_region p WHERE p.id = NEW.parent_id AND (
    (NEW.level = 'township' AND p.level = 'county' AND substr(NEW.code, 1, 6) = substr(p.code, 1, 6))
 OR (NEW.level = 'village' AND p.level = 'township' AND substr(NEW.code, 1, 9) = substr(p.code, 1, 9))))
BEGIN SELECT RAISE(ABORT, 'approvals: a region sits directly below a region one level up and starts with its code prefix'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_casemember_update
-- end of statement

CREATE TRIGGER approvals_casemember_update BEFORE UPDATE ON approvals_casemember
WHEN NOT EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.program_id = NEW.program_id AND c.cycle = NEW.cycle
    AND (NOT NEW.is_open OR c.state NOT IN ('rejected', 'withdrawn', 'cancelled')))
BEGIN SELECT RAISE(ABORT, 'approvals: a case member copies the program and cycle of its case and is open only while the case is open'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_casehistory_no_update
-- end of statement

CREATE TRIGGER approvals_casehistory_no_update BEFORE UPDATE ON approvals_casehistory
BEGIN SELECT RAISE(ABORT, 'approvals: case history rows are never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_casehistory_no_delete
-- end of statement

CREATE TRIGGER approvals_casehistory_no_delete BEFORE DELETE ON approvals_casehistory
BEGIN SELECT RAISE(ABORT, 'approvals: case history rows are never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_caseapproval_no_update
-- end of statement

CREATE TRIGGER approvals_caseapproval_no_update BEFORE UPDATE ON approvals_caseapproval
BEGIN SELECT RAISE(ABORT, 'approvals: case approvals rows are never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_caseapproval_no_delete
-- end of statement

CREATE TRIGGER approvals_caseapproval_no_delete BEFORE DELETE ON approvals_caseapproval
BEGIN SELECT RAISE(ABORT, 'approvals: case approvals rows are never changed or deleted'); END;
-- end of statement
