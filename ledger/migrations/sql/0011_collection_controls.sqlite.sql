-- ledger 0011_collection_controls: the collection's guards as ledger/collection/dbguards.py installed them
-- with this migration (issue 10: money in only with its document). On SQLite it first drops the two
-- receipt-type triggers of 0006 that the record checks replace.
-- Engine: SQLite. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_receipt_type
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_receipt_type
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_next_number
-- end of statement

CREATE TRIGGER collection_receipt_next_number BEFORE INSERT ON ledger_receipt
BEGIN
  SELECT RAISE(ABORT, 'collection[receipt_next_number]: a receipt takes the next number of its book (no gaps, no reuse)')
   WHERE NEW.number <> coalesce((SELECT max(number) FROM ledger_receipt WHERE book_id = NEW.book_id),
                                (SELECT first_number - 1 FROM ledger_receiptbook WHERE id = NEW.book_id)) + 1;
  SELECT RAISE(ABORT, 'collection[receipt_book_used_up]: the receipt book is used up')
   WHERE NEW.number > (SELECT last_number FROM ledger_receiptbook WHERE id = NEW.book_id);
  SELECT RAISE(ABORT, 'collection[receipt_book_type]: a receipt must be of its book''s type')
   WHERE NEW.type IS NOT (SELECT type FROM ledger_receiptbook WHERE id = NEW.book_id);
  SELECT RAISE(ABORT, 'collection[receipt_issued_valid]: a receipt is issued valid') WHERE NEW.status <> 'valid';
  SELECT RAISE(ABORT, 'collection[receipt_issued_without_entry]: a receipt is issued before the entry that names it')
   WHERE NEW.entry_id IS NOT NULL;
END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_void_stays
-- end of statement

CREATE TRIGGER collection_receipt_void_stays BEFORE UPDATE ON ledger_receipt
WHEN OLD.status = 'void'
BEGIN SELECT RAISE(ABORT, 'collection[receipt_void_stays]: a void receipt stays void'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_frozen
-- end of statement

CREATE TRIGGER collection_receipt_frozen BEFORE UPDATE ON ledger_receipt
WHEN NEW.book_id IS NOT OLD.book_id OR NEW.number IS NOT OLD.number OR NEW.type IS NOT OLD.type OR NEW.payer_name IS NOT OLD.payer_name OR NEW.payer_credit_code IS NOT OLD.payer_credit_code OR NEW.payer_is_person IS NOT OLD.payer_is_person OR NEW.payer_anonymous IS NOT OLD.payer_anonymous OR NEW.fund_id IS NOT OLD.fund_id OR NEW.project IS NOT OLD.project OR NEW.amount IS NOT OLD.amount OR NEW.amount_currency IS NOT OLD.amount_currency OR NEW.amount_in_words IS NOT OLD.amount_in_words OR NEW.issued_on IS NOT OLD.issued_on OR NEW.issued_by_id IS NOT OLD.issued_by_id OR NEW.check_code IS NOT OLD.check_code OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'collection[receipt_frozen]: an issued receipt never changes; void it and issue a new one'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_entry_once
-- end of statement

CREATE TRIGGER collection_receipt_entry_once BEFORE UPDATE OF entry_id ON ledger_receipt
WHEN NEW.entry_id IS NOT OLD.entry_id AND (OLD.entry_id IS NOT NULL OR NEW.entry_id IS NULL)
BEGIN SELECT RAISE(ABORT, 'collection[receipt_entry_once]: a receipt names its entry once; it never changes'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_entry_documents
-- end of statement

CREATE TRIGGER collection_receipt_entry_documents BEFORE UPDATE OF entry_id ON ledger_receipt
WHEN OLD.entry_id IS NULL AND NEW.entry_id IS NOT NULL
 AND (NOT EXISTS (SELECT 1 FROM ledger_journalentry e
                   WHERE e.id = NEW.entry_id AND e.status = 'posted' AND e.income_receipt_id = NEW.id)
      OR round((SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = NEW.entry_id AND l.side = 'C'
                  AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency
                  AND a.role = CASE NEW.type WHEN 'donation' THEN 'donation_income' ELSE 'allocation_income' END), 2) <> round(NEW.amount, 2))
BEGIN SELECT RAISE(ABORT, 'collection[receipt_entry_documents]: a receipt names a posted entry that names it and credits its amount to its income'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_no_delete
-- end of statement

CREATE TRIGGER collection_receipt_no_delete BEFORE DELETE ON ledger_receipt
BEGIN SELECT RAISE(ABORT, 'collection[receipt_never_deleted]: a receipt is never deleted; void it instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_checks
-- end of statement

CREATE TRIGGER collection_cashdeposit_checks BEFORE INSERT ON ledger_cashdeposit
WHEN NOT EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.entry_id AND e.source = 'deposit')
  OR round((SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = NEW.entry_id AND l.side = 'C'
                  AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency
                  AND a.role = 'cash'), 2) <> round(NEW.amount, 2)
  OR round((SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = NEW.entry_id AND l.side = 'D'
                  AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency
                  AND a.role = 'bank'), 2) <> round(NEW.amount, 2)
BEGIN SELECT RAISE(ABORT, 'collection[deposit_matches_entry]: a cash deposit is its deposit entry: cash on hand credited and cash at bank debited its amount, in its fund and currency'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_checks
-- end of statement

CREATE TRIGGER collection_donation_checks BEFORE INSERT ON ledger_donation
BEGIN
  SELECT RAISE(ABORT, 'collection[record_receipt_type]: a donation needs a donation receipt')
   WHERE coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> 'donation';
  SELECT RAISE(ABORT, 'collection[record_receipt_void]: a void receipt documents nothing new')
   WHERE (SELECT status FROM ledger_receipt WHERE id = NEW.receipt_id) <> 'valid';
  SELECT RAISE(ABORT, 'collection[record_matches_receipt]: a donation has its receipt''s amount, currency, fund and entry')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_receipt r
                      WHERE r.id = NEW.receipt_id AND round(r.amount, 2) = round(NEW.amount, 2)
                        AND r.amount_currency = NEW.amount_currency AND r.fund_id = NEW.fund_id
                        AND r.entry_id = NEW.entry_id);
  SELECT RAISE(ABORT, 'collection[record_pledge]: a donation pays only a donation pledge of its donor, an allocation only a mandated-contribution pledge, of the same fund and currency')
   WHERE NEW.pledge_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ledger_pledge p
                      WHERE p.id = NEW.pledge_id AND p.kind = 'donation' AND p.donor_id = NEW.donor_id
                        AND p.fund_id = NEW.fund_id AND p.amount_currency = NEW.amount_currency);
END;
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_checks
-- end of statement

CREATE TRIGGER collection_allocation_checks BEFORE INSERT ON ledger_allocation
BEGIN
  SELECT RAISE(ABORT, 'collection[record_receipt_type]: a allocation needs a settlement receipt')
   WHERE coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> 'settlement';
  SELECT RAISE(ABORT, 'collection[record_receipt_void]: a void receipt documents nothing new')
   WHERE (SELECT status FROM ledger_receipt WHERE id = NEW.receipt_id) <> 'valid';
  SELECT RAISE(ABORT, 'collection[record_matches_receipt]: a allocation has its receipt''s amount, currency, fund and entry')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_receipt r
                      WHERE r.id = NEW.receipt_id AND round(r.amount, 2) = round(NEW.amount, 2)
                        AND r.amount_currency = NEW.amount_currency AND r.fund_id = NEW.fund_id
                        AND r.entry_id = NEW.entry_id);
  SELECT RAISE(ABORT, 'collection[record_pledge]: a donation pays only a donation pledge of its donor, an allocation only a mandated-contribution pledge, of the same fund and currency')
   WHERE NEW.pledge_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ledger_pledge p
                      WHERE p.id = NEW.pledge_id AND p.kind = 'contribution'
                        AND p.fund_id = NEW.fund_id AND p.amount_currency = NEW.amount_currency);
END;
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_no_update
-- end of statement
CREATE TRIGGER collection_donation_no_update BEFORE UPDATE ON ledger_donation BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded donation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_donation_no_delete
-- end of statement
CREATE TRIGGER collection_donation_no_delete BEFORE DELETE ON ledger_donation BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded donation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_no_update
-- end of statement
CREATE TRIGGER collection_allocation_no_update BEFORE UPDATE ON ledger_allocation BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded allocation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_no_delete
-- end of statement
CREATE TRIGGER collection_allocation_no_delete BEFORE DELETE ON ledger_allocation BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded allocation is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_no_update
-- end of statement
CREATE TRIGGER collection_cashdeposit_no_update BEFORE UPDATE ON ledger_cashdeposit BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded cashdeposit is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_cashdeposit_no_delete
-- end of statement
CREATE TRIGGER collection_cashdeposit_no_delete BEFORE DELETE ON ledger_cashdeposit BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded cashdeposit is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS collection_pledge_frozen
-- end of statement

CREATE TRIGGER collection_pledge_frozen BEFORE UPDATE ON ledger_pledge
WHEN NEW.kind IS NOT OLD.kind OR NEW.donor_id IS NOT OLD.donor_id OR NEW.fund_id IS NOT OLD.fund_id OR NEW.amount_currency IS NOT OLD.amount_currency
BEGIN SELECT RAISE(ABORT, 'collection[pledge_frozen]: a pledge''s kind, donor, fund and currency never change'); END;
-- end of statement
