"""What journal lines name stays: an account or fund named by a line is never deleted and never
changes its id (held here instead of foreign keys; an entry's own part is in
``journalentry``), and on PostgreSQL such a delete waits for every posting under way.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

PG = [
    # ---- what lines name stays: accounts, funds (and entries, in ledger_entry_guard) ----------
    # Lines hold no foreign keys (migration 0008): checked per row at commit, the three of them
    # were a fifth of a large batch's time. What they guaranteed is held here instead: a line
    # names an existing entry, account and fund when it is inserted (ledger_line_insert_check,
    # set-based), and an entry, account or fund named by a line is never deleted and never
    # changes its id. A delete and a line insert running at once are serialised as the foreign
    # key's row lock serialised them, with the cost on the rare side: before the statement
    # touches a row (a statement trigger, so it holds no row lock a posting's commit could wait
    # for), the delete takes a SHARE lock on the lines table: it waits for every transaction that
    # is inserting lines and holds back new inserts until it ends. Its look-up (a fresh snapshot
    # under READ COMMITTED, Django's level) then sees every committed line, and an insert that
    # waited sees the row gone. Postings pay nothing for it (a row lock taken in the line check
    # instead cost 0.1 ms per posting).
    r"""
CREATE OR REPLACE FUNCTION ledger_lines_share_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE ledger_journalline IN SHARE MODE;
  RETURN NULL;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_account_lines_lock ON ledger_account;",
    """CREATE TRIGGER ledger_account_lines_lock BEFORE DELETE OR UPDATE OF id ON ledger_account
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_share_lock();""",
    "DROP TRIGGER IF EXISTS ledger_fund_lines_lock ON ledger_fund;",
    """CREATE TRIGGER ledger_fund_lines_lock BEFORE DELETE OR UPDATE OF id ON ledger_fund
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_share_lock();""",
    "DROP TRIGGER IF EXISTS ledger_entry_lines_lock ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_lines_lock BEFORE DELETE ON ledger_journalentry
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_share_lock();""",
    r"""
CREATE OR REPLACE FUNCTION ledger_line_referenced() RETURNS trigger LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  IF TG_TABLE_NAME = 'ledger_account' THEN
    IF EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = OLD.id) THEN
      RAISE EXCEPTION 'ledger: account % has journal lines and is never deleted or renumbered',
        OLD.code USING ERRCODE = 'foreign_key_violation';
    END IF;
  ELSIF EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.fund_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger: fund % has journal lines and is never deleted or renumbered',
      OLD.code USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_account_referenced ON ledger_account;",
    """CREATE TRIGGER ledger_account_referenced BEFORE DELETE OR UPDATE OF id ON ledger_account
       FOR EACH ROW EXECUTE FUNCTION ledger_line_referenced();""",
    "DROP TRIGGER IF EXISTS ledger_fund_referenced ON ledger_fund;",
    """CREATE TRIGGER ledger_fund_referenced BEFORE DELETE OR UPDATE OF id ON ledger_fund
       FOR EACH ROW EXECUTE FUNCTION ledger_line_referenced();""",
]

SQLITE = {
    "ledger_account_referenced": """
CREATE TRIGGER ledger_account_referenced BEFORE DELETE ON ledger_account
WHEN EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: an account with journal lines is never deleted'); END;""",
    "ledger_account_renumbered": """
CREATE TRIGGER ledger_account_renumbered BEFORE UPDATE OF id ON ledger_account
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: an account with journal lines never changes its id'); END;""",
    "ledger_fund_referenced": """
CREATE TRIGGER ledger_fund_referenced BEFORE DELETE ON ledger_fund
WHEN EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.fund_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: a fund with journal lines is never deleted'); END;""",
    "ledger_fund_renumbered": """
CREATE TRIGGER ledger_fund_renumbered BEFORE UPDATE OF id ON ledger_fund
WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.fund_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: a fund with journal lines never changes its id'); END;""",
}

GUARDS = GuardSet(
    name="ledger.references",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_account_lines_lock": "ledger_account",
            "ledger_fund_lines_lock": "ledger_fund",
            "ledger_entry_lines_lock": "ledger_journalentry",
            "ledger_account_referenced": "ledger_account",
            "ledger_fund_referenced": "ledger_fund",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_lines_share_lock()",
            "ledger_line_referenced()",
        ]
    },
)
