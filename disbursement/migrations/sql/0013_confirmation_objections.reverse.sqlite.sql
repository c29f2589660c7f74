-- disbursement 0013 reversed: the entitlement guard of 0012 comes back (a copy of
-- sql/0012_annual_confirmation), and on SQLite the held-row trigger is dropped. Frozen: never edit.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_held
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_ins
-- end of statement
CREATE TRIGGER disbursement_entitlement_ins BEFORE INSERT ON disbursement_entitlement WHEN NOT EXISTS (SELECT 1 FROM disbursement_cycle cy
    JOIN approvals_program p ON p.id = cy.program_id
    JOIN disbursement_enrolment en ON en.id = NEW.enrolment_id
    WHERE cy.id = NEW.cycle_id AND p.id = NEW.program_id AND en.program_id = p.id
      AND p.amount = NEW.amount AND p.amount_currency = NEW.amount_currency) BEGIN SELECT RAISE(ABORT, 'disbursement: an entitlement is for the amount of its program and is never changed'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_confirmed
-- end of statement
CREATE TRIGGER disbursement_entitlement_confirmed BEFORE INSERT ON disbursement_entitlement WHEN NOT EXISTS (SELECT 1 FROM disbursement_confirmation c
    JOIN disbursement_confirmationrow r ON r.confirmation_id = c.id
    WHERE c.cycle_id = NEW.cycle_id AND c.status = 'approved'
      AND r.enrolment_id = NEW.enrolment_id AND r.outcome IN ('continued', 'new')) BEGIN SELECT RAISE(ABORT, 'disbursement: an entitlement is booked only for a confirmed beneficiary of an approved cycle'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_upd
-- end of statement
CREATE TRIGGER disbursement_entitlement_upd BEFORE UPDATE ON disbursement_entitlement  BEGIN SELECT RAISE(ABORT, 'disbursement: an entitlement is for the amount of its program and is never changed'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_del
-- end of statement
CREATE TRIGGER disbursement_entitlement_del BEFORE DELETE ON disbursement_entitlement  BEGIN SELECT RAISE(ABORT, 'disbursement: an entitlement is for the amount of its program and is never changed'); END;
-- end of statement
