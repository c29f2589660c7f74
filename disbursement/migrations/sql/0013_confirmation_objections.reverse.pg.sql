-- disbursement 0013 reversed: the entitlement guard of 0012 comes back (a copy of
-- sql/0012_annual_confirmation), and on SQLite the held-row trigger is dropped. Frozen: never edit.
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_entitlement_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' OR NOT EXISTS (SELECT 1 FROM disbursement_cycle cy
    JOIN approvals_program p ON p.id = cy.program_id
    JOIN disbursement_enrolment en ON en.id = NEW.enrolment_id
    WHERE cy.id = NEW.cycle_id AND p.id = NEW.program_id AND en.program_id = p.id
      AND p.amount = NEW.amount AND p.amount_currency = NEW.amount_currency) THEN RAISE EXCEPTION 'disbursement: an entitlement is for the amount of its program and is never changed' USING ERRCODE = 'check_violation'; END IF;
  IF NOT EXISTS (SELECT 1 FROM disbursement_confirmation c
    JOIN disbursement_confirmationrow r ON r.confirmation_id = c.id
    WHERE c.cycle_id = NEW.cycle_id AND c.status = 'approved'
      AND r.enrolment_id = NEW.enrolment_id AND r.outcome IN ('continued', 'new')) THEN RAISE EXCEPTION 'disbursement: an entitlement is booked only for a confirmed beneficiary of an approved cycle' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_guard ON disbursement_entitlement;
-- end of statement
CREATE TRIGGER disbursement_entitlement_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_entitlement
       FOR EACH ROW EXECUTE FUNCTION disbursement_entitlement_guard();
-- end of statement
