-- ledger 0011_collection_controls: the collection's guards as ledger/collection/dbguards.py installed them
-- with this migration (issue 10: money in only with its document). On SQLite it first drops the two
-- receipt-type triggers of 0006 that the record checks replace.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement

CREATE OR REPLACE FUNCTION collection_receipt_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  book record;
  expected integer;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'collection[receipt_never_deleted]: receipt % is never deleted; void it instead', OLD.number
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT * INTO book FROM ledger_receiptbook WHERE id = NEW.book_id;
    SELECT coalesce(max(number), book.first_number - 1) + 1 INTO expected
      FROM ledger_receipt WHERE book_id = NEW.book_id;
    IF NEW.number <> expected THEN
      RAISE EXCEPTION 'collection[receipt_next_number]: receipt number % is not the next number % of its book (no gaps, no reuse)',
        NEW.number, expected USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.number > book.last_number THEN
      RAISE EXCEPTION 'collection[receipt_book_used_up]: receipt book % is used up (last number %)', book.series, book.last_number
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.type <> book.type THEN
      RAISE EXCEPTION 'collection[receipt_book_type]: a % receipt cannot come from a % book', NEW.type, book.type
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status <> 'valid' THEN
      RAISE EXCEPTION 'collection[receipt_issued_valid]: a receipt is issued valid' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.entry_id IS NOT NULL THEN
      RAISE EXCEPTION 'collection[receipt_issued_without_entry]: a receipt is issued before the entry that names it'
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'void' THEN
    RAISE EXCEPTION 'collection[receipt_void_stays]: receipt % is void and stays void', OLD.number USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.book_id IS DISTINCT FROM OLD.book_id OR NEW.number IS DISTINCT FROM OLD.number OR NEW.type IS DISTINCT FROM OLD.type OR NEW.payer_name IS DISTINCT FROM OLD.payer_name OR NEW.payer_credit_code IS DISTINCT FROM OLD.payer_credit_code OR NEW.payer_is_person IS DISTINCT FROM OLD.payer_is_person OR NEW.payer_anonymous IS DISTINCT FROM OLD.payer_anonymous OR NEW.fund_id IS DISTINCT FROM OLD.fund_id OR NEW.project IS DISTINCT FROM OLD.project OR NEW.amount IS DISTINCT FROM OLD.amount OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency OR NEW.amount_in_words IS DISTINCT FROM OLD.amount_in_words OR NEW.issued_on IS DISTINCT FROM OLD.issued_on OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id OR NEW.check_code IS DISTINCT FROM OLD.check_code OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'collection[receipt_frozen]: an issued receipt never changes; void it and issue a new one'
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.entry_id IS DISTINCT FROM OLD.entry_id THEN
    IF OLD.entry_id IS NOT NULL OR NEW.entry_id IS NULL THEN
      RAISE EXCEPTION 'collection[receipt_entry_once]: receipt % already names its entry; it never changes', OLD.number
        USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledger_journalentry e
                    WHERE e.id = NEW.entry_id AND e.status = 'posted' AND e.income_receipt_id = NEW.id)
       OR (SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = NEW.entry_id AND l.side = 'C'
                  AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency
                  AND a.role = CASE NEW.type WHEN 'donation' THEN 'donation_income' ELSE 'allocation_income' END) <> NEW.amount THEN
      RAISE EXCEPTION 'collection[receipt_entry_documents]: receipt % names entry %, which is not a posted entry naming it and crediting its amount to its income',
        NEW.number, NEW.entry_id USING ERRCODE = 'check_violation';
    END IF;
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
  r record;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'collection[record_frozen]: a recorded % is never changed or deleted',
      TG_TABLE_NAME USING ERRCODE = 'check_violation';
  END IF;
  IF wanted = '' THEN  -- a cash deposit (plpgsql does not short-circuit AND: NEW.receipt_id may not exist)
    IF NOT EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.entry_id AND e.source = 'deposit')
       OR (SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = NEW.entry_id AND l.side = 'C'
                  AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency
                  AND a.role = 'cash') <> NEW.amount OR (SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = NEW.entry_id AND l.side = 'D'
                  AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency
                  AND a.role = 'bank') <> NEW.amount THEN
      RAISE EXCEPTION 'collection[deposit_matches_entry]: a cash deposit is its deposit entry: cash on hand credited and cash at bank debited its amount, in its fund and currency'
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  SELECT * INTO r FROM ledger_receipt WHERE id = NEW.receipt_id;
  IF NOT FOUND OR r.type <> wanted THEN
    RAISE EXCEPTION 'collection[record_receipt_type]: a % needs a % receipt', TG_TABLE_NAME, wanted USING ERRCODE = 'check_violation';
  END IF;
  IF r.status <> 'valid' THEN
    RAISE EXCEPTION 'collection[record_receipt_void]: receipt % is void; it documents nothing new', r.number
      USING ERRCODE = 'check_violation';
  END IF;
  IF r.amount <> NEW.amount OR r.amount_currency <> NEW.amount_currency OR r.fund_id <> NEW.fund_id
     OR r.entry_id IS NULL OR r.entry_id <> NEW.entry_id THEN
    RAISE EXCEPTION 'collection[record_matches_receipt]: a % has its receipt''s amount, currency, fund and entry (receipt %)',
      TG_TABLE_NAME, r.number USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.pledge_id IS NOT NULL THEN
    IF wanted = 'donation' THEN
      PERFORM 1 FROM ledger_pledge p WHERE p.id = NEW.pledge_id AND p.kind = 'donation'
         AND p.donor_id = NEW.donor_id AND p.fund_id = NEW.fund_id AND p.amount_currency = NEW.amount_currency;
    ELSE
      PERFORM 1 FROM ledger_pledge p WHERE p.id = NEW.pledge_id AND p.kind = 'contribution'
         AND p.fund_id = NEW.fund_id AND p.amount_currency = NEW.amount_currency;
    END IF;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'collection[record_pledge]: a donation pays only a donation pledge of its donor, an allocation only a mandated-contribution pledge, of the same fund and currency'
        USING ERRCODE = 'check_violation';
    END IF;
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

CREATE OR REPLACE FUNCTION collection_pledge_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'collection[pledge_frozen]: a pledge''s kind, donor, fund and currency never change'
    USING ERRCODE = 'check_violation';
END $$;

-- end of statement
DROP TRIGGER IF EXISTS collection_pledge_guard ON ledger_pledge;
-- end of statement
CREATE TRIGGER collection_pledge_guard BEFORE UPDATE ON ledger_pledge
       FOR EACH ROW WHEN (NEW.kind IS DISTINCT FROM OLD.kind OR NEW.donor_id IS DISTINCT FROM OLD.donor_id OR NEW.fund_id IS DISTINCT FROM OLD.fund_id OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency)
       EXECUTE FUNCTION collection_pledge_guard();
-- end of statement
