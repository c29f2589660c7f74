"""Triggers that hold the collection's rules (money in) in the database, on SQLite and PostgreSQL.

* a receipt takes exactly the next number of its book (no gap, no reuse, never past the book's
  last number), is of the book's type and is issued valid, naming no entry yet;
* a receipt's content never changes; it only goes from valid to void, with a reason;
  receipts are never deleted;
* a receipt names, once, the entry that carries its income: a posted entry that names the
  receipt back (``income_receipt``) and credits exactly the receipt's amount, in its fund and
  currency, to the income of the receipt's type (donation income for a donation receipt,
  allocation income for a settlement receipt: the accounts' ``role``);
* a donation carries a valid donation receipt, an allocation a valid settlement receipt, and the
  record's amount, currency, fund and entry are its receipt's (so donation = receipt = income);
* a donation pays only a donation pledge of its own donor, fund and currency; an allocation only
  a mandated-contribution pledge of its fund and currency; a pledge's kind, donor, fund and
  currency never change (what it was paid by stays what it promised);
* a cash deposit is its deposit entry: cash on hand credited, cash at bank debited, its amount
  in its fund and currency;
* donations, allocations and cash deposits are never changed or deleted (a void is the
  receipt's status plus a reversing entry);
* receipt books of one series never share a number, and a book receipts were issued from keeps
  its type, series and numbers (only "in use" changes).

Every message starts with a stable rule token, ``collection[<rule>]: ...``: ``dberrors``
turns it into a translated message for the person (the English after the token is for whoever
reads the database's log). Hand-written for the same reason as ``ledger/dbguards``; three guard
sets of the same names on both engines (``ledger.collection.receipt``,
``ledger.collection.records``, ``ledger.collection.pledge``), registered by the ledger app.
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
    "created_at",
]
_FROZEN_PLEDGE_COLUMNS = ["kind", "donor_id", "fund_id", "amount_currency"]

_PG_FROZEN = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN_RECEIPT_COLUMNS)
_SQLITE_FROZEN = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN_RECEIPT_COLUMNS)

# The income of a receipt's type (by the accounts' role), credited by the entry it names.
_INCOME_OF_TYPE = (
    "CASE {r}.type WHEN 'donation' THEN 'donation_income' ELSE 'allocation_income' END"
)


def _moved(r: str, side: str, role: str) -> str:
    """SQL: what the entry ``{r}.entry_id`` moves on ``side`` of the accounts of ``role``, in the
    record's fund and currency."""
    return f"""(SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = {r}.entry_id AND l.side = '{side}'
                  AND l.fund_id = {r}.fund_id AND l.amount_currency = {r}.amount_currency
                  AND a.role = '{role}')"""


def _income_credited(r: str) -> str:
    """SQL: what the entry ``{r}.entry_id`` credits to the income of the receipt's type, in the
    receipt's fund and currency."""
    return f"""(SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = {r}.entry_id AND l.side = 'C'
                  AND l.fund_id = {r}.fund_id AND l.amount_currency = {r}.amount_currency
                  AND a.role = {_INCOME_OF_TYPE.format(r=r)})"""


RECEIPT_PG = [
    rf"""
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
  IF {_PG_FROZEN} THEN
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
       OR {_income_credited("NEW")} <> NEW.amount THEN
      RAISE EXCEPTION 'collection[receipt_entry_documents]: receipt % names entry %, which is not a posted entry naming it and crediting its amount to its income',
        NEW.number, NEW.entry_id USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS collection_receipt_guard ON ledger_receipt;",
    """CREATE TRIGGER collection_receipt_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_receipt
       FOR EACH ROW EXECUTE FUNCTION collection_receipt_guard();""",
]

RECORDS_PG = [
    rf"""
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
       OR {_moved("NEW", "C", "cash")} <> NEW.amount OR {_moved("NEW", "D", "bank")} <> NEW.amount THEN
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

PLEDGE_PG = [
    r"""
CREATE OR REPLACE FUNCTION collection_pledge_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'collection[pledge_frozen]: a pledge''s kind, donor, fund and currency never change'
    USING ERRCODE = 'check_violation';
END $$;
""",
    "DROP TRIGGER IF EXISTS collection_pledge_guard ON ledger_pledge;",
    f"""CREATE TRIGGER collection_pledge_guard BEFORE UPDATE ON ledger_pledge
       FOR EACH ROW WHEN ({" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN_PLEDGE_COLUMNS)})
       EXECUTE FUNCTION collection_pledge_guard();""",
]

RECEIPT_SQLITE = {
    "collection_receipt_next_number": """
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
END;""",
    "collection_receipt_void_stays": """
CREATE TRIGGER collection_receipt_void_stays BEFORE UPDATE ON ledger_receipt
WHEN OLD.status = 'void'
BEGIN SELECT RAISE(ABORT, 'collection[receipt_void_stays]: a void receipt stays void'); END;""",
    "collection_receipt_frozen": f"""
CREATE TRIGGER collection_receipt_frozen BEFORE UPDATE ON ledger_receipt
WHEN {_SQLITE_FROZEN}
BEGIN SELECT RAISE(ABORT, 'collection[receipt_frozen]: an issued receipt never changes; void it and issue a new one'); END;""",
    "collection_receipt_entry_once": """
CREATE TRIGGER collection_receipt_entry_once BEFORE UPDATE OF entry_id ON ledger_receipt
WHEN NEW.entry_id IS NOT OLD.entry_id AND (OLD.entry_id IS NOT NULL OR NEW.entry_id IS NULL)
BEGIN SELECT RAISE(ABORT, 'collection[receipt_entry_once]: a receipt names its entry once; it never changes'); END;""",
    "collection_receipt_entry_documents": f"""
CREATE TRIGGER collection_receipt_entry_documents BEFORE UPDATE OF entry_id ON ledger_receipt
WHEN OLD.entry_id IS NULL AND NEW.entry_id IS NOT NULL
 AND (NOT EXISTS (SELECT 1 FROM ledger_journalentry e
                   WHERE e.id = NEW.entry_id AND e.status = 'posted' AND e.income_receipt_id = NEW.id)
      OR round({_income_credited("NEW")}, 2) <> round(NEW.amount, 2))
BEGIN SELECT RAISE(ABORT, 'collection[receipt_entry_documents]: a receipt names a posted entry that names it and credits its amount to its income'); END;""",
    "collection_receipt_no_delete": """
CREATE TRIGGER collection_receipt_no_delete BEFORE DELETE ON ledger_receipt
BEGIN SELECT RAISE(ABORT, 'collection[receipt_never_deleted]: a receipt is never deleted; void it instead'); END;""",
}


def _record_checks_sqlite(table: str, wanted: str, pledge_match: str) -> str:
    return f"""
CREATE TRIGGER collection_{table}_checks BEFORE INSERT ON ledger_{table}
BEGIN
  SELECT RAISE(ABORT, 'collection[record_receipt_type]: a {table} needs a {wanted} receipt')
   WHERE coalesce((SELECT type FROM ledger_receipt WHERE id = NEW.receipt_id), '') <> '{wanted}';
  SELECT RAISE(ABORT, 'collection[record_receipt_void]: a void receipt documents nothing new')
   WHERE (SELECT status FROM ledger_receipt WHERE id = NEW.receipt_id) <> 'valid';
  SELECT RAISE(ABORT, 'collection[record_matches_receipt]: a {table} has its receipt''s amount, currency, fund and entry')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_receipt r
                      WHERE r.id = NEW.receipt_id AND round(r.amount, 2) = round(NEW.amount, 2)
                        AND r.amount_currency = NEW.amount_currency AND r.fund_id = NEW.fund_id
                        AND r.entry_id = NEW.entry_id);
  SELECT RAISE(ABORT, 'collection[record_pledge]: a donation pays only a donation pledge of its donor, an allocation only a mandated-contribution pledge, of the same fund and currency')
   WHERE NEW.pledge_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ledger_pledge p
                      WHERE p.id = NEW.pledge_id AND {pledge_match}
                        AND p.fund_id = NEW.fund_id AND p.amount_currency = NEW.amount_currency);
END;"""


RECORDS_SQLITE = {
    "collection_cashdeposit_checks": f"""
CREATE TRIGGER collection_cashdeposit_checks BEFORE INSERT ON ledger_cashdeposit
WHEN NOT EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = NEW.entry_id AND e.source = 'deposit')
  OR round({_moved("NEW", "C", "cash")}, 2) <> round(NEW.amount, 2)
  OR round({_moved("NEW", "D", "bank")}, 2) <> round(NEW.amount, 2)
BEGIN SELECT RAISE(ABORT, 'collection[deposit_matches_entry]: a cash deposit is its deposit entry: cash on hand credited and cash at bank debited its amount, in its fund and currency'); END;""",
    "collection_donation_checks": _record_checks_sqlite(
        "donation", "donation", "p.kind = 'donation' AND p.donor_id = NEW.donor_id"
    ),
    "collection_allocation_checks": _record_checks_sqlite(
        "allocation", "settlement", "p.kind = 'contribution'"
    ),
}
for _table in ("donation", "allocation", "cashdeposit"):
    for _op in ("UPDATE", "DELETE"):
        _name = f"collection_{_table}_no_{_op.lower()}"
        RECORDS_SQLITE[_name] = (
            f"CREATE TRIGGER {_name} BEFORE {_op} ON ledger_{_table} "
            f"BEGIN SELECT RAISE(ABORT, 'collection[record_frozen]: a recorded {_table} is never changed or deleted'); END;"
        )

PLEDGE_SQLITE = {
    "collection_pledge_frozen": f"""
CREATE TRIGGER collection_pledge_frozen BEFORE UPDATE ON ledger_pledge
WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN_PLEDGE_COLUMNS)}
BEGIN SELECT RAISE(ABORT, 'collection[pledge_frozen]: a pledge''s kind, donor, fund and currency never change'); END;""",
}


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
PLEDGE = GuardSet(
    name="ledger.collection.pledge",
    install_sql={"postgresql": PLEDGE_PG, "sqlite": sqlite_install(PLEDGE_SQLITE)},
    triggers={
        "postgresql": {"collection_pledge_guard": "ledger_pledge"},
        "sqlite": sqlite_tables(PLEDGE_SQLITE),
    },
    functions={"postgresql": ["collection_pledge_guard()"]},
)

# Receipt books (issue 14, point 5): within a series no two books share a number, and a book a
# receipt was issued from keeps its type, series and numbers (they are printed on paper and the
# receipt guard counts from them). On PostgreSQL the function takes the table in SHARE ROW
# EXCLUSIVE mode (it conflicts with itself), so two overlapping books written at the same moment
# are checked one after the other; issuing a receipt (row locks only) is not held up.
RECEIPTBOOK_PG = [
    """
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
END $$""",
    "DROP TRIGGER IF EXISTS collection_receiptbook_guard ON ledger_receiptbook",
    """
CREATE TRIGGER collection_receiptbook_guard BEFORE INSERT OR UPDATE ON ledger_receiptbook
FOR EACH ROW EXECUTE FUNCTION collection_receiptbook_guard()""",
]
_BOOK_OVERLAP_SQLITE = """
  SELECT RAISE(ABORT, 'collection[receipt_book_overlap]: the numbers overlap another book of the series')
   WHERE EXISTS (SELECT 1 FROM ledger_receiptbook b
                  WHERE b.series = NEW.series AND b.id IS NOT NEW.id
                    AND b.first_number <= NEW.last_number AND b.last_number >= NEW.first_number);"""
RECEIPTBOOK_SQLITE = {
    "collection_receiptbook_insert": f"""
CREATE TRIGGER collection_receiptbook_insert BEFORE INSERT ON ledger_receiptbook
BEGIN{_BOOK_OVERLAP_SQLITE}
END;""",
    "collection_receiptbook_update": f"""
CREATE TRIGGER collection_receiptbook_update BEFORE UPDATE ON ledger_receiptbook
BEGIN
  SELECT RAISE(ABORT, 'collection[receipt_book_used_frozen]: a book receipts were issued from keeps its type, series and numbers')
   WHERE (NEW.type IS NOT OLD.type OR NEW.series IS NOT OLD.series
          OR NEW.first_number IS NOT OLD.first_number OR NEW.last_number IS NOT OLD.last_number)
     AND EXISTS (SELECT 1 FROM ledger_receipt r WHERE r.book_id = OLD.id);{_BOOK_OVERLAP_SQLITE}
END;""",
}
RECEIPTBOOK = GuardSet(
    name="ledger.collection.receiptbook",
    install_sql={"postgresql": RECEIPTBOOK_PG, "sqlite": sqlite_install(RECEIPTBOOK_SQLITE)},
    triggers={
        "postgresql": {"collection_receiptbook_guard": "ledger_receiptbook"},
        "sqlite": sqlite_tables(RECEIPTBOOK_SQLITE),
    },
    functions={"postgresql": ["collection_receiptbook_guard()"]},
)
GUARD_SETS = [RECEIPT, RECORDS, PLEDGE, RECEIPTBOOK]
