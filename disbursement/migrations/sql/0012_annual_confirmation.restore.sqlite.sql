-- disbursement 0012 reversed, last step (SQLite): the entitlement insert guard as 0004 installed it,
-- set aside while the enrolment table was rebuilt. PostgreSQL: nothing.
-- Frozen: never edit.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_ins
-- end of statement
CREATE TRIGGER disbursement_entitlement_ins BEFORE INSERT ON disbursement_entitlement WHEN NOT EXISTS (SELECT 1 FROM disbursement_cycle cy
    JOIN approvals_program p ON p.id = cy.program_id
    JOIN disbursement_enrolment en ON en.id = NEW.enrolment_id
    WHERE cy.id = NEW.cycle_id AND p.id = NEW.program_id AND en.program_id = p.id
      AND p.amount = NEW.amount AND p.amount_currency = NEW.amount_currency) BEGIN SELECT RAISE(ABORT, 'disbursement: an entitlement is for the amount of its program and is never changed'); END;
-- end of statement
