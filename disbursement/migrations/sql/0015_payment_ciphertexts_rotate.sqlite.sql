-- disbursement 0015: the payment guards re-installed whole, as disbursement/dbguards.py installs them: a payment's
-- ciphertexts (account_enc, payee_id_enc) may be re-encrypted by a key rotation; their hashes stay frozen.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_batch
-- end of statement
CREATE TRIGGER disbursement_payment_ins_batch BEFORE INSERT ON disbursement_payment WHEN (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) <> 'draft' BEGIN SELECT RAISE(ABORT, 'disbursement: payments are added to or removed from a batch only while it is a draft'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_del_batch
-- end of statement
CREATE TRIGGER disbursement_payment_del_batch BEFORE DELETE ON disbursement_payment WHEN (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = OLD.batch_id) <> 'draft' BEGIN SELECT RAISE(ABORT, 'disbursement: payments are added to or removed from a batch only while it is a draft'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_pending
-- end of statement
CREATE TRIGGER disbursement_payment_ins_pending BEFORE INSERT ON disbursement_payment WHEN NEW.status <> 'pending' BEGIN SELECT RAISE(ABORT, 'disbursement: a new payment is pending'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_case
-- end of statement
CREATE TRIGGER disbursement_payment_ins_case BEFORE INSERT ON disbursement_payment WHEN NEW.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM approvals_case c
    JOIN ledger_journalline l ON l.entry_id = c.award_entry_id
    JOIN ledger_account a ON a.id = l.account_id
    WHERE c.id = NEW.case_id AND c.state = 'final' AND a.code = '2201' AND l.side = 'C'
      AND l.amount = NEW.amount AND l.amount_currency = NEW.amount_currency) BEGIN SELECT RAISE(ABORT, 'disbursement: a payment is for exactly the amount of a final award'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_ins_entitlement
-- end of statement
CREATE TRIGGER disbursement_payment_ins_entitlement BEFORE INSERT ON disbursement_payment WHEN NEW.entitlement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM disbursement_entitlement e WHERE e.id = NEW.entitlement_id
    AND e.amount = NEW.amount AND e.amount_currency = NEW.amount_currency) BEGIN SELECT RAISE(ABORT, 'disbursement: a payment is for exactly the amount of its entitlement'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_fixed
-- end of statement
CREATE TRIGGER disbursement_payment_upd_fixed BEFORE UPDATE ON disbursement_payment WHEN (NEW.batch_id <> OLD.batch_id OR NEW.household_id <> OLD.household_id
    OR COALESCE(NEW.case_id, -1) <> COALESCE(OLD.case_id, -1)
    OR COALESCE(NEW.entitlement_id, -1) <> COALESCE(OLD.entitlement_id, -1)
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.reference <> OLD.reference OR NEW.payee_name <> OLD.payee_name
    OR NEW.account_hash <> OLD.account_hash
    OR NEW.payee_id <> OLD.payee_id
    OR NEW.account_owner <> OLD.account_owner) BEGIN SELECT RAISE(ABORT, 'disbursement: the batch, source, payee, account, reference and amount never change'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_status
-- end of statement
CREATE TRIGGER disbursement_payment_upd_status BEFORE UPDATE ON disbursement_payment WHEN NOT (NEW.status = OLD.status
    OR OLD.status = 'pending' AND NEW.status = 'sent'
    OR OLD.status = 'sent' AND NEW.status IN ('paid', 'failed')
    OR OLD.status = 'failed' AND NEW.status = 'reissued') BEGIN SELECT RAISE(ABORT, 'disbursement: payment status moves only pending > sent > paid or failed > reissued'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_sent
-- end of statement
CREATE TRIGGER disbursement_payment_upd_sent BEFORE UPDATE ON disbursement_payment WHEN OLD.status = 'pending' AND NEW.status = 'sent' AND (SELECT b.status FROM disbursement_payoutbatch b WHERE b.id = NEW.batch_id) NOT IN ('approved', 'exported') BEGIN SELECT RAISE(ABORT, 'disbursement: only payments of an approved batch are sent to the bank'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_paid
-- end of statement
CREATE TRIGGER disbursement_payment_upd_paid BEFORE UPDATE ON disbursement_payment WHEN (OLD.status = 'paid' AND (COALESCE(NEW.entry_id, -1) <> COALESCE(OLD.entry_id, -1)
    OR NEW.bank_txn_id <> OLD.bank_txn_id OR NEW.paid_at <> OLD.paid_at)) BEGIN SELECT RAISE(ABORT, 'disbursement: the booking of a paid payment never changes'); END;
-- end of statement
DROP TRIGGER IF EXISTS disbursement_payment_upd_settled
-- end of statement
CREATE TRIGGER disbursement_payment_upd_settled BEFORE UPDATE ON disbursement_payment WHEN (OLD.status = 'sent' AND NEW.status IN ('paid', 'failed')
    AND NOT EXISTS (SELECT 1 FROM disbursement_bankresultimport i
        WHERE i.id = NEW.result_import_id AND i.batch_id = NEW.batch_id
          AND i.status = 'applying')
    OR OLD.status IN ('paid', 'failed', 'reissued')
    AND COALESCE(NEW.result_import_id, -1) <> COALESCE(OLD.result_import_id, -1)) BEGIN SELECT RAISE(ABORT, 'disbursement: a payment is paid or failed by one result import of its batch being applied, and that import never changes'); END;
-- end of statement
