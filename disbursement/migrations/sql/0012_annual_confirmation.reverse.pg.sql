-- disbursement 0012 reversed: the entitlement guard as disbursement/dbguards.py installed it before
-- the annual confirmation (issue 11 point 4). SQLite drops the confirmation trigger and sets the
-- insert guard aside while the enrolment table is rebuilt (.restore puts it back, last).
-- Statements end at a line '-- end of statement'. Frozen: never edit.
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_entitlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' OR NOT EXISTS (SELECT 1 FROM disbursement_cycle cy
    JOIN approvals_program p ON p.id = cy.program_id
    JOIN disbursement_enrolment en ON en.id = NEW.enrolment_id
    WHERE cy.id = NEW.cycle_id AND p.id = NEW.program_id AND en.program_id = p.id
      AND p.amount = NEW.amount AND p.amount_currency = NEW.amount_currency) THEN RAISE EXCEPTION 'disbursement: an entitlement is for the amount of its program and is never changed' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_guard ON disbursement_entitlement;
-- end of statement
CREATE TRIGGER disbursement_entitlement_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_entitlement
       FOR EACH ROW EXECUTE FUNCTION disbursement_entitlement_guard();
-- end of statement
