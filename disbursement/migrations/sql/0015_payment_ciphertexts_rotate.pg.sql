-- disbursement 0015: the payment guards re-installed whole, as disbursement/dbguards.py installs them: a payment's
-- ciphertexts (account_enc, payee_id_enc) may be re-encrypted by a key rotation; their hashes stay frozen.
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_payment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Before each new row, so that the batch rule speaks before the unique indexes; the rest of
  -- an insert is checked per statement (disbursement_payment_insert_guard).
  IF (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) IS DISTINCT FROM 'draft' THEN RAISE EXCEPTION 'disbursement: payments are added to or removed from a batch only while it is a draft' USING ERRCODE = 'check_violation'; END IF;
  RETURN NEW;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_guard ON disbursement_payment;
-- end of statement
CREATE TRIGGER disbursement_payment_guard
       BEFORE INSERT ON disbursement_payment
       FOR EACH ROW EXECUTE FUNCTION disbursement_payment_guard();
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_payment_insert_guard() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  v_pending boolean;
  v_case boolean;
  v_entitlement boolean;
BEGIN
  -- EXECUTE: planned for this statement's rows (see _PLAN_EACH_TIME).
  EXECUTE $q$
    SELECT COALESCE(bool_or(n.status <> 'pending'), false),
           COALESCE(bool_or(n.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_case c
    JOIN ledger_journalline l ON l.entry_id = c.award_entry_id
    JOIN ledger_account a ON a.id = l.account_id
    WHERE c.id = n.case_id AND c.state = 'final' AND a.code = '2201' AND l.side = 'C'
      AND l.amount = n.amount AND l.amount_currency = n.amount_currency)), false),
           COALESCE(bool_or(n.entitlement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM disbursement_entitlement e WHERE e.id = n.entitlement_id
    AND e.amount = n.amount AND e.amount_currency = n.amount_currency)),
                    false)
    FROM new_payments n
  $q$ INTO v_pending, v_case, v_entitlement;
  IF v_pending THEN RAISE EXCEPTION 'disbursement: a new payment is pending' USING ERRCODE = 'check_violation'; END IF;
  IF v_case THEN RAISE EXCEPTION 'disbursement: a payment is for exactly the amount of a final award' USING ERRCODE = 'check_violation'; END IF;
  IF v_entitlement THEN RAISE EXCEPTION 'disbursement: a payment is for exactly the amount of its entitlement' USING ERRCODE = 'check_violation'; END IF;
  RETURN NULL;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_insert_guard ON disbursement_payment;
-- end of statement
CREATE TRIGGER disbursement_payment_insert_guard
       AFTER INSERT ON disbursement_payment REFERENCING NEW TABLE AS new_payments
       FOR EACH STATEMENT EXECUTE FUNCTION disbursement_payment_insert_guard();
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_payment_update_guard() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  v_fixed boolean;
  v_status boolean;
  v_sent boolean;
  v_paid boolean;
  v_settled boolean;
BEGIN
  -- Each new row beside its old one, paired by the reference (unique, and never changed: a
  -- row whose reference changed finds no old row, and that is refused as a change).
  -- EXECUTE: planned for this statement's rows (see _PLAN_EACH_TIME).
  EXECUTE $q$
    SELECT COALESCE(bool_or(o.id IS NULL OR (n.batch_id <> o.batch_id OR n.household_id <> o.household_id
    OR COALESCE(n.case_id, -1) <> COALESCE(o.case_id, -1)
    OR COALESCE(n.entitlement_id, -1) <> COALESCE(o.entitlement_id, -1)
    OR n.amount <> o.amount OR n.amount_currency <> o.amount_currency
    OR n.reference <> o.reference OR n.payee_name <> o.payee_name
    OR n.account_hash <> o.account_hash
    OR n.payee_id <> o.payee_id
    OR n.account_owner <> o.account_owner)), false),
           COALESCE(bool_or(NOT (n.status = o.status
    OR o.status = 'pending' AND n.status = 'sent'
    OR o.status = 'sent' AND n.status IN ('paid', 'failed')
    OR o.status = 'failed' AND n.status = 'reissued')), false),
           COALESCE(bool_or(o.status = 'pending' AND n.status = 'sent'
                            AND b.status NOT IN ('approved', 'exported')), false),
           COALESCE(bool_or((o.status = 'paid' AND (COALESCE(n.entry_id, -1) <> COALESCE(o.entry_id, -1)
    OR n.bank_txn_id <> o.bank_txn_id OR n.paid_at <> o.paid_at))), false),
           COALESCE(bool_or((o.status = 'sent' AND n.status IN ('paid', 'failed')
    AND NOT EXISTS (SELECT 1 FROM disbursement_bankresultimport i
        WHERE i.id = n.result_import_id AND i.batch_id = n.batch_id
          AND i.status = 'applying')
    OR o.status IN ('paid', 'failed', 'reissued')
    AND COALESCE(n.result_import_id, -1) <> COALESCE(o.result_import_id, -1))), false)
    FROM new_payments n
    LEFT JOIN old_payments o ON o.reference = n.reference
    LEFT JOIN disbursement_payoutbatch b ON b.id = n.batch_id
  $q$ INTO v_fixed, v_status, v_sent, v_paid, v_settled;
  IF v_fixed THEN RAISE EXCEPTION 'disbursement: the batch, source, payee, account, reference and amount never change' USING ERRCODE = 'check_violation'; END IF;
  IF v_status THEN RAISE EXCEPTION 'disbursement: payment status moves only pending > sent > paid or failed > reissued' USING ERRCODE = 'check_violation'; END IF;
  IF v_sent THEN RAISE EXCEPTION 'disbursement: only payments of an approved batch are sent to the bank' USING ERRCODE = 'check_violation'; END IF;
  IF v_paid THEN RAISE EXCEPTION 'disbursement: the booking of a paid payment never changes' USING ERRCODE = 'check_violation'; END IF;
  IF v_settled THEN RAISE EXCEPTION 'disbursement: a payment is paid or failed by one result import of its batch being applied, and that import never changes' USING ERRCODE = 'check_violation'; END IF;
  RETURN NULL;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_update_guard ON disbursement_payment;
-- end of statement
CREATE TRIGGER disbursement_payment_update_guard
       AFTER UPDATE ON disbursement_payment
       REFERENCING OLD TABLE AS old_payments NEW TABLE AS new_payments
       FOR EACH STATEMENT EXECUTE FUNCTION disbursement_payment_update_guard();
-- end of statement

CREATE OR REPLACE FUNCTION disbursement_payment_delete_guard() RETURNS trigger
LANGUAGE plpgsql SET work_mem = '64MB' SET jit = off AS $$
DECLARE
  v_added boolean;
BEGIN
  -- EXECUTE: planned for this statement's rows (see _PLAN_EACH_TIME).
  EXECUTE $q$
    SELECT EXISTS (SELECT 1 FROM old_payments o
                   JOIN disbursement_payoutbatch b ON b.id = o.batch_id
                   WHERE b.status <> 'draft')
  $q$ INTO v_added;
  IF v_added THEN RAISE EXCEPTION 'disbursement: payments are added to or removed from a batch only while it is a draft' USING ERRCODE = 'check_violation'; END IF;
  RETURN NULL;
END $$;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_delete_guard ON disbursement_payment;
-- end of statement
CREATE TRIGGER disbursement_payment_delete_guard
       AFTER DELETE ON disbursement_payment REFERENCING OLD TABLE AS old_payments
       FOR EACH STATEMENT EXECUTE FUNCTION disbursement_payment_delete_guard();
-- end of statement
