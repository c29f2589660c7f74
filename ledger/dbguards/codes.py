"""Account and fund codes never change once a journal line uses them: entry content hashes cover
the codes (``ledger.hashing.line_token``).
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

PG = [
    # ---- account and fund codes are frozen once a line uses them -------------------------------
    # Entry content hashes cover the codes (ledger.hashing.line_token): renaming a used code would
    # make verify_ledger report every old entry as altered. Names may change; codes may not.
    r"""
CREATE OR REPLACE FUNCTION ledger_code_frozen() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  IF TG_TABLE_NAME = 'ledger_account' THEN
    IF EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = OLD.id) THEN
      RAISE EXCEPTION 'ledger: account % has journal lines: its code never changes (entry hashes cover it)',
        OLD.code USING ERRCODE = 'check_violation';
    END IF;
  ELSIF EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.fund_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger: fund % has journal lines: its code never changes (entry hashes cover it)',
      OLD.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_account_code_frozen ON ledger_account;",
    """CREATE TRIGGER ledger_account_code_frozen BEFORE UPDATE ON ledger_account
       FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code)
       EXECUTE FUNCTION ledger_code_frozen();""",
    "DROP TRIGGER IF EXISTS ledger_fund_code_frozen ON ledger_fund;",
    """CREATE TRIGGER ledger_fund_code_frozen BEFORE UPDATE ON ledger_fund
       FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code)
       EXECUTE FUNCTION ledger_code_frozen();""",
]

SQLITE = {
    "ledger_account_code_frozen": """
CREATE TRIGGER ledger_account_code_frozen BEFORE UPDATE OF code ON ledger_account
WHEN NEW.code IS NOT OLD.code AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: an account with journal lines never changes its code (entry hashes cover it)'); END;""",
    "ledger_fund_code_frozen": """
CREATE TRIGGER ledger_fund_code_frozen BEFORE UPDATE OF code ON ledger_fund
WHEN NEW.code IS NOT OLD.code AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.fund_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: a fund with journal lines never changes its code (entry hashes cover it)'); END;""",
}

GUARDS = GuardSet(
    name="ledger.codes",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_account_code_frozen": "ledger_account",
            "ledger_fund_code_frozen": "ledger_fund",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_code_frozen()",
        ]
    },
)
