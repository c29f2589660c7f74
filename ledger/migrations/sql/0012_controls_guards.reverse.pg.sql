-- Reverse of ledger 0012_controls_guards: the entry, line and balance guards and the posting
-- function as 0009 (and 0004) left them. Never edit.
-- end of statement
DROP FUNCTION IF EXISTS ledger_post_entry(text, text, date, text, text, bigint, bigint, timestamptz, text, bigint[], bigint[], text[], numeric[], text[], text[], bigint, bigint, text, bigint)
-- end of statement

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

-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_guard ON ledger_journalentry;
-- end of statement
CREATE TRIGGER ledger_entry_guard BEFORE UPDATE ON ledger_journalentry
       FOR EACH ROW WHEN (OLD.status = 'posted' OR NEW.id IS DISTINCT FROM OLD.id)
       EXECUTE FUNCTION ledger_entry_guard();
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_insert_guard ON ledger_journalentry;
-- end of statement
CREATE TRIGGER ledger_entry_insert_guard BEFORE INSERT ON ledger_journalentry
       FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM 'draft')
       EXECUTE FUNCTION ledger_entry_guard();
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_delete_guard ON ledger_journalentry;
-- end of statement
CREATE TRIGGER ledger_entry_delete_guard BEFORE DELETE ON ledger_journalentry
       FOR EACH ROW EXECUTE FUNCTION ledger_entry_guard();
-- end of statement

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

  IF span.n < 200 THEN
  WITH p AS MATERIALIZED (
    SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash
      FROM new_entries n JOIN old_entries o ON o.id = n.id
     WHERE o.status = 'draft' AND n.status = 'posted'
  ), sums AS MATERIALIZED (
    SELECT l.entry_id, l.fund_id, l.amount_currency, count(*) AS n,
           sum(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END) AS diff
      FROM ledger_journalline l
     WHERE l.entry_id BETWEEN span.lo AND span.hi AND l.entry_id IN (SELECT id FROM p)
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
  SELECT * FROM problems ORDER BY rule LIMIT 1
  INTO bad;
  ELSE
  EXECUTE $q$  WITH p AS MATERIALIZED (
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
  SELECT * FROM problems ORDER BY rule LIMIT 1$q$
  INTO bad USING span.lo, span.hi;
  END IF;
  GET DIAGNOSTICS hits = ROW_COUNT;

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

-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_post_check ON ledger_journalentry;
-- end of statement
CREATE TRIGGER ledger_entry_post_check AFTER UPDATE ON ledger_journalentry
       REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_post_check();
-- end of statement

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

-- end of statement
DROP TRIGGER IF EXISTS ledger_line_guard ON ledger_journalline;
-- end of statement
CREATE TRIGGER ledger_line_guard BEFORE UPDATE OR DELETE ON ledger_journalline
       FOR EACH ROW EXECUTE FUNCTION ledger_line_guard();
-- end of statement

CREATE OR REPLACE FUNCTION ledger_line_insert_check() RETURNS trigger LANGUAGE plpgsql
SET jit = off SET work_mem = '64MB' AS $$
DECLARE
  n bigint;
  bad record;
  hits bigint;
BEGIN
  SELECT count(*) INTO n FROM new_lines;
  IF n < 200 THEN

  WITH k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id, count(*) AS n
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  ), opening AS MATERIALIZED (
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
  )
  SELECT * FROM (
    SELECT 1 AS rule, nl.id, e.seq, NULL::bigint AS account_id, NULL::bigint AS fund_id,
           NULL::numeric AS balance_after, NULL::numeric AS expected
      FROM (SELECT entry_id, min(id) AS id FROM new_lines GROUP BY entry_id) nl
    LEFT JOIN ledger_journalentry e ON e.id = nl.entry_id
   WHERE e.id IS NULL OR e.status <> 'draft'
    UNION ALL
    SELECT 2, k.first_id, NULL, k.account_id, k.fund_id, NULL, NULL FROM k LEFT JOIN ledger_account a ON a.id = k.account_id
    LEFT JOIN ledger_fund f ON f.id = k.fund_id
   WHERE a.id IS NULL OR f.id IS NULL
    UNION ALL
    SELECT 3, NULL, NULL, k.account_id, NULL, NULL, NULL FROM k WHERE (SELECT count(*) FROM ledger_journalline l
           WHERE l.account_id = k.account_id AND l.fund_id = k.fund_id
             AND l.amount_currency = k.amount_currency AND l.id >= k.first_id) <> k.n
    UNION ALL
    SELECT 4, id, NULL, NULL, NULL, balance_after, expected FROM run WHERE balance_after <> expected
  ) p ORDER BY rule LIMIT 1
    INTO bad;
    IF NOT FOUND THEN
      RETURN NULL;
    ELSIF bad.rule = 1 THEN
      RAISE EXCEPTION 'ledger: line % must be added to a draft entry (entry % is posted or missing)',
      bad.id, bad.seq USING ERRCODE = 'check_violation';
    ELSIF bad.rule = 2 THEN
      RAISE EXCEPTION 'ledger: line % names account % and fund %, and one of them does not exist',
      bad.id, bad.account_id, bad.fund_id USING ERRCODE = 'foreign_key_violation';
    ELSIF bad.rule = 3 THEN
      RAISE EXCEPTION 'ledger: lines of account % must be appended after its existing lines',
      bad.account_id USING ERRCODE = 'check_violation';
    ELSE
      RAISE EXCEPTION 'ledger: line % says balance after % but the lines give %',
      bad.id, bad.balance_after, bad.expected USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  EXECUTE $q$  SELECT nl.id, e.seq FROM (SELECT entry_id, min(id) AS id FROM new_lines GROUP BY entry_id) nl
    LEFT JOIN ledger_journalentry e ON e.id = nl.entry_id
   WHERE e.id IS NULL OR e.status <> 'draft' LIMIT 1$q$
  INTO bad;
  GET DIAGNOSTICS hits = ROW_COUNT;
  IF hits > 0 THEN
    RAISE EXCEPTION 'ledger: line % must be added to a draft entry (entry % is posted or missing)',
      bad.id, bad.seq USING ERRCODE = 'check_violation';
  END IF;
  EXECUTE $q$  WITH k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id, count(*) AS n
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  )
  SELECT k.first_id AS id, k.account_id, k.fund_id FROM k LEFT JOIN ledger_account a ON a.id = k.account_id
    LEFT JOIN ledger_fund f ON f.id = k.fund_id
   WHERE a.id IS NULL OR f.id IS NULL LIMIT 1$q$
  INTO bad;
  GET DIAGNOSTICS hits = ROW_COUNT;
  IF hits > 0 THEN
    RAISE EXCEPTION 'ledger: line % names account % and fund %, and one of them does not exist',
      bad.id, bad.account_id, bad.fund_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  EXECUTE $q$  WITH k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id, count(*) AS n
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  )
  SELECT k.account_id FROM k WHERE (SELECT count(*) FROM ledger_journalline l
           WHERE l.account_id = k.account_id AND l.fund_id = k.fund_id
             AND l.amount_currency = k.amount_currency AND l.id >= k.first_id) <> k.n LIMIT 1$q$
  INTO bad;
  GET DIAGNOSTICS hits = ROW_COUNT;
  IF hits > 0 THEN
    RAISE EXCEPTION 'ledger: lines of account % must be appended after its existing lines',
      bad.account_id USING ERRCODE = 'check_violation';
  END IF;
  EXECUTE $q$  WITH k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id, count(*) AS n
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  ), opening AS MATERIALIZED (
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
  )
  SELECT id, balance_after, expected FROM run WHERE balance_after <> expected LIMIT 1$q$
  INTO bad;
  GET DIAGNOSTICS hits = ROW_COUNT;
  IF hits > 0 THEN
    RAISE EXCEPTION 'ledger: line % says balance after % but the lines give %',
      bad.id, bad.balance_after, bad.expected USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- end of statement
DROP TRIGGER IF EXISTS ledger_line_insert_check ON ledger_journalline;
-- end of statement
CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
       REFERENCING NEW TABLE AS new_lines
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_line_insert_check();
-- end of statement

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

-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_guard ON ledger_balance;
-- end of statement
CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_balance
       FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard();
-- end of statement

DROP FUNCTION IF EXISTS ledger_post_entry(text, text, date, text, text, bigint, bigint,
  timestamptz, text, bigint[], bigint[], text[], numeric[], text[], text[]);

-- end of statement

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

-- end of statement
