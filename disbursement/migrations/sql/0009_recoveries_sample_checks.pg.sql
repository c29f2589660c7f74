-- disbursement/dbguards.py RECOVERY (disbursement.recovery) as of migration 0008: recoveries,
-- refunds and sample check lines. Frozen: never edited.
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_recovery_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'disbursement: what a recovery is for, and its amount and maker, never change' USING ERRCODE = 'check_violation'; END IF;
  IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (SELECT 1 FROM disbursement_payment p WHERE p.id = NEW.payment_id
    AND p.status = 'paid' AND p.amount_currency = NEW.amount_currency
    AND NEW.amount <= p.amount) THEN RAISE EXCEPTION 'disbursement: a recovery is for a paid payment and at most its amount' USING ERRCODE = 'check_violation'; END IF;
    RETURN NEW;
  END IF;
  IF (NEW.payment_id <> OLD.payment_id OR NEW.person_id <> OLD.person_id
    OR NEW.fund_id <> OLD.fund_id OR NEW.expense_account <> OLD.expense_account
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.created_by_id <> OLD.created_by_id) THEN RAISE EXCEPTION 'disbursement: what a recovery is for, and its amount and maker, never change' USING ERRCODE = 'check_violation'; END IF;
  IF (NEW.status = 'settled' AND OLD.status <> 'settled'
    AND (SELECT COALESCE(SUM(f.amount), 0) FROM disbursement_recoveryrefund f
    WHERE f.recovery_id = NEW.id) <> NEW.amount) THEN RAISE EXCEPTION 'disbursement: a recovery is settled only when its refunds add up to its amount' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_recovery_guard ON disbursement_recovery;
-- end of statement
CREATE TRIGGER disbursement_recovery_guard BEFORE INSERT OR UPDATE OR DELETE ON disbursement_recovery
       FOR EACH ROW EXECUTE FUNCTION disbursement_recovery_guard();
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_refund_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN RAISE EXCEPTION 'disbursement: a refund is never changed or deleted' USING ERRCODE = 'check_violation'; END IF;
  -- Two refunds at once: the second waits here for the first's commit, then sees its sum.
  PERFORM 1 FROM disbursement_recovery WHERE id = NEW.recovery_id FOR UPDATE;
  IF NOT EXISTS (SELECT 1 FROM disbursement_recovery r WHERE r.id = NEW.recovery_id
    AND r.status = 'open' AND r.amount_currency = NEW.amount_currency
    AND (SELECT COALESCE(SUM(f.amount), 0) FROM disbursement_recoveryrefund f
          WHERE f.recovery_id = NEW.recovery_id) + NEW.amount <= r.amount) THEN RAISE EXCEPTION 'disbursement: a refund goes to an open recovery and refunds never exceed what it claims' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_refund_guard ON disbursement_recoveryrefund;
-- end of statement
CREATE TRIGGER disbursement_refund_guard BEFORE INSERT OR UPDATE OR DELETE ON disbursement_recoveryrefund
       FOR EACH ROW EXECUTE FUNCTION disbursement_refund_guard();
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_sampleline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.checked_by_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM disbursement_samplecheck s
      JOIN disbursement_payoutbatch b ON b.id = s.batch_id
     WHERE s.id = NEW.sample_id AND b.built_by_id = NEW.checked_by_id) THEN RAISE EXCEPTION 'disbursement: a sample check is recorded by someone who did not build the batch' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_sampleline_guard ON disbursement_samplecheckline;
-- end of statement
CREATE TRIGGER disbursement_sampleline_guard
       BEFORE INSERT OR UPDATE ON disbursement_samplecheckline
       FOR EACH ROW EXECUTE FUNCTION disbursement_sampleline_guard();
-- end of statement
