-- disbursement 0016, last step (SQLite), and 0015 reversed, last step: the entitlement guard
-- "held" exactly as 0013 installed it (disbursement/dbguards.py is unchanged), set aside while the
-- confirmation objection table was rebuilt. Merged and spam objections are not open: they hold
-- nothing. PostgreSQL: nothing.
-- Frozen: never edit.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_held
-- end of statement
CREATE TRIGGER disbursement_entitlement_held BEFORE INSERT ON disbursement_entitlement WHEN EXISTS (SELECT 1 FROM disbursement_confirmation c
    JOIN disbursement_confirmationrow r ON r.confirmation_id = c.id
    WHERE c.cycle_id = NEW.cycle_id AND r.enrolment_id = NEW.enrolment_id
      AND (r.review_tier IS NOT NULL OR EXISTS (SELECT 1 FROM disbursement_confirmationobjection o
          WHERE o.row_id = r.id AND o.status = 'open'))) BEGIN SELECT RAISE(ABORT, 'disbursement: an entitlement is not booked for a row held by an objection'); END;
-- end of statement
