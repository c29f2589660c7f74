"""Database triggers that hold the ledger's guarantees below the ORM, on SQLite and PostgreSQL.

Django constraints cover what one row can say (positive amounts, valid sides, unique keys). What
spans rows is held here, as triggers, so that ``.update()``, ``bulk_create`` and raw SQL are
refused as the services would refuse them:

* entries are inserted as drafts; flipping one to *posted* checks that it has two or more lines,
  balances for each fund and currency, lies in an open period, and links to its predecessor in
  the hash chain; a posted entry is never updated or deleted;
* lines go only into draft entries, are never updated, and are deleted only with a draft; each
  line's ``balance_after`` must follow from the line before it for the same account, fund and
  currency (lines are appended in id order);
* a line names an existing entry, account and fund, and what a line names is never deleted and
  never changes its id (held here rather than by foreign keys, which PostgreSQL checks row by
  row at commit: they were a fifth of a large batch);
* a stored balance must equal the ``balance_after`` of the latest line of its key, and its
  ``line_count`` must grow by exactly the lines added since its previous latest line;
* a closed period is never changed or reopened, and periods never overlap;
* the code of an account or fund never changes once a journal line uses it (entry content
  hashes cover the codes);
* audit events are append-only.

PostgreSQL checks the flip and line inserts once per *statement* (transition tables), so a batch
of 100,000 entries is checked in a few set-based queries; SQLite has only row triggers and checks
row by row. Tests assert the same refusals on both.

The SQL is hand-written because no maintained library enforces double-entry rules in the
database for both engines (django-hordak's triggers are PostgreSQL/MySQL only).
"""

from django.db.backends.base.base import BaseDatabaseWrapper

PREFIX = "ledger: "

# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------
# Statement-level triggers read their transition tables through plans that PL/pgSQL caches: a
# query is planned once, for the size the tables had the first time. A plan made for a one-entry
# posting (nested loops) is quadratic on a 100,000-entry batch, so statements of SMALL rows or
# more run the same query through EXECUTE, planned for their real size; small ones keep the
# cached plan (planning costs more than running them).
SMALL = 200


def _sized(query: str, into: str, size: str, args: tuple[str, ...] = ()) -> str:
    """PL/pgSQL running ``query`` ($1, $2... bound to ``args``) INTO ``into``: a cached plan
    when ``size`` < SMALL, a plan for the real size through EXECUTE otherwise. It sets ``hits``
    to the number of rows found (EXECUTE does not set FOUND)."""
    static = query.rstrip().rstrip(";")
    for number, name in reversed(list(enumerate(args, start=1))):
        static = static.replace(f"${number}", name)
    using = f" USING {', '.join(args)}" if args else ""
    return (
        f"  IF {size} < {SMALL} THEN\n{static}\n  INTO {into};\n  ELSE\n"
        f"  EXECUTE $q${query.rstrip().rstrip(';')}$q$\n  INTO {into}{using};\n  END IF;\n"
        "  GET DIAGNOSTICS hits = ROW_COUNT;\n"
    )


_POST_CHECK = """  WITH p AS MATERIALIZED (
    SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash
      FROM new_entries n JOIN old_entries o ON o.id = n.id
     WHERE o.status = 'draft' AND n.status = 'posted'
  ), sums AS MATERIALIZED (
    SELECT l.entry_id, l.fund_id, l.amount_currency, count(*) AS n,
           sum(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END) AS diff
      FROM ledger_journalline l
     WHERE l.entry_id BETWEEN $1 AND $2 AND l.entry_id IN (SELECT id FROM p)
     GROUP BY l.entry_id, l.fund_id, l.amount_currency
  ), problems AS (
    SELECT 1 AS rule, p.seq, NULL::bigint AS fund_id, NULL::text AS currency,
           NULL::numeric AS diff, NULL::text AS code, NULL::text AS status
      FROM p LEFT JOIN (SELECT entry_id, sum(n) AS n FROM sums GROUP BY entry_id) c
        ON c.entry_id = p.id
     WHERE coalesce(c.n, 0) < 2
    UNION ALL
    SELECT 2, p.seq, s.fund_id, s.amount_currency, s.diff, NULL, NULL
      FROM sums s JOIN p ON p.id = s.entry_id
     WHERE s.diff <> 0
    UNION ALL
    SELECT 3, p.seq, NULL, NULL, NULL, pr.code, pr.status
      FROM p LEFT JOIN ledger_period pr ON pr.id = p.period_id
     WHERE pr.id IS NULL OR pr.status <> 'open' OR p.date < pr.start OR p.date > pr."end"
    UNION ALL
    -- The predecessor is looked up among the rows of this statement first (a batch links to
    -- itself), then in the table; new_entries rows are table rows, so the answer is the same.
    SELECT 4, p.seq, NULL, NULL, NULL, NULL, NULL
      FROM p
     WHERE NOT (p.seq = 1 AND p.prev_hash = repeat('0', 64))
       AND NOT EXISTS (SELECT 1 FROM new_entries ne
                        WHERE ne.seq = p.seq - 1 AND ne.hash = p.prev_hash)
       AND NOT EXISTS (SELECT 1 FROM ledger_journalentry e
                        WHERE e.seq = p.seq - 1 AND e.hash = p.prev_hash)
  )
  SELECT * FROM problems ORDER BY rule LIMIT 1"""

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


def _executed(query: str, into: str) -> str:
    """PL/pgSQL running ``query`` through EXECUTE (planned for the statement's real size) INTO
    ``into``, setting ``hits`` to the rows found."""
    return (
        f"  EXECUTE $q${query.rstrip().rstrip(';')}$q$\n  INTO {into};\n"
        "  GET DIAGNOSTICS hits = ROW_COUNT;\n"
    )


PG_INSTALL = [
    # ---- entries: inserted as drafts; posted ones are frozen ---------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IS DISTINCT FROM 'draft' THEN
      RAISE EXCEPTION 'ledger: entry % must be inserted as a draft and posted by an update', NEW.seq
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'posted' THEN
    RAISE EXCEPTION 'ledger: posted entry % is never %d; post a reversing entry instead',
      OLD.seq, lower(TG_OP) USING ERRCODE = 'check_violation';
  END IF;
  -- Lines name their entry without a foreign key (see ledger_line_referenced): a draft keeps
  -- its id, and is deleted only once it has no lines.
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id <> OLD.id THEN
      RAISE EXCEPTION 'ledger: entry % never changes its id', OLD.seq USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger: draft entry % still has lines; delete them first', OLD.seq
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
""",
    # The WHEN conditions are evaluated without calling the function: the usual rows (a draft
    # inserted, a draft flipped to posted) pay no PL/pgSQL call each, which in a batch of
    # 100,000 entries was two calls per entry.
    "DROP TRIGGER IF EXISTS ledger_entry_guard ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_guard BEFORE UPDATE ON ledger_journalentry
       FOR EACH ROW WHEN (OLD.status = 'posted' OR NEW.id IS DISTINCT FROM OLD.id)
       EXECUTE FUNCTION ledger_entry_guard();""",
    "DROP TRIGGER IF EXISTS ledger_entry_insert_guard ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_insert_guard BEFORE INSERT ON ledger_journalentry
       FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM 'draft')
       EXECUTE FUNCTION ledger_entry_guard();""",
    "DROP TRIGGER IF EXISTS ledger_entry_delete_guard ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_delete_guard BEFORE DELETE ON ledger_journalentry
       FOR EACH ROW EXECUTE FUNCTION ledger_entry_guard();""",
    # ---- the flip to posted, checked once per statement ---------------------------------------
    # One pass: the flipped entries and their per-fund sums are computed once and every rule is
    # checked against them; the first broken rule (in the order below) is reported. JIT is off
    # because the planner cannot see how small transition tables are, and compiling the plan
    # cost more than running it; the lines are read through their entry_id index range.
    r"""
CREATE OR REPLACE FUNCTION ledger_entry_post_check() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
  span record;
  bad record;
  hits bigint;
BEGIN
  -- Only rows flipped from draft to posted by this statement are checked.
  SELECT min(n.id) AS lo, max(n.id) AS hi, count(*) AS n INTO span
    FROM new_entries n JOIN old_entries o ON o.id = n.id
   WHERE o.status = 'draft' AND n.status = 'posted';
  IF span.n = 0 THEN
    RETURN NULL;
  END IF;

"""
    + _sized(_POST_CHECK, "bad", "span.n", ("span.lo", "span.hi"))
    + r"""
  IF hits = 0 THEN
    RETURN NULL;
  ELSIF bad.rule = 1 THEN
    RAISE EXCEPTION 'ledger: entry % needs at least two lines', bad.seq USING ERRCODE = 'check_violation';
  ELSIF bad.rule = 2 THEN
    RAISE EXCEPTION 'ledger: entry % does not balance for fund % in %: debits minus credits = %',
      bad.seq, bad.fund_id, bad.currency, bad.diff USING ERRCODE = 'check_violation';
  ELSIF bad.rule = 3 THEN
    RAISE EXCEPTION 'ledger: entry % is dated outside an open period (period %: %)',
      bad.seq, bad.code, bad.status USING ERRCODE = 'check_violation';
  ELSE
    RAISE EXCEPTION 'ledger: entry % does not link to the hash of entry %', bad.seq, bad.seq - 1
      USING ERRCODE = 'check_violation';
  END IF;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_entry_post_check ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_post_check AFTER UPDATE ON ledger_journalentry
       REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_post_check();""",
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
        _executed(query, "bad") + f"  IF hits > 0 THEN\n    {_LINE_REFUSALS[rule]}\n  END IF;\n"
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
    RAISE EXCEPTION 'ledger: stored balance % is never deleted', OLD.id USING ERRCODE = 'check_violation';
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
      RAISE EXCEPTION 'ledger: stored balance % never changes its account, fund or currency',
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
    RAISE EXCEPTION 'ledger: stored balance % % must equal the balance after line %',
      NEW.balance, NEW.currency, NEW.last_line_id USING ERRCODE = 'check_violation';
  END IF;
  IF newest > NEW.last_line_id THEN
    RAISE EXCEPTION 'ledger: stored balance must follow the latest line of account %, fund %',
      NEW.account_id, NEW.fund_id USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.line_count IS DISTINCT FROM counted + added THEN
    RAISE EXCEPTION 'ledger: stored balance of account %, fund % says % lines but its lines do not',
      NEW.account_id, NEW.fund_id, NEW.line_count USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_balance_guard ON ledger_balance;",
    """CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_balance
       FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard();""",
    # ---- periods: closed stays closed; no overlaps --------------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_period_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'closed' THEN
    RAISE EXCEPTION 'ledger: period % is closed and stays closed', OLD.code USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  IF EXISTS (SELECT 1 FROM ledger_period p WHERE p.id <> NEW.id
              AND p.start <= NEW."end" AND NEW.start <= p."end") THEN
    RAISE EXCEPTION 'ledger: period % overlaps another period', NEW.code USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_period_guard ON ledger_period;",
    """CREATE TRIGGER ledger_period_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_period
       FOR EACH ROW EXECUTE FUNCTION ledger_period_guard();""",
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
    # ---- audit events are append-only ---------------------------------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: audit events are never changed or deleted' USING ERRCODE = 'check_violation';
END $$;
""",
    "DROP TRIGGER IF EXISTS ledger_audit_guard ON ledger_auditevent;",
    """CREATE TRIGGER ledger_audit_guard BEFORE UPDATE OR DELETE ON ledger_auditevent
       FOR EACH ROW EXECUTE FUNCTION ledger_audit_guard();""",
    # ---- one posting in one round trip (ledger.services, PostgreSQL path) ----------------------
    # Not a guard: the same statements the Python path sends (lock the chain head, answer a
    # retry, find or open the month's period, insert the draft and its lines with running
    # balances, flip it to posted, upsert the balances, move the head), run inside the server so
    # a single posting costs one round trip instead of a dozen. Every trigger above still fires
    # on every statement. The entry hash is ``ledger.hashing.entry_hash`` spelt in SQL; the
    # timestamp token and content hash come from Python. A refusal raises 'ledger_post_entry
    # refused' with the reason in DETAIL, so nothing of the posting remains.
    r"""
DROP FUNCTION IF EXISTS ledger_post_entry(text, text, date, text, text, bigint, bigint,
  timestamptz, text, bigint[], bigint[], text[], numeric[], text[], text[]);
""",
    r"""
CREATE FUNCTION ledger_post_entry(
  p_key text, p_content_hash text, p_date date, p_memo text, p_source text,
  p_reverses_id bigint, p_actor_id bigint, p_posted_at timestamptz, p_posted_at_token text,
  p_accounts bigint[], p_funds bigint[], p_sides text[], p_amounts numeric[],
  p_currencies text[], p_memos text[])
RETURNS TABLE (o_outcome text, o_entry_id bigint, o_seq bigint, o_prev_hash text, o_hash text,
               o_period_id bigint, o_period_code text, o_period_start date, o_period_end date,
               o_period_status text, o_period_closed_at timestamptz, o_period_closed_by_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_id bigint;
  ex record;
  per ledger_period%ROWTYPE;
BEGIN
  SELECT h.last_seq, h.last_hash INTO v_seq, v_prev FROM ledger_chainhead h WHERE h.id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO ledger_chainhead (id, last_seq, last_hash) VALUES (1, 0, repeat('0', 64))
      ON CONFLICT (id) DO NOTHING;
    SELECT h.last_seq, h.last_hash INTO v_seq, v_prev FROM ledger_chainhead h WHERE h.id = 1 FOR UPDATE;
  END IF;

  -- A retry returns the first entry; the same key with other content is refused.
  SELECT e.id, e.seq, e.content_hash INTO ex FROM ledger_journalentry e WHERE e.idempotency_key = p_key;
  IF FOUND THEN
    IF ex.content_hash <> p_content_hash THEN
      RAISE EXCEPTION 'ledger_post_entry refused' USING DETAIL = 'conflict|' || ex.seq;
    END IF;
    o_outcome := 'existing';
    o_entry_id := ex.id;
    o_seq := ex.seq;
    RETURN NEXT;
    RETURN;
  END IF;

  SELECT * INTO per FROM ledger_period p WHERE p.start <= p_date AND p."end" >= p_date
   ORDER BY p.start LIMIT 1;
  IF NOT FOUND THEN
    INSERT INTO ledger_period (code, start, "end", status, closed_at, closed_by_id)
    VALUES (to_char(p_date, 'YYYY-MM'), date_trunc('month', p_date)::date,
            (date_trunc('month', p_date) + interval '1 month' - interval '1 day')::date,
            'open', NULL, NULL)
    RETURNING * INTO per;
  ELSIF per.status <> 'open' THEN
    RAISE EXCEPTION 'ledger_post_entry refused' USING DETAIL = 'closed|' || per.code;
  END IF;

  v_seq := v_seq + 1;
  v_hash := encode(sha256(convert_to(
      v_prev || '|' || v_seq || '|' || encode(sha256(convert_to(p_key, 'UTF8')), 'hex') || '|'
      || p_content_hash || '|' || coalesce(p_actor_id::text, '') || '|' || p_posted_at_token,
      'UTF8')), 'hex');
  INSERT INTO ledger_journalentry (seq, date, period_id, memo, source, status, idempotency_key,
                                   content_hash, prev_hash, hash, reverses_id, posted_by_id, posted_at)
  VALUES (v_seq, p_date, per.id, p_memo, p_source, 'draft', p_key, p_content_hash, v_prev, v_hash,
          p_reverses_id, p_actor_id, p_posted_at)
  RETURNING id INTO v_id;

  -- Lines in order (ids ascend with line_no), each with the balance after it.
  INSERT INTO ledger_journalline (entry_id, line_no, account_id, fund_id, side, amount_currency,
                                  amount, balance_after, memo)
  SELECT v_id, t.ord, t.a, t.f, t.s, t.c, t.amt,
         coalesce(b.balance, 0) + sum(CASE WHEN t.s = 'D' THEN t.amt ELSE -t.amt END)
           OVER (PARTITION BY t.a, t.f, t.c ORDER BY t.ord),
         t.m
    FROM unnest(p_accounts, p_funds, p_sides, p_amounts, p_currencies, p_memos)
           WITH ORDINALITY AS t(a, f, s, amt, c, m, ord)
    LEFT JOIN ledger_balance b ON b.account_id = t.a AND b.fund_id = t.f AND b.currency = t.c
   ORDER BY t.ord;

  UPDATE ledger_journalentry SET status = 'posted' WHERE id = v_id;

  -- Stored balances, new keys in order of their first line (as the Python path inserts them).
  INSERT INTO ledger_balance (account_id, fund_id, currency, balance, last_line_id, line_count)
  SELECT x.account_id, x.fund_id, x.amount_currency, x.balance_after, x.id, x.n
    FROM (SELECT l.id, l.account_id, l.fund_id, l.amount_currency, l.balance_after,
                 row_number() OVER w_desc AS rn, min(l.line_no) OVER w AS first_no,
                 count(*) OVER w AS n
            FROM ledger_journalline l WHERE l.entry_id = v_id
          WINDOW w AS (PARTITION BY l.account_id, l.fund_id, l.amount_currency),
                 w_desc AS (w ORDER BY l.line_no DESC)) x
   WHERE x.rn = 1
   ORDER BY x.first_no
  ON CONFLICT (account_id, fund_id, currency)
  DO UPDATE SET balance = EXCLUDED.balance, last_line_id = EXCLUDED.last_line_id,
                line_count = ledger_balance.line_count + EXCLUDED.line_count;

  UPDATE ledger_chainhead SET last_seq = v_seq, last_hash = v_hash WHERE id = 1;

  o_outcome := 'posted';
  o_entry_id := v_id;
  o_seq := v_seq;
  o_prev_hash := v_prev;
  o_hash := v_hash;
  o_period_id := per.id;
  o_period_code := per.code;
  o_period_start := per.start;
  o_period_end := per."end";
  o_period_status := per.status;
  o_period_closed_at := per.closed_at;
  o_period_closed_by_id := per.closed_by_id;
  RETURN NEXT;
END $$;
""",
]

PG_TRIGGERS = {
    "ledger_entry_guard": "ledger_journalentry",
    "ledger_entry_insert_guard": "ledger_journalentry",
    "ledger_entry_delete_guard": "ledger_journalentry",
    "ledger_entry_post_check": "ledger_journalentry",
    "ledger_line_guard": "ledger_journalline",
    "ledger_line_insert_check": "ledger_journalline",
    "ledger_balance_guard": "ledger_balance",
    "ledger_period_guard": "ledger_period",
    "ledger_audit_guard": "ledger_auditevent",
    "ledger_account_code_frozen": "ledger_account",
    "ledger_fund_code_frozen": "ledger_fund",
    "ledger_account_referenced": "ledger_account",
    "ledger_fund_referenced": "ledger_fund",
    "ledger_account_lines_lock": "ledger_account",
    "ledger_fund_lines_lock": "ledger_fund",
    "ledger_entry_lines_lock": "ledger_journalentry",
}

# --------------------------------------------------------------------------------------------
# SQLite (row triggers; amounts are stored as REAL there, so sums are compared rounded to cents)
# --------------------------------------------------------------------------------------------
_KEY = "l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.{cur}"
SQLITE_TRIGGERS = {
    "ledger_entry_insert_draft": """
CREATE TRIGGER ledger_entry_insert_draft BEFORE INSERT ON ledger_journalentry
WHEN NEW.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'ledger: an entry must be inserted as a draft and posted by an update'); END;""",
    "ledger_entry_posted_frozen": """
CREATE TRIGGER ledger_entry_posted_frozen BEFORE UPDATE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger: a posted entry is never updated; post a reversing entry instead'); END;""",
    "ledger_entry_posted_nodelete": """
CREATE TRIGGER ledger_entry_posted_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger: a posted entry is never deleted; post a reversing entry instead'); END;""",
    "ledger_entry_post_check": """
CREATE TRIGGER ledger_entry_post_check BEFORE UPDATE ON ledger_journalentry
WHEN OLD.status = 'draft' AND NEW.status = 'posted'
BEGIN
  SELECT RAISE(ABORT, 'ledger: an entry needs at least two lines')
   WHERE (SELECT count(*) FROM ledger_journalline WHERE entry_id = NEW.id) < 2;
  SELECT RAISE(ABORT, 'ledger: entry does not balance: for each fund and currency debits must equal credits')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = NEW.id
                  GROUP BY l.fund_id, l.amount_currency
                 HAVING round(sum(CASE l.side WHEN 'D' THEN l.amount ELSE -l.amount END), 2) <> 0);
  SELECT RAISE(ABORT, 'ledger: entry is dated outside an open period')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_period p WHERE p.id = NEW.period_id AND p.status = 'open'
                      AND NEW.date >= p.start AND NEW.date <= p."end");
  SELECT RAISE(ABORT, 'ledger: entry does not link to the hash of the entry before it')
   WHERE NOT ((NEW.seq = 1 AND NEW.prev_hash = '0000000000000000000000000000000000000000000000000000000000000000')
              OR EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.seq = NEW.seq - 1 AND e.hash = NEW.prev_hash));
END;""",
    # Lines hold no foreign keys (migration 0008; see ledger_line_referenced above).
    "ledger_entry_with_lines_nodelete": """
CREATE TRIGGER ledger_entry_with_lines_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status <> 'posted' AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: a draft entry with lines is not deleted; delete its lines first'); END;""",
    "ledger_entry_id_frozen": """
CREATE TRIGGER ledger_entry_id_frozen BEFORE UPDATE OF id ON ledger_journalentry
WHEN NEW.id IS NOT OLD.id
BEGIN SELECT RAISE(ABORT, 'ledger: an entry never changes its id'); END;""",
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
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE {_KEY.format(cur="amount_currency")} AND l.id > NEW.id);
  SELECT RAISE(ABORT, 'ledger: balance after the line does not follow from the line before it')
   WHERE round(NEW.balance_after - (coalesce((SELECT l.balance_after FROM ledger_journalline l
                WHERE {_KEY.format(cur="amount_currency")} AND l.id < NEW.id ORDER BY l.id DESC LIMIT 1), 0)
              + CASE NEW.side WHEN 'D' THEN NEW.amount ELSE -NEW.amount END), 2) <> 0;
END;""",
    "ledger_balance_insert_check": f"""
CREATE TRIGGER ledger_balance_insert_check BEFORE INSERT ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND {_KEY.format(cur="currency")} AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE {_KEY.format(cur="currency")} AND l.id > NEW.last_line_id);
END;""",
    "ledger_balance_update_check": f"""
CREATE TRIGGER ledger_balance_update_check BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND {_KEY.format(cur="currency")} AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE {_KEY.format(cur="currency")} AND l.id > NEW.last_line_id);
  SELECT RAISE(ABORT, 'ledger: a stored balance never changes its account, fund or currency')
   WHERE NEW.account_id IS NOT OLD.account_id OR NEW.fund_id IS NOT OLD.fund_id
      OR NEW.currency IS NOT OLD.currency;
END;""",
    # Line counts (migration 0007 added the column; see _SQLITE_NEEDS).
    "ledger_balance_count_insert": f"""
CREATE TRIGGER ledger_balance_count_insert BEFORE INSERT ON ledger_balance
WHEN NOT EXISTS (SELECT 1 FROM ledger_balance b WHERE b.account_id = NEW.account_id
                  AND b.fund_id = NEW.fund_id AND b.currency = NEW.currency)
BEGIN
  SELECT RAISE(ABORT, 'ledger: the line count of a stored balance must equal the lines of its key')
   WHERE NEW.line_count IS NOT (SELECT count(*) FROM ledger_journalline l
          WHERE {_KEY.format(cur="currency")} AND l.id <= NEW.last_line_id);
END;""",
    "ledger_balance_count_update": f"""
CREATE TRIGGER ledger_balance_count_update BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger: the line count of a stored balance must grow by the lines added since its last line')
   WHERE NEW.line_count IS NOT OLD.line_count + (SELECT count(*) FROM ledger_journalline l
          WHERE {_KEY.format(cur="currency")} AND l.id > OLD.last_line_id AND l.id <= NEW.last_line_id);
END;""",
    "ledger_balance_no_delete": """
CREATE TRIGGER ledger_balance_no_delete BEFORE DELETE ON ledger_balance
BEGIN SELECT RAISE(ABORT, 'ledger: a stored balance is never deleted'); END;""",
    "ledger_period_closed_frozen": """
CREATE TRIGGER ledger_period_closed_frozen BEFORE UPDATE ON ledger_period
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'ledger: a closed period stays closed'); END;""",
    "ledger_period_closed_nodelete": """
CREATE TRIGGER ledger_period_closed_nodelete BEFORE DELETE ON ledger_period
WHEN OLD.status = 'closed'
BEGIN SELECT RAISE(ABORT, 'ledger: a closed period stays closed'); END;""",
    "ledger_period_no_overlap_insert": """
CREATE TRIGGER ledger_period_no_overlap_insert BEFORE INSERT ON ledger_period
WHEN EXISTS (SELECT 1 FROM ledger_period p WHERE p.start <= NEW."end" AND NEW.start <= p."end")
BEGIN SELECT RAISE(ABORT, 'ledger: periods must not overlap'); END;""",
    "ledger_period_no_overlap_update": """
CREATE TRIGGER ledger_period_no_overlap_update BEFORE UPDATE ON ledger_period
WHEN EXISTS (SELECT 1 FROM ledger_period p WHERE p.id <> NEW.id AND p.start <= NEW."end" AND NEW.start <= p."end")
BEGIN SELECT RAISE(ABORT, 'ledger: periods must not overlap'); END;""",
    "ledger_account_code_frozen": """
CREATE TRIGGER ledger_account_code_frozen BEFORE UPDATE OF code ON ledger_account
WHEN NEW.code IS NOT OLD.code AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: an account with journal lines never changes its code (entry hashes cover it)'); END;""",
    "ledger_fund_code_frozen": """
CREATE TRIGGER ledger_fund_code_frozen BEFORE UPDATE OF code ON ledger_fund
WHEN NEW.code IS NOT OLD.code AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.fund_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: a fund with journal lines never changes its code (entry hashes cover it)'); END;""",
    "ledger_audit_no_update": """
CREATE TRIGGER ledger_audit_no_update BEFORE UPDATE ON ledger_auditevent
BEGIN SELECT RAISE(ABORT, 'ledger: audit events are never changed'); END;""",
    "ledger_audit_no_delete": """
CREATE TRIGGER ledger_audit_no_delete BEFORE DELETE ON ledger_auditevent
BEGIN SELECT RAISE(ABORT, 'ledger: audit events are never deleted'); END;""",
}


# SQLite triggers that name a column added by a later migration: the migrations that install the
# guards before it (0002, 0004) leave them out, since SQLite re-reads every trigger when a later
# migration rebuilds a table and refuses one naming a missing column. PL/pgSQL bodies are read
# only when they run, so PostgreSQL needs no such care.
_SQLITE_NEEDS = {
    "ledger_balance_count_insert": ("ledger_balance", "line_count"),
    "ledger_balance_count_update": ("ledger_balance", "line_count"),
}


def _sqlite_has_column(cursor, table: str, column: str) -> bool:
    cursor.execute(f"PRAGMA table_info({table})")
    return any(row[1] == column for row in cursor.fetchall())


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_INSTALL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name, statement in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                needs = _SQLITE_NEEDS.get(name)
                if needs and not _sqlite_has_column(cursor, *needs):
                    continue
                cursor.execute(statement)
        else:  # pragma: no cover - the project supports exactly these two engines
            raise NotImplementedError(
                f"ledger guards exist for SQLite and PostgreSQL, not {connection.vendor}"
            )


def drop(connection: BaseDatabaseWrapper, names: list[str] | None = None) -> None:
    """Remove guards (all, or the named ones): for tests that tamper with data underneath."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, table in PG_TRIGGERS.items():
                if names is None or name in names:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            for name in SQLITE_TRIGGERS:
                if names is None or name in names:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'ledger_%%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ledger_%'"
            )
        return {row[0] for row in cursor.fetchall()}


def expected(connection: BaseDatabaseWrapper) -> set[str]:
    return set(PG_TRIGGERS) if connection.vendor == "postgresql" else set(SQLITE_TRIGGERS)
