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

# 5-7, in one pass over the statement's lines (the accounts and funds with a rule to hold are
# a handful of rows): 5 an amount within the bounds every engine stores exactly (15
# significant digits: SQLite keeps a number as REAL, exact to 15); 6 a line on an account
# that pays a purpose, in a restricted fund, only for a purpose of that fund; 7 cash at bank
# and on hand never below zero, except in a reversal (it restores an earlier state). (The role
# test is IS TRUE: for an account outside the join it is NULL, and NULL AND ... evaluated the
# reversal look-up anyway, a scan of every entry, for each credit balance of the statement.)
MAX_LINE_AMOUNT = "999999999999.99"
MAX_BALANCE = "9999999999999.99"
_CONTROLS = f"""SELECT CASE WHEN nl.amount > {MAX_LINE_AMOUNT} OR abs(nl.balance_after) > {MAX_BALANCE} THEN 5
                WHEN a.purpose <> '' AND f.id IS NOT NULL
                     AND NOT (f.purposes @> jsonb_build_array(a.purpose)) THEN 6
                ELSE 7 END AS rule,
           nl.id, nl.account_id, nl.fund_id, nl.balance_after, nl.amount
      FROM new_lines nl
      LEFT JOIN (SELECT id, purpose, role FROM ledger_account
                  WHERE purpose <> '' OR role IN ('cash', 'bank')) a ON a.id = nl.account_id
      LEFT JOIN (SELECT id, purposes FROM ledger_fund WHERE restricted) f ON f.id = nl.fund_id
     WHERE nl.amount > {MAX_LINE_AMOUNT} OR abs(nl.balance_after) > {MAX_BALANCE}
        OR (a.purpose <> '' AND f.id IS NOT NULL
            AND NOT (f.purposes @> jsonb_build_array(a.purpose)))
        OR (nl.balance_after < 0 AND (a.role IN ('cash', 'bank')) IS TRUE
            AND NOT EXISTS (SELECT 1 FROM ledger_journalentry e
                             WHERE e.id = nl.entry_id AND e.reverses_id IS NOT NULL))"""

_LINE_DRAFT = f"  SELECT nl.id, e.seq FROM {_DRAFT_BROKEN} LIMIT 1"
_LINE_REFS = f"  WITH {_KEYS}\n  SELECT k.first_id AS id, k.account_id, k.fund_id FROM {_REFS_BROKEN} LIMIT 1"
_LINE_APPENDED = f"  WITH {_KEYS}\n  SELECT k.account_id FROM k WHERE {_APPENDED_BROKEN} LIMIT 1"
_LINE_RUNNING = (
    f"  WITH {_KEYS}, {_OPENING_RUN}\n"
    f"  SELECT id, balance_after, expected FROM {_RUNNING_BROKEN} LIMIT 1"
)
# (the amount as ``expected``, the column the refusal of rule 5 reads, as in the small form)
_LINE_CONTROLS = (
    "  SELECT c.rule, c.id, c.account_id, c.fund_id, c.balance_after, c.amount AS expected"
    f" FROM ({_CONTROLS}) c ORDER BY rule, id LIMIT 1"
)
# The usual small statement (a posting's few lines) is checked line by line in one query with
# a small plan: each line looks up its entry, account and fund by primary key and the lines
# just before and after it of its key through the key's index. Starting a plan costs about as
# much as running it for two lines, and the set-based form above (a union of the rules over
# CTEs, about fifty plan nodes) cost 0.17 ms a posting, a twelfth of a single posting's time;
# this one is a third of the nodes. It holds the same rules: 3 (appended) because the line
# after each new line of a key, if any, is one of the statement's, which chains every line
# after the key's first new one into the statement; 4 (running) against the line before each,
# which for the second new line of a key is the first (visible in the table: the trigger runs
# after the insert), in whose check it is itself checked. OFFSET 0 keeps each level a
# subquery of its own, so the planner does not copy the rules (and their look-ups) into both
# the filter and the sort key.
_LINE_SMALL = f"""
  SELECT x.rule, x.id, x.seq, x.account_id, x.fund_id, x.balance_after, x.expected FROM (
    SELECT CASE
             WHEN nl.e_status IS DISTINCT FROM 'draft' THEN 1
             WHEN nl.a_id IS NULL OR nl.f_id IS NULL THEN 2
             WHEN nl.next_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM new_lines n2 WHERE n2.id = nl.next_id) THEN 3
             WHEN nl.balance_after <> nl.expected THEN 4
             WHEN nl.amount > {MAX_LINE_AMOUNT} OR abs(nl.balance_after) > {MAX_BALANCE} THEN 5
             WHEN nl.purpose <> '' AND nl.restricted
                  AND NOT (nl.purposes @> jsonb_build_array(nl.purpose)) THEN 6
             WHEN nl.balance_after < 0 AND nl.role IN ('cash', 'bank')
                  AND nl.reverses_id IS NULL THEN 7
           END AS rule,
           nl.id, nl.seq, nl.account_id, nl.fund_id, nl.balance_after,
           CASE WHEN nl.amount > {MAX_LINE_AMOUNT} OR abs(nl.balance_after) > {MAX_BALANCE}
                THEN nl.amount ELSE nl.expected END AS expected
      FROM (SELECT n.id, n.account_id, n.fund_id, n.balance_after, n.amount,
                   e.seq, e.status AS e_status, e.reverses_id,
                   a.id AS a_id, a.purpose, a.role, f.id AS f_id, f.restricted, f.purposes,
                   coalesce((SELECT l.balance_after FROM ledger_journalline l
                              WHERE l.account_id = n.account_id AND l.fund_id = n.fund_id
                                AND l.amount_currency = n.amount_currency AND l.id < n.id
                              ORDER BY l.id DESC LIMIT 1), 0)
                     + CASE WHEN n.side = 'D' THEN n.amount ELSE -n.amount END AS expected,
                   (SELECT l.id FROM ledger_journalline l
                     WHERE l.account_id = n.account_id AND l.fund_id = n.fund_id
                       AND l.amount_currency = n.amount_currency AND l.id > n.id
                     ORDER BY l.id LIMIT 1) AS next_id
              FROM new_lines n
              LEFT JOIN ledger_journalentry e ON e.id = n.entry_id
              LEFT JOIN ledger_account a ON a.id = n.account_id
              LEFT JOIN ledger_fund f ON f.id = n.fund_id
            OFFSET 0) nl
    OFFSET 0
  ) x WHERE x.rule IS NOT NULL ORDER BY x.rule, x.id LIMIT 1"""
_DETAIL = "'line=' || bad.id || ';account=' || coalesce(account_code, '') || ';fund=' || coalesce(fund_code, '')"
_LINE_REFUSALS = {
    1: """RAISE EXCEPTION 'ledger[line_draft]: line % must be added to a draft entry (entry % is posted or missing)',
      bad.id, bad.seq USING ERRCODE = 'check_violation';""",
    2: """RAISE EXCEPTION 'ledger[line_refs]: line % names account % and fund %, and one of them does not exist',
      bad.id, bad.account_id, bad.fund_id USING ERRCODE = 'foreign_key_violation';""",
    3: """RAISE EXCEPTION 'ledger[line_appended]: lines of account % must be appended after its existing lines',
      bad.account_id USING ERRCODE = 'check_violation';""",
    4: """RAISE EXCEPTION 'ledger[line_running]: line % says balance after % but the lines give %',
      bad.id, bad.balance_after, bad.expected USING ERRCODE = 'check_violation';""",
    5: f"""RAISE EXCEPTION 'ledger[amount_bounds]: line % of account % in fund %: amount % or balance after % is beyond what the books hold (a line up to {MAX_LINE_AMOUNT}, a balance up to {MAX_BALANCE})',
      bad.id, account_code, fund_code, bad.expected, bad.balance_after USING ERRCODE = 'check_violation',
      DETAIL = {_DETAIL} || ';amount=' || bad.expected || ';balance=' || bad.balance_after;""",
    6: f"""RAISE EXCEPTION 'ledger[purpose]: line % of account % pays purpose %, which restricted fund % does not allow',
      bad.id, account_code, account_purpose, fund_code USING ERRCODE = 'check_violation',
      DETAIL = {_DETAIL} || ';purpose=' || account_purpose;""",
    7: f"""RAISE EXCEPTION 'ledger[below_zero]: line % leaves account % of fund % at %, below zero',
      bad.id, account_code, fund_code, bad.balance_after USING ERRCODE = 'check_violation',
      DETAIL = {_DETAIL} || ';balance=' || bad.balance_after;""",
}
# The codes a message names, read once a rule is broken.
_NAMES = """SELECT a.code, a.purpose, f.code INTO account_code, account_purpose, fund_code
      FROM (SELECT 1) one LEFT JOIN ledger_account a ON a.id = bad.account_id
      LEFT JOIN ledger_fund f ON f.id = bad.fund_id;"""

PG = [
    # ---- lines: never updated; deleted only with a draft --------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'ledger[line_frozen]: journal line % is never updated; post a reversing entry instead', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = OLD.entry_id AND e.status = 'posted') THEN
    RAISE EXCEPTION 'ledger[line_frozen]: journal line % belongs to a posted entry and is never deleted', OLD.id
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
    # currency (MATERIALIZED keeps the planner from re-reading it for every line). A large
    # statement runs with JIT off (the planner cannot see how small transition tables are, and
    # compiling cost more than running) and a larger work_mem (a 200,000-line COPY sorts in
    # memory), set for the check and put back after it: a function-level SET would cost every
    # small posting a save and restore of both settings.
    r"""
CREATE OR REPLACE FUNCTION ledger_line_insert_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  saved_jit text;
  saved_work_mem text;
  bad record;
  hits bigint;
  account_code text;
  account_purpose text;
  fund_code text;
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
    ELSIF bad.rule = 4 THEN
      {_LINE_REFUSALS[4]}
    END IF;
    {_NAMES}
    IF bad.rule = 5 THEN
      {_LINE_REFUSALS[5]}
    ELSIF bad.rule = 6 THEN
      {_LINE_REFUSALS[6]}
    ELSE
      {_LINE_REFUSALS[7]}
    END IF;
  END IF;
  saved_jit := current_setting('jit');
  saved_work_mem := current_setting('work_mem');
  PERFORM set_config('jit', 'off', true), set_config('work_mem', '64MB', true);
"""
    + "".join(
        executed(query, "bad") + f"  IF hits > 0 THEN\n    {_LINE_REFUSALS[rule]}\n  END IF;\n"
        for rule, query in enumerate(
            (_LINE_DRAFT, _LINE_REFS, _LINE_APPENDED, _LINE_RUNNING), start=1
        )
    )
    + executed(_LINE_CONTROLS, "bad")
    + f"""  IF hits > 0 THEN
    {_NAMES}
    IF bad.rule = 5 THEN
      {_LINE_REFUSALS[5]}
    ELSIF bad.rule = 6 THEN
      {_LINE_REFUSALS[6]}
    ELSE
      {_LINE_REFUSALS[7]}
    END IF;
  END IF;
"""
    + """  PERFORM set_config('jit', saved_jit, true), set_config('work_mem', saved_work_mem, true);
  RETURN NULL;
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
BEGIN SELECT RAISE(ABORT, 'ledger[line_frozen]: a journal line is never updated; post a reversing entry instead'); END;""",
    "ledger_line_no_delete": """
CREATE TRIGGER ledger_line_no_delete BEFORE DELETE ON ledger_journalline
WHEN (SELECT status FROM ledger_journalentry WHERE id = OLD.entry_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger[line_frozen]: a line of a posted entry is never deleted'); END;""",
    "ledger_line_insert_check": f"""
CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
BEGIN
  SELECT RAISE(ABORT, 'ledger[line_draft]: lines are added only to a draft entry')
   WHERE coalesce((SELECT status FROM ledger_journalentry WHERE id = NEW.entry_id), 'missing') <> 'draft';
  SELECT RAISE(ABORT, 'ledger[line_refs]: a line must name an existing account and fund')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id)
      OR NOT EXISTS (SELECT 1 FROM ledger_fund f WHERE f.id = NEW.fund_id);
  SELECT RAISE(ABORT, 'ledger[line_appended]: lines must be appended after the existing lines of their account')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE {LINE_KEY.format(cur="amount_currency")} AND l.id > NEW.id);
  SELECT RAISE(ABORT, 'ledger[line_running]: balance after the line does not follow from the line before it')
   WHERE round(NEW.balance_after - (coalesce((SELECT l.balance_after FROM ledger_journalline l
                WHERE {LINE_KEY.format(cur="amount_currency")} AND l.id < NEW.id ORDER BY l.id DESC LIMIT 1), 0)
              + CASE NEW.side WHEN 'D' THEN NEW.amount ELSE -NEW.amount END), 2) <> 0;
  SELECT RAISE(ABORT, 'ledger[amount_bounds]: a line amount or balance after is beyond what the books hold (a line up to {MAX_LINE_AMOUNT}, a balance up to {MAX_BALANCE})')
   WHERE NEW.amount > {MAX_LINE_AMOUNT} OR abs(NEW.balance_after) > {MAX_BALANCE};
  SELECT RAISE(ABORT, 'ledger[purpose]: the line pays a purpose its restricted fund does not allow')
   WHERE EXISTS (SELECT 1 FROM ledger_account a JOIN ledger_fund f ON f.id = NEW.fund_id
                  WHERE a.id = NEW.account_id AND a.purpose <> '' AND f.restricted
                    AND NOT EXISTS (SELECT 1 FROM json_each(f.purposes) j WHERE j.value = a.purpose));
  SELECT RAISE(ABORT, 'ledger[below_zero]: the line leaves cash at bank or on hand of its fund below zero')
   WHERE NEW.balance_after < 0
     AND (SELECT role FROM ledger_account WHERE id = NEW.account_id) IN ('cash', 'bank')
     AND (SELECT reverses_id FROM ledger_journalentry WHERE id = NEW.entry_id) IS NULL;
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
