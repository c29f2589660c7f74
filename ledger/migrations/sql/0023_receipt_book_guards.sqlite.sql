-- ledger 0023: receipt books (issue 14, point 5): within a series no two books share a number, and a book receipts were issued from keeps its type, series and numbers (ledger.collection.receiptbook).
-- end of statement
DROP TRIGGER IF EXISTS collection_receiptbook_insert
-- end of statement

CREATE TRIGGER collection_receiptbook_insert BEFORE INSERT ON ledger_receiptbook
BEGIN
  SELECT RAISE(ABORT, 'collection[receipt_book_overlap]: the numbers overlap another book of the series')
   WHERE EXISTS (SELECT 1 FROM ledger_receiptbook b
                  WHERE b.series = NEW.series AND b.id IS NOT NEW.id
                    AND b.first_number <= NEW.last_number AND b.last_number >= NEW.first_number);
END;
-- end of statement
DROP TRIGGER IF EXISTS collection_receiptbook_update
-- end of statement

CREATE TRIGGER collection_receiptbook_update BEFORE UPDATE ON ledger_receiptbook
BEGIN
  SELECT RAISE(ABORT, 'collection[receipt_book_used_frozen]: a book receipts were issued from keeps its type, series and numbers')
   WHERE (NEW.type IS NOT OLD.type OR NEW.series IS NOT OLD.series
          OR NEW.first_number IS NOT OLD.first_number OR NEW.last_number IS NOT OLD.last_number)
     AND EXISTS (SELECT 1 FROM ledger_receipt r WHERE r.book_id = OLD.id);
  SELECT RAISE(ABORT, 'collection[receipt_book_overlap]: the numbers overlap another book of the series')
   WHERE EXISTS (SELECT 1 FROM ledger_receiptbook b
                  WHERE b.series = NEW.series AND b.id IS NOT NEW.id
                    AND b.first_number <= NEW.last_number AND b.last_number >= NEW.first_number);
END;
-- end of statement
