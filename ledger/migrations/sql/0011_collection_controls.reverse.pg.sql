-- ledger 0011_collection_controls, reversed: drops the triggers 0006 did not have, then installs
-- 0006's collection guards again.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS collection_pledge_guard ON ledger_pledge
-- end of statement
DROP FUNCTION IF EXISTS collection_pledge_guard()
-- end of statement

CREATE OR REPLACE FUNCTION collection_receipt_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  book record;
  expected integer;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger: receipt % is never deleted; void it instead', OLD.number
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT * INTO book FROM ledger_receiptbook WHERE id = NEW.book_id;
    SELECT coalesce(max(number), book.first_number - 1) + 1 INTO expected
      FROM ledger_receipt WHERE book_id = NEW.book_id;
    IF NEW.number <> expected THEN
      RAISE EXCEPTION 'ledger: receipt number % is not the next number % of its book (no gaps, no reuse)',
        NEW.number, expected USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.number > book.last_number THEN
      RAISE EXCEPTION 'ledger: receipt book % is used up (last number %)', book.series, book.last_number
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.type <> book.type THEN
      RAISE EXCEPTION 'ledger: a % receipt cannot come from a % book', NEW.type, book.type
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status <> 'valid' THEN
      RAISE EXCEPTION 'ledger: a receipt is issued valid' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'void' THEN
    RAISE EXCEPTION 'ledger: receipt % is void and stays void', OLD.number USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.book_id IS DISTINCT FROM OLD.book_id OR NEW.number IS DISTINCT FROM OLD.number OR NEW.type IS DISTINCT FROM OLD.type OR NEW.payer_name IS DISTINCT FROM OLD.payer_name OR NEW.payer_credit_code IS DISTINCT FROM OLD.payer_credit_code OR NEW.payer_is_person IS DISTINCT FROM OLD.payer_is_person OR NEW.payer_anonymous IS DISTINCT FROM OLD.payer_anonymous OR NEW.fund_id IS DISTINCT FROM OLD.fund_id OR NEW.project IS DISTINCT FROM OLD.project OR NEW.amount IS DISTINCT FROM OLD.amount OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency OR NEW.amount_in_words IS DISTINCT FROM OLD.amount_in_words OR NEW.issued_on IS DISTINCT FROM OLD.issued_on OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id OR NEW.check_code IS DISTINCT FROM OLD.check_code OR NEW.entry_id IS DISTINCT FROM OLD.entry_id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'ledger: an issued receipt never changes; void it and issue a new one'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

-- end of statement
DROP TRIGGER IF EXISTS collection_receipt_guard ON ledger_receipt;
-- end of statement
CREATE TRIGGER collection_receipt_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_receipt
       FOR EACH ROW EXECUTE FUNCTION collection_receipt_guard();
-- end of statement

CREATE OR REPLACE FUNCTION collection_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted text := TG_ARGV[0];
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'ledger: a recorded % is never changed or deleted; void its receipt or reverse its entry',
      TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF wanted = '' THEN RETURN NEW; END IF;  -- (plpgsql does not short-circuit AND: NEW.receipt_id may not exist)
  IF NOT EXISTS (SELECT 1 FROM ledger_receipt r WHERE r.id = NEW.receipt_id AND r.type = wanted) THEN
    RAISE EXCEPTION 'ledger: a % needs a % receipt', TG_TABLE_NAME, wanted USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

-- end of statement
DROP TRIGGER IF EXISTS collection_donation_guard ON ledger_donation;
-- end of statement
CREATE TRIGGER collection_donation_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_donation
       FOR EACH ROW EXECUTE FUNCTION collection_record_guard('donation');
-- end of statement
DROP TRIGGER IF EXISTS collection_allocation_guard ON ledger_allocation;
-- end of statement
CREATE TRIGGER collection_allocation_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_allocation
       FOR EACH ROW EXECUTE FUNCTION collection_record_guard('settlement');
-- end of statement
DROP TRIGGER IF EXISTS collection_deposit_guard ON ledger_cashdeposit;
-- end of statement
CREATE TRIGGER collection_deposit_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_cashdeposit
       FOR EACH ROW EXECUTE FUNCTION collection_record_guard('');
-- end of statement
