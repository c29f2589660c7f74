"""The ledger's journal entries: inserted as drafts, flipped to posted only when they balance
(two or more lines, debits equal credits per fund and currency, an open period, the hash chain),
never changed or deleted once posted; a draft keeps its id and is deleted only without lines.

PostgreSQL checks the flip once per statement (transition tables); SQLite row by row.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

from .helpers import sized

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

PG = [
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
    + sized(_POST_CHECK, "bad", "span.n", ("span.lo", "span.hi"))
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
]

SQLITE = {
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
}

GUARDS = GuardSet(
    name="ledger.journalentry",
    install_sql={"postgresql": PG, "sqlite": sqlite_install(SQLITE)},
    triggers={
        "postgresql": {
            "ledger_entry_guard": "ledger_journalentry",
            "ledger_entry_insert_guard": "ledger_journalentry",
            "ledger_entry_delete_guard": "ledger_journalentry",
            "ledger_entry_post_check": "ledger_journalentry",
        },
        "sqlite": sqlite_tables(SQLITE),
    },
    functions={
        "postgresql": [
            "ledger_entry_guard()",
            "ledger_entry_post_check()",
        ]
    },
)
