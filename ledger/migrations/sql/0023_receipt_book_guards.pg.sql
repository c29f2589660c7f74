-- ledger 0023: receipt books (issue 14, point 5): within a series no two books share a number, and a book receipts were issued from keeps its type, series and numbers (ledger.collection.receiptbook).
-- end of statement

CREATE OR REPLACE FUNCTION collection_receiptbook_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE ledger_receiptbook IN SHARE ROW EXCLUSIVE MODE;
  IF TG_OP = 'UPDATE' AND (NEW.type IS DISTINCT FROM OLD.type OR NEW.series IS DISTINCT FROM OLD.series
      OR NEW.first_number IS DISTINCT FROM OLD.first_number OR NEW.last_number IS DISTINCT FROM OLD.last_number)
     AND EXISTS (SELECT 1 FROM ledger_receipt r WHERE r.book_id = OLD.id) THEN
    RAISE EXCEPTION 'collection[receipt_book_used_frozen]: receipts were issued from book % %-%: its type, series and numbers never change', OLD.series, OLD.first_number, OLD.last_number;
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_receiptbook b
              WHERE b.series = NEW.series AND b.id <> NEW.id
                AND b.first_number <= NEW.last_number AND b.last_number >= NEW.first_number) THEN
    RAISE EXCEPTION 'collection[receipt_book_overlap]: numbers %-% of series % overlap another book', NEW.first_number, NEW.last_number, NEW.series;
  END IF;
  RETURN NEW;
END $$
-- end of statement
DROP TRIGGER IF EXISTS collection_receiptbook_guard ON ledger_receiptbook
-- end of statement

CREATE TRIGGER collection_receiptbook_guard BEFORE INSERT OR UPDATE ON ledger_receiptbook
FOR EACH ROW EXECUTE FUNCTION collection_receiptbook_guard()
-- end of statement
