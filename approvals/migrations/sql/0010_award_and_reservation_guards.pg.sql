-- approvals 0010: what it installs, as approvals/dbguards.py installs it (sets approvals.award and approvals.reservation).
-- Statements in order, each ending at a line '-- end of statement' (read by common.dbguards.read_sql_file).
-- Frozen: never edit; a change is a new migration.
-- end of statement

CREATE OR REPLACE FUNCTION approvals_award_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.award_entry_id IS NOT NULL THEN
      IF (NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.program_id <> OLD.program_id OR NEW.award_entry_id IS NULL
    OR NEW.award_entry_id <> OLD.award_entry_id) THEN
        RAISE EXCEPTION 'approvals: a final award keeps the amount, currency, program and entry the ledger booked (case %)', OLD.number USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END IF;
  END IF;
  IF NEW.award_entry_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_journalentry e
    JOIN ledger_journalline l ON l.entry_id = e.id
    JOIN ledger_account a ON a.id = l.account_id
    JOIN approvals_program p ON p.id = NEW.program_id
    WHERE e.id = NEW.award_entry_id AND e.status = 'posted' AND a.code = '2201'
      AND l.side = 'C' AND l.fund_id = p.fund_id
      AND l.amount = NEW.amount AND l.amount_currency = NEW.amount_currency) THEN
    RAISE EXCEPTION 'approvals: a final award keeps the amount, currency, program and entry the ledger booked (case %)', NEW.number USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_guard ON approvals_case;
-- end of statement
CREATE TRIGGER approvals_award_guard BEFORE INSERT OR UPDATE ON approvals_case
       FOR EACH ROW EXECUTE FUNCTION approvals_award_guard();
-- end of statement

CREATE OR REPLACE FUNCTION approvals_program_fund_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM approvals_case c
    WHERE c.program_id = OLD.id AND c.award_entry_id IS NOT NULL) THEN
    RAISE EXCEPTION 'approvals: a program keeps its fund once one of its awards is booked (program %)', OLD.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS approvals_program_fund_guard ON approvals_program;
-- end of statement
CREATE TRIGGER approvals_program_fund_guard BEFORE UPDATE OF fund_id ON approvals_program
       FOR EACH ROW WHEN (NEW.fund_id IS DISTINCT FROM OLD.fund_id)
       EXECUTE FUNCTION approvals_program_fund_guard();
-- end of statement

CREATE OR REPLACE FUNCTION approvals_reservation_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR TG_OP = 'INSERT' AND NOT NEW.active
     OR TG_OP = 'UPDATE' AND (NEW.case_id <> OLD.case_id OR NEW.fund_id <> OLD.fund_id
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.created_at <> OLD.created_at OR NEW.id <> OLD.id
    OR NOT OLD.active
    OR NEW.active AND (NEW.released_at IS NOT NULL OR NEW.release_reason <> OLD.release_reason)) THEN
    RAISE EXCEPTION 'approvals: a reservation is never deleted; it is released once and otherwise never changes' USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_guard ON approvals_reservation;
-- end of statement
CREATE TRIGGER approvals_reservation_guard
       BEFORE INSERT OR UPDATE OR DELETE ON approvals_reservation
       FOR EACH ROW EXECUTE FUNCTION approvals_reservation_guard();
-- end of statement
