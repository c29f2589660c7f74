-- ledger 0013: the flip check reads which entries a statement flipped through a plan sized for the statement (EXECUTE from 200 rows on), as its other checks do, and no rule joins two of its CTEs (planned as nested loops, quadratic on a batch). SQLite: nothing.
-- end of statement

CREATE OR REPLACE FUNCTION ledger_entry_post_check() RETURNS trigger LANGUAGE plpgsql
SET jit = off AS $$
DECLARE
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
  IF rows_updated < 200 THEN
  SELECT min(n.id) AS lo, max(n.id) AS hi, count(*) AS n
    FROM new_entries n JOIN old_entries o ON o.id = n.id
   WHERE o.status = 'draft' AND n.status = 'posted'
  INTO span;
  ELSE
  EXECUTE $q$  SELECT min(n.id) AS lo, max(n.id) AS hi, count(*) AS n
    FROM new_entries n JOIN old_entries o ON o.id = n.id
   WHERE o.status = 'draft' AND n.status = 'posted'$q$
  INTO span;
  END IF;
  GET DIAGNOSTICS hits = ROW_COUNT;

  IF span.n = 0 THEN
    RETURN NULL;
  END IF;

  IF span.n < 200 THEN
  WITH p AS MATERIALIZED (
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
      LEFT JOIN (SELECT id, role FROM ledger_account WHERE role IN ('donation_income', 'allocation_income')) a
        ON a.id = l.account_id
     WHERE l.entry_id BETWEEN span.lo AND span.hi AND l.entry_id IN (SELECT id FROM p)
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
  SELECT * FROM problems ORDER BY rule LIMIT 1
  INTO bad;
  ELSE
  EXECUTE $q$  WITH p AS MATERIALIZED (
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
      LEFT JOIN (SELECT id, role FROM ledger_account WHERE role IN ('donation_income', 'allocation_income')) a
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
  SELECT * FROM problems ORDER BY rule LIMIT 1$q$
  INTO bad USING span.lo, span.hi;
  END IF;
  GET DIAGNOSTICS hits = ROW_COUNT;

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

-- end of statement
