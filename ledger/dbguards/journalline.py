"""The ledger's journal lines: inserted only into draft entries, naming an existing account and
fund, appended after their key's lines with the balance after each following from the one
before; never updated, deleted only with a draft.

PostgreSQL checks an insert once per statement: the usual small one (a posting's few lines) in
one query, a large one rule by rule, each planned for the statement's size.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

from .helpers import LINE_KEY, SMALL, executed

# The line checks are written once, as fragments: each runs on its own (planned for the
# statement's size) for a large statement, and all four run as one query for the usual small
# one (a posting's few lines), which reports the first broken rule by number.
_KEYS = """k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id, count(*) AS n
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  )"""
_OPENING_RUN = """opening AS MATERIALIZED (
    SELECT k.account_id, k.fund_id, k.amount_currency,
           coalesce((SELECT l.balance_after FROM ledger_journalline l
                      WHERE l.account_id = k.account_id AND l.fund_id = k.fund_id
                        AND l.amount_currency = k.amount_currency AND l.id < k.first_id
                      ORDER BY l.id DESC LIMIT 1), 0) AS opening
      FROM k
  ), run AS (
    SELECT nl.id, nl.balance_after,
           o.opening + sum(CASE WHEN nl.side = 'D' THEN nl.amount ELSE -nl.amount END)
             OVER (PARTITION BY nl.account_id, nl.fund_id, nl.amount_currency ORDER BY nl.id) AS expected
      FROM new_lines nl JOIN opening o
        ON o.account_id = nl.account_id AND o.fund_id = nl.fund_id
       AND o.amount_currency = nl.amount_currency
  )"""
# 1: each line goes into an existing draft entry
_DRAFT_BROKEN = """(SELECT entry_id, min(id) AS id FROM new_lines GROUP BY entry_id) nl
    LEFT JOIN ledger_journalentry e ON e.id = nl.entry_id
   WHERE e.id IS NULL OR e.status <> 'draft'"""
# 2: each line names an existing account and fund
_REFS_BROKEN = """k LEFT JOIN ledger_account a ON a.id = k.account_id
    LEFT JOIN ledger_fund f ON f.id = k.fund_id
   WHERE a.id IS NULL OR f.id IS NULL"""
# 3: the lines of a key are appended after its existing ones
_APPENDED_BROKEN = """(SELECT count(*) FROM ledger_journalline l
           WHERE l.account_id = k.account_id AND l.fund_id = k.fund_id
             AND l.amount_currency = k.amount_currency AND l.id >= k.first_id) <> k.n"""
# 4: each line's balance after follows from the line before it
_RUNNING_BROKEN = "run WHERE balance_after <> expected"

_LINE_DRAFT = f"  SELECT nl.id, e.seq FROM {_DRAFT_BROKEN} LIMIT 1"
_LINE_REFS = f"  WITH {_KEYS}\n  SELECT k.first_id AS id, k.account_id, k.fund_id FROM {_REFS_BROKEN} LIMIT 1"
_LINE_APPENDED = f"  WITH {_KEYS}\n  SELECT k.account_id FROM k WHERE {_APPENDED_BROKEN} LIMIT 1"
_LINE_RUNNING = (
    f"  WITH {_KEYS}, {_OPENING_RUN}\n"
    f"  SELECT id, balance_after, expected FROM {_RUNNING_BROKEN} LIMIT 1"
)
_LINE_SMALL = f"""
  WITH {_KEYS}, {_OPENING_RUN}
  SELECT * FROM (
    SELECT 1 AS rule, nl.id, e.seq, NULL::bigint AS account_id, NULL::bigint AS fund_id,
           NULL::numeric AS balance_after, NULL::numeric AS expected
      FROM {_DRAFT_BROKEN}
    UNION ALL
    SELECT 2, k.first_id, NULL, k.account_id, k.fund_id, NULL, NULL FROM {_REFS_BROKEN}
    UNION ALL
    SELECT 3, NULL, NULL, k.account_id, NULL, NULL, NULL FROM k WHERE {_APPENDED_BROKEN}
    UNION ALL
    SELECT 4, id, NULL, NULL, NULL, balance_after, expected FROM {_RUNNING_BROKEN}
  ) p ORDER BY rule LIMIT 1"""
_LINE_REFUSALS = {
    1: """RAISE EXCEPTION 'ledger: line % must be added to a draft entry (entry % is posted or missing)',
      bad.id, bad.seq USING ERRCODE = 'check_violation';""",
    2: """RAISE EXCEPTION 'ledger: line % names account % and fund %, and one of them does not exist',
      bad.id, bad.account_id, bad.fund_id USING ERRCODE = 'foreign_key_violation';""",
    3: """RAISE EXCEPTION 'ledger: lines of account % must be appended after its existing lines',
      bad.account_id USING ERRCODE = 'check_violation';""",
    4: """RAISE EXCEPTION 'ledger: line % says balance after % but the lines give %',
      bad.id, bad.balance_after, bad.expected USING ERRCODE = 'check_violation';""",
}

PG = [
    # ---- lines: never updated; deleted only with a draft --------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'ledger: journal line % is never updated; post a reversing entry instead', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = OLD.entry_id AND e.status = 'posted') THEN
    RAISE EXCEPTION 'ledger: journal line % belongs to a posted entry and is never deleted', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN OLD;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_line_guard ON ledger_journalline;",
    """CREATE TRIGGER ledger_line_guard BEFORE UPDATE OR DELETE ON ledger_journalline
       FOR EACH ROW EXECUTE FUNCTION ledger_line_guard();""",
    # ---- lines: inserted into drafts, appended in order, with a running balance ---------------
    # Set-based over the statement's rows; the opening balance is read once per account x fund x
    # currency (MATERIALIZED keeps the planner from re-reading it for every line). JIT off and a
    # larger work_mem for the same reasons as above: a 200,000-line COPY sorts in memory.
    r"""
CREATE OR REPLACE FUNCTION ledger_line_insert_check() RETURNS trigger LANGUAGE plpgsql
SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  n bigint;
  bad record;
  hits bigint;
BEGIN
  SELECT count(*) INTO n FROM new_lines;
  IF n < """
    + str(SMALL)
    + """ THEN
"""
    + _LINE_SMALL
    + f"""
    INTO bad;
    IF NOT FOUND THEN
      RETURN NULL;
    ELSIF bad.rule = 1 THEN
      {_LINE_REFUSALS[1]}
    ELSIF bad.rule = 2 THEN
      {_LINE_REFUSALS[2]}
    ELSIF bad.rule = 3 THEN
      {_LINE_REFUSALS[3]}
    ELSE
      {_LINE_REFUSALS[4]}
    END IF;
  END IF;
"""
    + "".join(
        executed(query, "bad") + f"  IF hits > 0 THEN\n    {_LINE_REFUSALS[rule]}\n  END IF;\n"
        for rule, query in enumerate(
            (_LINE_DRAFT, _LINE_REFS, _LINE_APPENDED, _LINE_RUNNING), start=1
        )
    )
    + """  RETURN NULL;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_line_insert_check ON ledger_journalline;",
    """CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
       REFERENCING NEW TABLE AS new_lines
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_line_insert_check();""",
]

SQLITE = {
    "ledger_line_no_update": """
CREATE TRIGGER ledger_line_no_update BEFORE UPDATE ON ledger_journalline
BEGIN SELECT RAISE(ABORT, 'ledger: a journal line is never updated; post a reversing entry instead'); END;""",
    "ledger_line_no_delete": """
CREATE TRIGGER ledger_line_no_delete BEFORE DELETE ON ledger_journalline
WHEN (SELECT status FROM ledger_journalentry WHERE id = OLD.entry_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger: a line of a posted entry is never deleted'); END;""",
    "ledger_line_insert_check": f"""
CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
BEGIN
  SELECT RAISE(ABORT, 'ledger: lines are added only to a draft entry')
   WHERE coalesce((SELECT status FROM ledger_journalentry WHERE id = NEW.entry_id), 'missing') <> 'draft';
  SELECT RAISE(ABORT, 'ledger: a line must name an existing account and fund')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id)
      OR NOT EXISTS (SELECT 1 FROM ledger_fund f WHERE f.id = NEW.fund_id);
  SELECT RAISE(ABORT, 'ledger: lines must be appended after the existing lines of their account')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE {LINE_KEY.format(cur="amount_currency")} AND l.id > NEW.id);
  SELECT RAISE(ABORT, 'ledger: balance after the line does not follow from the line before it')
   WHERE round(NEW.balance_after - (coalesce((SELECT l.balance_after FROM ledger_journalline l
                WHERE {LINE_KEY.format(cur="amount_currency")} AND l.id < NEW.id ORDER BY l.id DESC LIMIT 1), 0)
              + CASE NEW.side WHEN 'D' THEN NEW.amount ELSE -NEW.amount END), 2) <> 0;
END;""",
}

GUARDS = GuardSet(
    name="ledger.journalline",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_line_guard": "ledger_journalline",
            "ledger_line_insert_check": "ledger_journalline",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_line_guard()",
            "ledger_line_insert_check()",
        ]
    },
)
