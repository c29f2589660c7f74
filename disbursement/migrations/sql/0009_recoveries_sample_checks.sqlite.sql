-- disbursement/dbguards.py RECOVERY (disbursement.recovery) as of migration 0008: recoveries,
-- refunds and sample check lines. Frozen: never edited.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_ins
-- end of statement
CREATE TRIGGER disbursement_recovery_ins BEFORE INSERT ON disbursement_recovery WHEN NOT EXISTS (SELECT 1 FROM disbursement_payment p WHERE p.id = NEW.payment_id
    AND p.status = 'paid' AND p.amount_currency = NEW.amount_currency
    AND NEW.amount <= p.amount) BEGIN SELECT RAISE(ABORT, 'disbursement: a recovery is for a paid payment and at most its amount'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_fixed
-- end of statement
CREATE TRIGGER disbursement_recovery_fixed BEFORE UPDATE ON disbursement_recovery WHEN (NEW.payment_id <> OLD.payment_id OR NEW.person_id <> OLD.person_id
    OR NEW.fund_id <> OLD.fund_id OR NEW.expense_account <> OLD.expense_account
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.created_by_id <> OLD.created_by_id) BEGIN SELECT RAISE(ABORT, 'disbursement: what a recovery is for, and its amount and maker, never change'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_settled
-- end of statement
CREATE TRIGGER disbursement_recovery_settled BEFORE UPDATE ON disbursement_recovery WHEN (NEW.status = 'settled' AND OLD.status <> 'settled'
    AND (SELECT COALESCE(SUM(f.amount), 0) FROM disbursement_recoveryrefund f
    WHERE f.recovery_id = NEW.id) <> NEW.amount) BEGIN SELECT RAISE(ABORT, 'disbursement: a recovery is settled only when its refunds add up to its amount'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_del
-- end of statement
CREATE TRIGGER disbursement_recovery_del BEFORE DELETE ON disbursement_recovery  BEGIN SELECT RAISE(ABORT, 'disbursement: what a recovery is for, and its amount and maker, never change'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_ins
-- end of statement
CREATE TRIGGER disbursement_refund_ins BEFORE INSERT ON disbursement_recoveryrefund WHEN NOT EXISTS (SELECT 1 FROM disbursement_recovery r WHERE r.id = NEW.recovery_id
    AND r.status = 'open' AND r.amount_currency = NEW.amount_currency
    AND (SELECT COALESCE(SUM(f.amount), 0) FROM disbursement_recoveryrefund f
          WHERE f.recovery_id = NEW.recovery_id) + NEW.amount <= r.amount) BEGIN SELECT RAISE(ABORT, 'disbursement: a refund goes to an open recovery and refunds never exceed what it claims'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_upd
-- end of statement
CREATE TRIGGER disbursement_refund_upd BEFORE UPDATE ON disbursement_recoveryrefund  BEGIN SELECT RAISE(ABORT, 'disbursement: a refund is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_del
-- end of statement
CREATE TRIGGER disbursement_refund_del BEFORE DELETE ON disbursement_recoveryrefund  BEGIN SELECT RAISE(ABORT, 'disbursement: a refund is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_sampleline_ins
-- end of statement
CREATE TRIGGER disbursement_sampleline_ins BEFORE INSERT ON disbursement_samplecheckline WHEN NEW.checked_by_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM disbursement_samplecheck s
      JOIN disbursement_payoutbatch b ON b.id = s.batch_id
     WHERE s.id = NEW.sample_id AND b.built_by_id = NEW.checked_by_id) BEGIN SELECT RAISE(ABORT, 'disbursement: a sample check is recorded by someone who did not build the batch'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_sampleline_upd
-- end of statement
CREATE TRIGGER disbursement_sampleline_upd BEFORE UPDATE ON disbursement_samplecheckline WHEN NEW.checked_by_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM disbursement_samplecheck s
      JOIN disbursement_payoutbatch b ON b.id = s.batch_id
     WHERE s.id = NEW.sample_id AND b.built_by_id = NEW.checked_by_id) BEGIN SELECT RAISE(ABORT, 'disbursement: a sample check is recorded by someone who did not build the batch'); END;
-- end of statement
