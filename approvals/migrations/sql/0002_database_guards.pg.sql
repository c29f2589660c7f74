-- approvals 0002_database_guards: what it installs, as approvals/dbguards.py installed it at 2127a28.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement

CREATE OR REPLACE FUNCTION approvals_region_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_region p WHERE p.id = NEW.parent_id AND (
    (NEW.level = 'township' AND p.level = 'county' AND substr(NEW.code, 1, 6) = substr(p.code, 1, 6))
 OR (NEW.level = 'village' AND p.level = 'township' AND substr(NEW.code, 1, 9) = substr(p.code, 1, 9)))) THEN
    RAISE EXCEPTION 'approvals: a region sits directly below a region one level up and starts with its code prefix (region %)', NEW.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS approvals_region_guard ON approvals_region;
-- end of statement
CREATE TRIGGER approvals_region_guard BEFORE INSERT OR UPDATE ON approvals_region
       FOR EACH ROW EXECUTE FUNCTION approvals_region_guard();
-- end of statement

CREATE OR REPLACE FUNCTION approvals_casemember_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.program_id = NEW.program_id AND c.cycle = NEW.cycle
    AND (NOT NEW.is_open OR c.state NOT IN ('rejected', 'withdrawn', 'cancelled'))) THEN
    RAISE EXCEPTION 'approvals: a case member copies the program and cycle of its case and is open only while the case is open (case %)', NEW.case_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS approvals_casemember_guard ON approvals_casemember;
-- end of statement
CREATE TRIGGER approvals_casemember_guard BEFORE INSERT OR UPDATE ON approvals_casemember
       FOR EACH ROW EXECUTE FUNCTION approvals_casemember_guard();
-- end of statement

CREATE OR REPLACE FUNCTION approvals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'approvals: % rows are never changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END $$;
-- end of statement
DROP TRIGGER IF EXISTS approvals_casehistory_append_only ON approvals_casehistory;
-- end of statement
CREATE TRIGGER approvals_casehistory_append_only BEFORE UPDATE OR DELETE ON approvals_casehistory
       FOR EACH ROW EXECUTE FUNCTION approvals_append_only();
-- end of statement
DROP TRIGGER IF EXISTS approvals_caseapproval_append_only ON approvals_caseapproval;
-- end of statement
CREATE TRIGGER approvals_caseapproval_append_only BEFORE UPDATE OR DELETE ON approvals_caseapproval
       FOR EACH ROW EXECUTE FUNCTION approvals_append_only();
-- end of statement
