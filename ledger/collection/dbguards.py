"""Triggers that hold the collection's rules (money in) in the database, on SQLite and PostgreSQL.

* a receipt takes exactly the next number of its book (no gap, no reuse, never past the book's
  last number) and is of the book's type;
* a receipt's content never changes; it only goes from valid to void, with a reason;
  receipts are never deleted;
* a donation carries a donation receipt, an allocation a settlement receipt;
* donations, allocations and cash deposits are never changed or deleted (a void is a reversing
  entry plus the receipt's status).

Hand-written for the same reason as ``ledger/dbguards``; two guard sets of the same names on
both engines (``ledger.collection.receipt``, ``ledger.collection.records``), registered by the
ledger app.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

_FROZEN_RECEIPT_COLUMNS = [
    "book_id",
    "number",
    "type",
    "payer_name",
    "payer_credit_code",
    "payer_is_person",
    "payer_anonymous",
    "fund_id",
    "project",
    "amount",
    "amount_currency",
    "amount_in_words",
    "issued_on",
    "issued_by_id",
    "check_code",
    "entry_id",
    "created_at",
]

_PG_FROZEN = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN_RECEIPT_COLUMNS)
_SQLITE_FROZEN = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN_RECEIPT_COLUMNS)

RECEIPT_PG = [
    rf"""
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
  IF {_PG_FROZEN} THEN
    RAISE EXCEPTION 'ledger: an issued receipt never changes; void it and issue a new one'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS collection_receipt_guard ON ledger_receipt;",
    """CREATE TRIGGER collection_receipt_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_receipt
       FOR EACH ROW EXECUTE FUNCTION collection_receipt_guard();""",
]

RECORDS_PG = [
    r"""
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
""",
    "DROP TRIGGER IF EXISTS collection_donation_guard ON ledger_donation;",
    """CREATE TRIGGER collection_donation_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_donation
       FOR EACH ROW EXECUTE FUNCTION collection_record_guard('donation');""",
    "DROP TRIGGER IF EXISTS collection_allocation_guard ON ledger_allocation;",
    """CREATE TRIGGER collection_allocation_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_allocation
       FOR EACH ROW EXECUTE FUNCTION collection_record_guard('settlement');""",
    "DROP TRIGGER IF EXISTS collection_deposit_guard ON ledger_cashdeposit;",
    """CREATE TRIGGER collection_deposit_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_cashdeposit
       FOR EACH ROW EXECUTE FUNCTION collection_record_guard('');""",
]

RECEIPT_SQLITE = {
    "collection_receipt_next_number": """
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
END;""",
    "collection_receipt_void_stays": """
CREATE TRIGGER collection_receipt_void_stays BEFORE UPDATE ON ledger_receipt
WHEN OLD.status = 'void'
BEGIN SELECT RAISE(ABORT, 'ledger: a void receipt stays void'); END;""",
    "collection_receipt_frozen": f"""
CREATE TRIGGER collection_receipt_frozen BEFORE UPDATE ON ledger_receipt
WHEN {_SQLITE_FROZEN}
BEGIN SELECT RAISE(ABORT, 'ledger: an issued receipt never changes; void it and issue a new one'); END;""",
    "collection_receipt_no_delete": """
CREATE TRIGGER collection_receipt_no_delete BEFORE DELETE ON ledger_receipt
BEGIN SELECT RAISE(ABORT, 'ledger: a receipt is never deleted; void it instead'); END;""",
}

RECORDS_SQLITE = {
    "collection_donation_receipt_type": """
CREATE TRIGGER collection_donation_receipt_type BEFORE INSERT ON ledger_donation
WHEN coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> 'donation'
BEGIN SELECT RAISE(ABORT, 'ledger: a donation needs a donation receipt'); END;""",
    "collection_allocation_receipt_type": """
CREATE TRIGGER collection_allocation_receipt_type BEFORE INSERT ON ledger_allocation
WHEN coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> 'settlement'
BEGIN SELECT RAISE(ABORT, 'ledger: an allocation gets a settlement receipt, never a donation receipt'); END;""",
}
for _table in ("donation", "allocation", "cashdeposit"):
    for _op in ("UPDATE", "DELETE"):
        _name = f"collection_{_table}_no_{_op.lower()}"
        RECORDS_SQLITE[_name] = (
            f"CREATE TRIGGER {_name} BEFORE {_op} ON ledger_{_table} "
            f"BEGIN SELECT RAISE(ABORT, 'ledger: a recorded {_table} is never changed or deleted'); END;"
        )


RECEIPT = GuardSet(
    name="ledger.collection.receipt",
    install_sql={"postgresql": RECEIPT_PG, "sqlite": sqlite_install(RECEIPT_SQLITE)},
    triggers={
        "postgresql": {"collection_receipt_guard": "ledger_receipt"},
        "sqlite": sqlite_tables(RECEIPT_SQLITE),
    },
    functions={"postgresql": ["collection_receipt_guard()"]},
)
RECORDS = GuardSet(
    name="ledger.collection.records",
    install_sql={"postgresql": RECORDS_PG, "sqlite": sqlite_install(RECORDS_SQLITE)},
    triggers={
        "postgresql": {
            "collection_donation_guard": "ledger_donation",
            "collection_allocation_guard": "ledger_allocation",
            "collection_deposit_guard": "ledger_cashdeposit",
        },
        "sqlite": sqlite_tables(RECORDS_SQLITE),
    },
    functions={"postgresql": ["collection_record_guard()"]},
)
GUARD_SETS = [RECEIPT, RECORDS]
