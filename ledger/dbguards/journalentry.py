"""The ledger's journal entries: inserted as drafts, flipped to posted only when they balance
(two or more lines, debits equal credits per fund and currency, an open period, the hash chain),
never changed or deleted once posted; a draft keeps its id and is deleted only without lines.

PostgreSQL checks the flip once per statement (transition tables); SQLite row by row.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

from .helpers import sized

# The income accounts (their role, Account.role) and the receipt type each needs.
INCOME_ROLES = "('donation_income', 'allocation_income')"

_POST_CHECK = (
    """  WITH p AS MATERIALIZED (
    SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash, n.source, n.reverses_id,
           n.made_by_id, n.approved_by_id, n.reason, n.income_receipt_id
      FROM new_entries n JOIN old_entries o ON o.id = n.id
     WHERE o.status = 'draft' AND n.status = 'posted'
  ), sums AS MATERIALIZED (
    -- Per entry, fund and currency: the lines, debits minus credits, and the income credited
    -- (donation, allocation) or debited, read in the same pass (the income accounts are a
    -- handful of rows, hashed once).
    SELECT l.entry_id, l.fund_id, l.amount_currency, count(*) AS n,
           sum(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END) AS diff,
           coalesce(sum(l.amount) FILTER (WHERE l.side = 'C' AND a.role = 'donation_income'), 0) AS don,
           coalesce(sum(l.amount) FILTER (WHERE l.side = 'C' AND a.role = 'allocation_income'), 0) AS alo,
           coalesce(sum(l.amount) FILTER (WHERE l.side = 'D' AND a.id IS NOT NULL), 0) AS inc_dr
      FROM ledger_journalline l
      LEFT JOIN (SELECT id, role FROM ledger_account WHERE role IN """
    + INCOME_ROLES
    + """) a
        ON a.id = l.account_id
     WHERE l.entry_id BETWEEN $1 AND $2 AND l.entry_id IN (SELECT id FROM p)
     GROUP BY l.entry_id, l.fund_id, l.amount_currency
  ), c AS (
    SELECT entry_id, sum(n) AS n, count(DISTINCT fund_id) AS funds FROM sums GROUP BY entry_id
  ), problems AS (
    SELECT 1 AS rule, p.seq, NULL::bigint AS fund_id, NULL::text AS currency,
           NULL::numeric AS diff, NULL::text AS code, NULL::text AS status
      FROM p LEFT JOIN c ON c.entry_id = p.id
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
    UNION ALL
    -- Four eyes: a manual entry, and an entry naming two funds or more (a reclassification),
    -- carries its maker, a different approver and a reason.
    SELECT 5, p.seq, NULL, NULL, NULL, p.source, c.funds::text
      FROM p JOIN c ON c.entry_id = p.id
     WHERE (p.source = 'manual' OR c.funds > 1)
       AND (p.made_by_id IS NULL OR p.approved_by_id IS NULL
            OR p.made_by_id = p.approved_by_id OR btrim(p.reason) = '')
    UNION ALL
    -- Income is credited only with its receipt: valid, of the income's type, in the fund,
    -- for exactly the income credited there.
    SELECT 6, p.seq, s.fund_id, s.amount_currency, s.don + s.alo,
           CASE WHEN s.don > 0 THEN 'donation' ELSE 'settlement' END, r.status
      FROM sums s JOIN p ON p.id = s.entry_id
      LEFT JOIN ledger_receipt r ON r.id = p.income_receipt_id
     WHERE (s.don > 0 OR s.alo > 0)
       AND (r.id IS NULL OR r.status <> 'valid' OR (s.don > 0 AND s.alo > 0)
            OR r.type <> CASE WHEN s.don > 0 THEN 'donation' ELSE 'settlement' END
            OR r.fund_id <> s.fund_id OR r.amount_currency <> s.amount_currency
            OR r.amount <> s.don + s.alo)
    UNION ALL
    -- Income is debited only by the reversal of an entry whose receipt is void.
    SELECT 7, p.seq, s.fund_id, s.amount_currency, s.inc_dr, NULL, NULL
      FROM sums s JOIN p ON p.id = s.entry_id
     WHERE s.inc_dr > 0
       AND NOT EXISTS (SELECT 1 FROM ledger_journalentry o
                         JOIN ledger_receipt r ON r.id = o.income_receipt_id
                        WHERE o.id = p.reverses_id AND r.status = 'void')
  )
  SELECT * FROM problems ORDER BY rule LIMIT 1"""
)

PG = [
    # ---- entries: inserted as drafts; posted ones are frozen ---------------------------------
    r"""
CREATE OR REPLACE FUNCTION ledger_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IS DISTINCT FROM 'draft' THEN
      RAISE EXCEPTION 'ledger[entry_draft]: entry % must be inserted as a draft and posted by an update', NEW.seq
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'posted' THEN
    RAISE EXCEPTION 'ledger[entry_frozen]: posted entry % is never %d; post a reversing entry instead',
      OLD.seq, lower(TG_OP) USING ERRCODE = 'check_violation';
  END IF;
  -- Lines name their entry without a foreign key (see ledger_line_referenced): a draft keeps
  -- its id, and is deleted only once it has no lines.
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id <> OLD.id THEN
      RAISE EXCEPTION 'ledger[entry_id]: entry % never changes its id', OLD.seq USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = OLD.id) THEN
    RAISE EXCEPTION 'ledger[entry_lines]: draft entry % still has lines; delete them first', OLD.seq
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
  fund_code text;
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
  END IF;
  -- The fund is named by its code; DETAIL carries the figures for the application's message
  -- (ledger.posting.refusals), the rule token in brackets says which rule.
  SELECT code INTO fund_code FROM ledger_fund WHERE id = bad.fund_id;
  IF bad.rule = 1 THEN
    RAISE EXCEPTION 'ledger[two_lines]: entry % needs at least two lines', bad.seq
      USING ERRCODE = 'check_violation', DETAIL = 'seq=' || bad.seq;
  ELSIF bad.rule = 2 THEN
    RAISE EXCEPTION 'ledger[balanced]: entry % does not balance for fund % in %: debits minus credits = %',
      bad.seq, fund_code, bad.currency, bad.diff USING ERRCODE = 'check_violation',
      DETAIL = 'seq=' || bad.seq || ';fund=' || fund_code || ';currency=' || bad.currency
               || ';amount=' || bad.diff;
  ELSIF bad.rule = 3 THEN
    RAISE EXCEPTION 'ledger[open_period]: entry % is dated outside an open period (period %: %)',
      bad.seq, bad.code, bad.status USING ERRCODE = 'check_violation',
      DETAIL = 'seq=' || bad.seq || ';period=' || coalesce(bad.code, '');
  ELSIF bad.rule = 4 THEN
    RAISE EXCEPTION 'ledger[chain]: entry % does not link to the hash of entry %', bad.seq, bad.seq - 1
      USING ERRCODE = 'check_violation', DETAIL = 'seq=' || bad.seq;
  ELSIF bad.rule = 5 THEN
    RAISE EXCEPTION 'ledger[four_eyes]: entry % (source %, % funds) needs its maker, a different approver and a reason',
      bad.seq, bad.code, bad.status USING ERRCODE = 'check_violation', DETAIL = 'seq=' || bad.seq;
  ELSIF bad.rule = 6 THEN
    RAISE EXCEPTION 'ledger[income_receipt]: entry % credits % % of income in fund % without its valid % receipt for that amount in that fund',
      bad.seq, bad.diff, bad.currency, fund_code, bad.code USING ERRCODE = 'check_violation',
      DETAIL = 'seq=' || bad.seq || ';fund=' || fund_code || ';currency=' || bad.currency
               || ';amount=' || bad.diff || ';type=' || bad.code;
  ELSE
    RAISE EXCEPTION 'ledger[income_debit]: entry % debits income in fund %, which only the reversal of an entry with a void receipt may do',
      bad.seq, fund_code USING ERRCODE = 'check_violation',
      DETAIL = 'seq=' || bad.seq || ';fund=' || fund_code || ';currency=' || bad.currency
               || ';amount=' || bad.diff;
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
BEGIN SELECT RAISE(ABORT, 'ledger[entry_draft]: an entry must be inserted as a draft and posted by an update'); END;""",
    "ledger_entry_posted_frozen": """
CREATE TRIGGER ledger_entry_posted_frozen BEFORE UPDATE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger[entry_frozen]: a posted entry is never updated; post a reversing entry instead'); END;""",
    "ledger_entry_posted_nodelete": """
CREATE TRIGGER ledger_entry_posted_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger[entry_frozen]: a posted entry is never deleted; post a reversing entry instead'); END;""",
    "ledger_entry_post_check": """
CREATE TRIGGER ledger_entry_post_check BEFORE UPDATE ON ledger_journalentry
WHEN OLD.status = 'draft' AND NEW.status = 'posted'
BEGIN
  SELECT RAISE(ABORT, 'ledger[two_lines]: an entry needs at least two lines')
   WHERE (SELECT count(*) FROM ledger_journalline WHERE entry_id = NEW.id) < 2;
  SELECT RAISE(ABORT, 'ledger[balanced]: entry does not balance: for each fund and currency debits must equal credits')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = NEW.id
                  GROUP BY l.fund_id, l.amount_currency
                 HAVING round(sum(CASE l.side WHEN 'D' THEN l.amount ELSE -l.amount END), 2) <> 0);
  SELECT RAISE(ABORT, 'ledger[open_period]: entry is dated outside an open period')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_period p WHERE p.id = NEW.period_id AND p.status = 'open'
                      AND NEW.date >= p.start AND NEW.date <= p."end");
  SELECT RAISE(ABORT, 'ledger[chain]: entry does not link to the hash of the entry before it')
   WHERE NOT ((NEW.seq = 1 AND NEW.prev_hash = '0000000000000000000000000000000000000000000000000000000000000000')
              OR EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.seq = NEW.seq - 1 AND e.hash = NEW.prev_hash));
  SELECT RAISE(ABORT, 'ledger[four_eyes]: a manual entry, or one naming two funds, needs its maker, a different approver and a reason')
   WHERE (NEW.source = 'manual'
          OR (SELECT count(DISTINCT fund_id) FROM ledger_journalline WHERE entry_id = NEW.id) > 1)
     AND (NEW.made_by_id IS NULL OR NEW.approved_by_id IS NULL OR NEW.made_by_id = NEW.approved_by_id
          OR trim(NEW.reason) = '');
  SELECT RAISE(ABORT, 'ledger[income_receipt]: income is credited only with its valid receipt of that type, fund and amount')
   WHERE EXISTS (
     SELECT 1 FROM (SELECT l.fund_id, l.amount_currency AS cur,
                           sum(CASE WHEN a.role = 'donation_income' THEN l.amount ELSE 0 END) AS don,
                           sum(CASE WHEN a.role = 'allocation_income' THEN l.amount ELSE 0 END) AS alo
                      FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                     WHERE l.entry_id = NEW.id AND l.side = 'C' AND a.role IN """
    + INCOME_ROLES
    + """
                     GROUP BY l.fund_id, l.amount_currency) s
       LEFT JOIN ledger_receipt r ON r.id = NEW.income_receipt_id
      WHERE r.id IS NULL OR r.status <> 'valid' OR (s.don > 0 AND s.alo > 0)
         OR r.type <> CASE WHEN s.don > 0 THEN 'donation' ELSE 'settlement' END
         OR r.fund_id <> s.fund_id OR r.amount_currency <> s.cur
         OR round(r.amount - (s.don + s.alo), 2) <> 0);
  SELECT RAISE(ABORT, 'ledger[income_debit]: income is debited only by the reversal of an entry whose receipt is void')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                  WHERE l.entry_id = NEW.id AND l.side = 'D' AND a.role IN """
    + INCOME_ROLES
    + """)
     AND NOT EXISTS (SELECT 1 FROM ledger_journalentry o JOIN ledger_receipt r ON r.id = o.income_receipt_id
                      WHERE o.id = NEW.reverses_id AND r.status = 'void');
END;""",
    # Lines hold no foreign keys (migration 0008; see ledger_line_referenced above).
    "ledger_entry_with_lines_nodelete": """
CREATE TRIGGER ledger_entry_with_lines_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status <> 'posted' AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger[entry_lines]: a draft entry with lines is not deleted; delete its lines first'); END;""",
    "ledger_entry_id_frozen": """
CREATE TRIGGER ledger_entry_id_frozen BEFORE UPDATE OF id ON ledger_journalentry
WHEN NEW.id IS NOT OLD.id
BEGIN SELECT RAISE(ABORT, 'ledger[entry_id]: an entry never changes its id'); END;""",
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
