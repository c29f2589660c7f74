"""The ledger's stored balances: each equals the balance after the latest line of its account,
fund and currency, its line count grows by exactly the lines added since its previous latest
line, it never changes its key and is never deleted.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

from .helpers import LINE_KEY

PG = [
    # ---- stored balances equal their latest line ----------------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  counted bigint := 0;
  since bigint := 0;
  matches boolean;
  newest bigint;
  added bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger[balance]: stored balance % is never deleted', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM ledger_balance b
                WHERE b.account_id = NEW.account_id AND b.fund_id = NEW.fund_id
                  AND b.currency = NEW.currency) THEN
      RETURN NEW;
    END IF;
  ELSE
    IF (NEW.account_id, NEW.fund_id, NEW.currency) IS DISTINCT FROM
       (OLD.account_id, OLD.fund_id, OLD.currency) THEN
      RAISE EXCEPTION 'ledger[balance]: stored balance % never changes its account, fund or currency',
        OLD.id USING ERRCODE = 'check_violation';
    END IF;
    counted := OLD.line_count;
    since := OLD.last_line_id;
  END IF;
  SELECT EXISTS (SELECT 1 FROM ledger_journalline l
                  WHERE l.id = NEW.last_line_id AND l.account_id = NEW.account_id
                    AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency
                    AND l.balance_after = NEW.balance),
         (SELECT l.id FROM ledger_journalline l
           WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id
             AND l.amount_currency = NEW.currency
           ORDER BY l.id DESC LIMIT 1),
         (SELECT count(*) FROM ledger_journalline l
           WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id
             AND l.amount_currency = NEW.currency AND l.id > since AND l.id <= NEW.last_line_id)
    INTO matches, newest, added;
  IF NOT matches THEN
    RAISE EXCEPTION 'ledger[balance]: stored balance % % must equal the balance after line %',
      NEW.balance, NEW.currency, NEW.last_line_id USING ERRCODE = 'check_violation';
  END IF;
  IF newest > NEW.last_line_id THEN
    RAISE EXCEPTION 'ledger[balance]: stored balance must follow the latest line of account %, fund %',
      NEW.account_id, NEW.fund_id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.line_count IS DISTINCT FROM counted + added THEN
    RAISE EXCEPTION 'ledger[balance]: stored balance of account %, fund % says % lines but its lines do not',
      NEW.account_id, NEW.fund_id, NEW.line_count USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_balance_guard ON ledger_balance;",
    """CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_balance
       FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard();""",
]

SQLITE = {
    "ledger_balance_insert_check": f"""
CREATE TRIGGER ledger_balance_insert_check BEFORE INSERT ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND {LINE_KEY.format(cur="currency")} AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE {LINE_KEY.format(cur="currency")} AND l.id > NEW.last_line_id);
END;""",
    "ledger_balance_update_check": f"""
CREATE TRIGGER ledger_balance_update_check BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND {LINE_KEY.format(cur="currency")} AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE {LINE_KEY.format(cur="currency")} AND l.id > NEW.last_line_id);
  SELECT RAISE(ABORT, 'ledger[balance]: a stored balance never changes its account, fund or currency')
   WHERE NEW.account_id IS NOT OLD.account_id OR NEW.fund_id IS NOT OLD.fund_id
      OR NEW.currency IS NOT OLD.currency;
END;""",
    # Line counts (migration 0007 added the column; named only by migration 0007 and later).
    "ledger_balance_count_insert": f"""
CREATE TRIGGER ledger_balance_count_insert BEFORE INSERT ON ledger_balance
WHEN NOT EXISTS (SELECT 1 FROM ledger_balance b WHERE b.account_id = NEW.account_id
                  AND b.fund_id = NEW.fund_id AND b.currency = NEW.currency)
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: the line count of a stored balance must equal the lines of its key')
   WHERE NEW.line_count IS NOT (SELECT count(*) FROM ledger_journalline l
          WHERE {LINE_KEY.format(cur="currency")} AND l.id <= NEW.last_line_id);
END;""",
    "ledger_balance_count_update": f"""
CREATE TRIGGER ledger_balance_count_update BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: the line count of a stored balance must grow by the lines added since its last line')
   WHERE NEW.line_count IS NOT OLD.line_count + (SELECT count(*) FROM ledger_journalline l
          WHERE {LINE_KEY.format(cur="currency")} AND l.id > OLD.last_line_id AND l.id <= NEW.last_line_id);
END;""",
    "ledger_balance_no_delete": """
CREATE TRIGGER ledger_balance_no_delete BEFORE DELETE ON ledger_balance
BEGIN SELECT RAISE(ABORT, 'ledger[balance]: a stored balance is never deleted'); END;""",
}

GUARDS = GuardSet(
    name="ledger.balance",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_balance_guard": "ledger_balance",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_balance_guard()",
        ]
    },
)
