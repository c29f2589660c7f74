-- disbursement 0002_database_guards: what it installs, as disbursement/dbguards.py installed it at 59a488e.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = OLD.batch_id) <> 'draft' THEN RAISE EXCEPTION 'disbursement: payments are added to or removed from a batch only while it is a draft' USING ERRCODE = 'check_violation'; END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) <> 'draft' THEN RAISE EXCEPTION 'disbursement: payments are added to or removed from a batch only while it is a draft' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.status <> 'pending' THEN RAISE EXCEPTION 'disbursement: a new payment is pending' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_case c WHERE c.id = NEW.case_id
    AND c.state = 'final' AND c.amount = NEW.amount AND c.amount_currency = NEW.amount_currency) THEN RAISE EXCEPTION 'disbursement: a payment is for exactly the amount of a final award' USING ERRCODE = 'check_violation'; END IF;
    IF NEW.entitlement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM disbursement_entitlement e WHERE e.id = NEW.entitlement_id
    AND e.amount = NEW.amount AND e.amount_currency = NEW.amount_currency) THEN RAISE EXCEPTION 'disbursement: a payment is for exactly the amount of its entitlement' USING ERRCODE = 'check_violation'; END IF;
    RETURN NEW;
  END IF;
  IF (NEW.batch_id <> OLD.batch_id OR NEW.household_id <> OLD.household_id
    OR COALESCE(NEW.case_id, -1) <> COALESCE(OLD.case_id, -1)
    OR COALESCE(NEW.entitlement_id, -1) <> COALESCE(OLD.entitlement_id, -1)
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.reference <> OLD.reference OR NEW.payee_name <> OLD.payee_name
    OR NEW.account_enc <> OLD.account_enc OR NEW.account_hash <> OLD.account_hash) THEN RAISE EXCEPTION 'disbursement: the batch, source, payee, account, reference and amount never change' USING ERRCODE = 'check_violation'; END IF;
  IF NOT (NEW.status = OLD.status
    OR OLD.status = 'pending' AND NEW.status = 'sent'
    OR OLD.status = 'sent' AND NEW.status IN ('paid', 'failed')
    OR OLD.status = 'failed' AND NEW.status = 'reissued') THEN RAISE EXCEPTION 'disbursement: payment status moves only pending > sent > paid or failed > reissued' USING ERRCODE = 'check_violation'; END IF;
  IF OLD.status = 'pending' AND NEW.status = 'sent'
     AND (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) NOT IN ('approved', 'exported') THEN
    RAISE EXCEPTION 'disbursement: only payments of an approved batch are sent to the bank' USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.status = 'paid' AND (COALESCE(NEW.entry_id, -1) <> COALESCE(OLD.entry_id, -1)
    OR NEW.bank_txn_id <> OLD.bank_txn_id OR NEW.paid_at <> OLD.paid_at)) THEN RAISE EXCEPTION 'disbursement: the booking of a paid payment never changes' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_guard ON disbursement_payment;
-- end of statement
CREATE TRIGGER disbursement_payment_guard
       BEFORE INSERT OR UPDATE OR DELETE ON disbursement_payment
       FOR EACH ROW EXECUTE FUNCTION disbursement_payment_guard();
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.status <> 'draft' AND NEW.status = 'draft'
    OR OLD.approved_by_id IS NOT NULL
       AND COALESCE(NEW.approved_by_id, -1) <> OLD.approved_by_id) THEN RAISE EXCEPTION 'disbursement: an approved batch never returns to draft and keeps its approver' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_batch_guard ON disbursement_payoutbatch;
-- end of statement
CREATE TRIGGER disbursement_batch_guard BEFORE UPDATE ON disbursement_payoutbatch
       FOR EACH ROW EXECUTE FUNCTION disbursement_batch_guard();
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

CREATE OR REPLACE FUNCTION disbursement_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'disbursement: enrolment history rows are never changed or deleted' USING ERRCODE = 'check_violation';
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_enrolmenthistory_append_only ON disbursement_enrolmenthistory;
-- end of statement
CREATE TRIGGER disbursement_enrolmenthistory_append_only
       BEFORE UPDATE OR DELETE ON disbursement_enrolmenthistory
       FOR EACH ROW EXECUTE FUNCTION disbursement_append_only();
-- end of statement
