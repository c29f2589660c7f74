-- ledger 0011_collection_controls, reversed: drops the triggers 0006 did not have, then installs
-- 0006's collection guards again.
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_entry_once
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_entry_documents
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_checks
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_checks
-- end of statement
DROP TRIGGER IF EXISTS collection_pledge_frozen
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_checks
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_next_number
-- end of statement

CREATE TRIGGER collection_receipt_next_number BEFORE INSERT ON ledger_receipt
BEGIN
  SELECT RAISE(ABORT, 'ledger: a receipt takes the next number of its book (no gaps, no reuse)')
   WHERE NEW.number <> coalesce((SELECT max(number) FROM ledger_receipt WHERE book_id = NEW.book_id),
                                (SELECT first_number - 1 FROM ledger_receiptbook WHERE id = NEW.book_id)) + 1;
  SELECT RAISE(ABORT, 'ledger: the receipt book is used up')
   WHERE NEW.number > (SELECT last_number FROM ledger_receiptbook WHERE id = NEW.book_id);
  SELECT RAISE(ABORT, 'ledger: a receipt must be of its book''s type')
   WHERE NEW.type IS NOT (SELECT type FROM ledger_receiptbook WHERE id = NEW.book_id);
  SELECT RAISE(ABORT, 'ledger: a receipt is issued valid') WHERE NEW.status <> 'valid';
END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_void_stays
-- end of statement

CREATE TRIGGER collection_receipt_void_stays BEFORE UPDATE ON ledger_receipt
WHEN OLD.status = 'void'
BEGIN SELECT RAISE(ABORT, 'ledger: a void receipt stays void'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_frozen
-- end of statement

CREATE TRIGGER collection_receipt_frozen BEFORE UPDATE ON ledger_receipt
WHEN NEW.book_id IS NOT OLD.book_id OR NEW.number IS NOT OLD.number OR NEW.type IS NOT OLD.type OR NEW.payer_name IS NOT OLD.payer_name OR NEW.payer_credit_code IS NOT OLD.payer_credit_code OR NEW.payer_is_person IS NOT OLD.payer_is_person OR NEW.payer_anonymous IS NOT OLD.payer_anonymous OR NEW.fund_id IS NOT OLD.fund_id OR NEW.project IS NOT OLD.project OR NEW.amount IS NOT OLD.amount OR NEW.amount_currency IS NOT OLD.amount_currency OR NEW.amount_in_words IS NOT OLD.amount_in_words OR NEW.issued_on IS NOT OLD.issued_on OR NEW.issued_by_id IS NOT OLD.issued_by_id OR NEW.check_code IS NOT OLD.check_code OR NEW.entry_id IS NOT OLD.entry_id OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'ledger: an issued receipt never changes; void it and issue a new one'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_no_delete
-- end of statement

CREATE TRIGGER collection_receipt_no_delete BEFORE DELETE ON ledger_receipt
BEGIN SELECT RAISE(ABORT, 'ledger: a receipt is never deleted; void it instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_receipt_type
-- end of statement

CREATE TRIGGER collection_donation_receipt_type BEFORE INSERT ON ledger_donation
WHEN coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> 'donation'
BEGIN SELECT RAISE(ABORT, 'ledger: a donation needs a donation receipt'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_receipt_type
-- end of statement

CREATE TRIGGER collection_allocation_receipt_type BEFORE INSERT ON ledger_allocation
WHEN coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> 'settlement'
BEGIN SELECT RAISE(ABORT, 'ledger: an allocation gets a settlement receipt, never a donation receipt'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_no_update
-- end of statement
CREATE TRIGGER collection_donation_no_update BEFORE UPDATE ON ledger_donation BEGIN SELECT RAISE(ABORT, 'ledger: a recorded donation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_no_delete
-- end of statement
CREATE TRIGGER collection_donation_no_delete BEFORE DELETE ON ledger_donation BEGIN SELECT RAISE(ABORT, 'ledger: a recorded donation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_no_update
-- end of statement
CREATE TRIGGER collection_allocation_no_update BEFORE UPDATE ON ledger_allocation BEGIN SELECT RAISE(ABORT, 'ledger: a recorded allocation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_no_delete
-- end of statement
CREATE TRIGGER collection_allocation_no_delete BEFORE DELETE ON ledger_allocation BEGIN SELECT RAISE(ABORT, 'ledger: a recorded allocation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_no_update
-- end of statement
CREATE TRIGGER collection_cashdeposit_no_update BEFORE UPDATE ON ledger_cashdeposit BEGIN SELECT RAISE(ABORT, 'ledger: a recorded cashdeposit is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_no_delete
-- end of statement
CREATE TRIGGER collection_cashdeposit_no_delete BEFORE DELETE ON ledger_cashdeposit BEGIN SELECT RAISE(ABORT, 'ledger: a recorded cashdeposit is never changed or deleted'); END;
-- end of statement
