"""The ledger's journal entries: inserted as drafts, flipped to posted only when they balance
(two or more lines, debits equal credits per fund and currency, an open period, the hash chain),
never changed or deleted once posted; a draft keeps its id and is deleted only without lines.

PostgreSQL checks the flip once per statement (transition tables); SQLite row by row.
"""

from common.dbguards import GuardSet, sqlite_install, sqlite_tables

from .helpers import SMALL, sized

# The income accounts (their role, Account.role) and the receipt type each needs.
INCOME_ROLES = "('donation_income', 'allocation_income')"

_SPAN = """  SELECT min(n.id) AS lo, max(n.id) AS hi, count(*) AS n
    FROM new_entries n JOIN old_entries o ON o.id = n.id
   WHERE o.status = 'draft' AND n.status = 'posted'"""

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
  ), c AS MATERIALIZED (
    SELECT entry_id, sum(n) AS n, count(DISTINCT fund_id) AS funds FROM sums GROUP BY entry_id
  ), problems AS (
    -- The planner cannot see how many rows the CTEs hold (it guesses one), so no rule joins two
    -- of them: a join of p and c was planned as a nested loop, quadratic on a batch. A rule
    -- reads one CTE and looks entries up in the table by id (the flipped rows are there), or
    -- tests membership with NOT IN (a hashed subplan).
    SELECT 1 AS rule, p.seq, NULL::bigint AS fund_id, NULL::text AS currency,
           NULL::numeric AS diff, NULL::text AS code, NULL::text AS status
      FROM p
     WHERE p.id NOT IN (SELECT c.entry_id FROM c WHERE c.n >= 2)
    UNION ALL
    SELECT 2, e.seq, s.fund_id, s.amount_currency, s.diff, NULL, NULL
      FROM sums s JOIN ledger_journalentry e ON e.id = s.entry_id
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
    SELECT 5, e.seq, NULL, NULL, NULL, e.source, c.funds::text
      FROM c JOIN ledger_journalentry e ON e.id = c.entry_id
     WHERE (e.source = 'manual' OR c.funds > 1)
       AND (e.made_by_id IS NULL OR e.approved_by_id IS NULL
            OR e.made_by_id = e.approved_by_id OR btrim(e.reason) = '')
    UNION ALL
    -- Income is credited only with its receipt: valid, of the income's type, in the fund,
    -- for exactly the income credited there.
    SELECT 6, e.seq, s.fund_id, s.amount_currency, s.don + s.alo,
           CASE WHEN s.don > 0 THEN 'donation' ELSE 'settlement' END, r.status
      FROM sums s JOIN ledger_journalentry e ON e.id = s.entry_id
      LEFT JOIN ledger_receipt r ON r.id = e.income_receipt_id
     WHERE (s.don > 0 OR s.alo > 0)
       AND (r.id IS NULL OR r.status <> 'valid' OR (s.don > 0 AND s.alo > 0)
            OR r.type <> CASE WHEN s.don > 0 THEN 'donation' ELSE 'settlement' END
            OR r.fund_id <> s.fund_id OR r.amount_currency <> s.amount_currency
            OR r.amount <> s.don + s.alo)
    UNION ALL
    -- Income is debited only by the reversal of an entry whose receipt is void.
    SELECT 7, e.seq, s.fund_id, s.amount_currency, s.inc_dr, NULL, NULL
      FROM sums s JOIN ledger_journalentry e ON e.id = s.entry_id
     WHERE s.inc_dr > 0
       AND NOT EXISTS (SELECT 1 FROM ledger_journalentry o
                         JOIN ledger_receipt r ON r.id = o.income_receipt_id
                        WHERE o.id = e.reverses_id AND r.status = 'void')
  )
  SELECT * FROM problems ORDER BY rule LIMIT 1"""
)

# The usual small statement (a posting flips one entry, a payout import a few hundred) is
# checked entry by entry in one query with a small plan: each flipped entry's lines are read
# through the entry_id index and summed per fund and currency in a lateral subquery, which
# also finds the first fund that does not balance, the first income not matched by the
# entry's receipt and the first income debited; the period, the receipt and the entry before
# in the chain are looked up by key. The set-based form above (three CTEs and a union of the
# rules, about sixty plan nodes) cost 0.15 ms a posting, most of it starting the plan. The
# same rules, reported in the same order; a larger statement takes the set-based form.
_POST_CHECK_SMALL = (
    """  SELECT x0.rule, x0.seq,
         CASE x0.rule WHEN 2 THEN x0.unbalanced_fund WHEN 6 THEN x0.income_fund
                      WHEN 7 THEN x0.debited_fund END AS fund_id,
         CASE x0.rule WHEN 2 THEN x0.unbalanced_cur WHEN 6 THEN x0.income_cur
                      WHEN 7 THEN x0.debited_cur END::text AS currency,
         CASE x0.rule WHEN 2 THEN x0.unbalanced WHEN 6 THEN x0.income
                      WHEN 7 THEN x0.debited END AS diff,
         CASE x0.rule WHEN 3 THEN x0.period_code WHEN 5 THEN x0.source
                      WHEN 6 THEN x0.income_kind END::text AS code,
         CASE x0.rule WHEN 3 THEN x0.period_status WHEN 5 THEN x0.funds::text END::text AS status
    FROM (
    SELECT CASE
             WHEN coalesce(s.n, 0) < 2 THEN 1
             WHEN s.unbalanced_fund IS NOT NULL THEN 2
             WHEN pr.id IS NULL OR pr.status <> 'open' OR p.date < pr.start OR p.date > pr."end" THEN 3
             WHEN NOT (p.seq = 1 AND p.prev_hash = repeat('0', 64))
                  AND NOT EXISTS (SELECT 1 FROM ledger_journalentry e
                                   WHERE e.seq = p.seq - 1 AND e.hash = p.prev_hash) THEN 4
             WHEN (p.source = 'manual' OR s.funds > 1)
                  AND (p.made_by_id IS NULL OR p.approved_by_id IS NULL
                       OR p.made_by_id = p.approved_by_id OR btrim(p.reason) = '') THEN 5
             WHEN s.income_fund IS NOT NULL THEN 6
             WHEN s.debited_fund IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM ledger_journalentry o
                                    JOIN ledger_receipt r ON r.id = o.income_receipt_id
                                   WHERE o.id = p.reverses_id AND r.status = 'void') THEN 7
           END AS rule,
           p.seq, s.funds, p.source, pr.code AS period_code, pr.status AS period_status,
           s.unbalanced_fund, s.unbalanced_cur, s.unbalanced, s.income_fund, s.income_cur,
           s.income, s.income_kind, s.debited_fund, s.debited_cur, s.debited
      FROM (SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash, n.source, n.reverses_id,
                   n.made_by_id, n.approved_by_id, n.reason, n.income_receipt_id
              FROM new_entries n JOIN old_entries o ON o.id = n.id
             WHERE o.status = 'draft' AND n.status = 'posted') p
      LEFT JOIN LATERAL (
        SELECT sum(g.n) AS n, count(DISTINCT g.fund_id) AS funds,
               -- The first group breaking each rule, field by field (aggregates of one node read
               -- the groups in the same order, so element 1 of each is the same group).
               (array_agg(g.fund_id) FILTER (WHERE g.diff <> 0))[1] AS unbalanced_fund,
               (array_agg(g.cur) FILTER (WHERE g.diff <> 0))[1] AS unbalanced_cur,
               (array_agg(g.diff) FILTER (WHERE g.diff <> 0))[1] AS unbalanced,
               (array_agg(g.fund_id) FILTER (WHERE g.income_bad))[1] AS income_fund,
               (array_agg(g.cur) FILTER (WHERE g.income_bad))[1] AS income_cur,
               (array_agg(g.don + g.alo) FILTER (WHERE g.income_bad))[1] AS income,
               (array_agg(g.kind) FILTER (WHERE g.income_bad))[1] AS income_kind,
               (array_agg(g.fund_id) FILTER (WHERE g.inc_dr > 0))[1] AS debited_fund,
               (array_agg(g.cur) FILTER (WHERE g.inc_dr > 0))[1] AS debited_cur,
               (array_agg(g.inc_dr) FILTER (WHERE g.inc_dr > 0))[1] AS debited
          FROM (SELECT g0.*, CASE WHEN g0.don > 0 THEN 'donation' ELSE 'settlement' END AS kind,
                       (g0.don > 0 OR g0.alo > 0)
                       AND (r.id IS NULL OR r.status <> 'valid' OR (g0.don > 0 AND g0.alo > 0)
                            OR r.type <> CASE WHEN g0.don > 0 THEN 'donation' ELSE 'settlement' END
                            OR r.fund_id <> g0.fund_id OR r.amount_currency <> g0.cur
                            OR r.amount <> g0.don + g0.alo) AS income_bad
          FROM (SELECT l.fund_id, l.amount_currency AS cur, count(*) AS n,
                       sum(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END) AS diff,
                       coalesce(sum(l.amount) FILTER (WHERE l.side = 'C' AND a.role = 'donation_income'), 0) AS don,
                       coalesce(sum(l.amount) FILTER (WHERE l.side = 'C' AND a.role = 'allocation_income'), 0) AS alo,
                       coalesce(sum(l.amount) FILTER (WHERE l.side = 'D' AND a.id IS NOT NULL), 0) AS inc_dr
                  FROM ledger_journalline l
                  LEFT JOIN (SELECT id, role FROM ledger_account WHERE role IN """
    + INCOME_ROLES
    + """) a
                    ON a.id = l.account_id
                 WHERE l.entry_id = p.id
                 GROUP BY l.fund_id, l.amount_currency) g0
          LEFT JOIN ledger_receipt r ON r.id = p.income_receipt_id) g
      ) s ON true
      LEFT JOIN ledger_period pr ON pr.id = p.period_id
    OFFSET 0
  ) x0
  WHERE x0.rule IS NOT NULL ORDER BY x0.rule LIMIT 1"""
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
    # checked against them; the first broken rule (in the order below) is reported. A large
    # statement runs with JIT off, because the planner cannot see how small transition tables
    # are and compiling the plan cost more than running it (set for the check and put back:
    # a function-level SET would cost every small posting a save and restore); the lines are
    # read through their entry_id index range.
    r"""
CREATE OR REPLACE FUNCTION ledger_entry_post_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  saved_jit text;
  span record;
  bad record;
  hits bigint;
  fund_code text;
  rows_updated bigint;
BEGIN
  -- Only rows flipped from draft to posted by this statement are checked. The span joins the
  -- two transition tables, so it is sized like the check (migration 0013): a plan cached for a
  -- one-entry posting joined a 2,500-entry batch row by row (0.9 s).
  SELECT count(*) INTO rows_updated FROM new_entries;
  IF rows_updated < """
    + str(SMALL)
    + """ THEN
"""
    + _POST_CHECK_SMALL
    + """
    INTO bad;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
  ELSE
  saved_jit := current_setting('jit');
  PERFORM set_config('jit', 'off', true);
"""
    + sized(_SPAN, "span", "rows_updated")
    + r"""
  IF span.n = 0 THEN
    PERFORM set_config('jit', saved_jit, true);
    RETURN NULL;
  END IF;

"""
    + sized(_POST_CHECK, "bad", "span.n", ("span.lo", "span.hi"))
    + r"""
  PERFORM set_config('jit', saved_jit, true);
  IF hits = 0 THEN
    RETURN NULL;
  END IF;
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
