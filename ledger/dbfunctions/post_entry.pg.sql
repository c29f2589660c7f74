-- ledger_post_entry: one posting in one round trip (ledger.services, PostgreSQL path).
-- Not a guard: the same statements the Python path sends (lock the chain head, answer a
-- retry, find or open the month's period, insert the draft and its lines with running
-- balances, flip it to posted, upsert the balances, move the head), run inside the server so
-- a single posting costs one round trip instead of a dozen. Every guard trigger still fires
-- on every statement. The entry hash is ledger.hashing.entry_hash spelt in SQL: HMAC-SHA256
-- (RFC 2104, H(opad || H(ipad || message)) with the core sha256()) under the open segment's
-- chain key, whose id and pads Python passes (ledger.chainkeys); the key is never stored. When
-- the chain head's open segment is not the key passed (none yet, or rotated meanwhile) nothing
-- is written and the outcome is 'rekey': Python asks again with the right key. The
-- timestamp token and content hash come from Python. The maker, approver, reason and income
-- receipt (four eyes, income with its document) are written as given: the guards judge them.
-- A refusal raises 'ledger_post_entry
-- refused' with the reason in DETAIL, so nothing of the posting remains.
-- Statements in order, each ending at a line '-- end of statement' (common.dbguards).
-- end of statement

DROP FUNCTION IF EXISTS ledger_post_entry(text, text, date, text, text, bigint, bigint,
  timestamptz, text, bigint[], bigint[], text[], numeric[], text[], text[]);

-- end of statement

DROP FUNCTION IF EXISTS ledger_post_entry(text, text, date, text, text, bigint, bigint,
  timestamptz, text, bigint[], bigint[], text[], numeric[], text[], text[],
  bigint, bigint, text, bigint);

-- end of statement

DROP FUNCTION IF EXISTS ledger_post_entry(text, text, date, text, text, bigint, bigint,
  timestamptz, text, bigint[], bigint[], text[], numeric[], text[], text[],
  bigint, bigint, text, bigint, text, bytea, bytea);

-- end of statement

CREATE FUNCTION ledger_post_entry(
  p_key text, p_content_hash text, p_date date, p_memo text, p_source text,
  p_reverses_id bigint, p_actor_id bigint, p_posted_at timestamptz, p_posted_at_token text,
  p_accounts bigint[], p_funds bigint[], p_sides text[], p_amounts numeric[],
  p_currencies text[], p_memos text[],
  p_made_by_id bigint, p_approved_by_id bigint, p_reason text, p_income_receipt_id bigint,
  p_key_id text, p_ipad bytea, p_opad bytea)
RETURNS TABLE (o_outcome text, o_entry_id bigint, o_seq bigint, o_prev_hash text, o_hash text,
               o_period_id bigint, o_period_code text, o_period_start date, o_period_end date,
               o_period_status text, o_period_closed_at timestamptz, o_period_closed_by_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_key_id text;
  v_hash text;
  v_id bigint;
  v_updated bigint;
  ex record;
  per ledger_period%ROWTYPE;
BEGIN
  SELECT h.last_seq, h.last_hash, h.key_id INTO v_seq, v_prev, v_key_id
    FROM ledger_chainhead h WHERE h.id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO ledger_chainhead (id, last_seq, last_hash, key_id) VALUES (1, 0, repeat('0', 64), '')
      ON CONFLICT (id) DO NOTHING;
    SELECT h.last_seq, h.last_hash, h.key_id INTO v_seq, v_prev, v_key_id
      FROM ledger_chainhead h WHERE h.id = 1 FOR UPDATE;
  END IF;
  IF v_key_id = '' OR v_key_id <> p_key_id THEN
    o_outcome := 'rekey';
    RETURN NEXT;
    RETURN;
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
  v_hash := encode(sha256(p_opad || sha256(p_ipad || convert_to(
      v_prev || '|' || v_seq || '|' || encode(sha256(convert_to(p_key, 'UTF8')), 'hex') || '|'
      || p_content_hash || '|' || coalesce(p_actor_id::text, '') || '|' || p_posted_at_token,
      'UTF8'))), 'hex');
  INSERT INTO ledger_journalentry (seq, date, period_id, memo, source, status, idempotency_key,
                                   content_hash, prev_hash, hash, reverses_id, posted_by_id, posted_at,
                                   made_by_id, approved_by_id, reason, income_receipt_id)
  VALUES (v_seq, p_date, per.id, p_memo, p_source, 'draft', p_key, p_content_hash, v_prev, v_hash,
          p_reverses_id, p_actor_id, p_posted_at,
          p_made_by_id, p_approved_by_id, coalesce(p_reason, ''), p_income_receipt_id)
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

  -- Stored balances: the keys that have one are updated; new keys are inserted, in order of
  -- their first line (as the Python path inserts them). Not one upsert: INSERT ... ON CONFLICT
  -- fires the balance guard's BEFORE INSERT as well as its BEFORE UPDATE for every key that
  -- exists, which is every key of the usual posting.
  UPDATE ledger_balance b
     SET balance = x.balance_after, last_line_id = x.id, line_count = b.line_count + x.n
    FROM (SELECT l.id, l.account_id, l.fund_id, l.amount_currency, l.balance_after,
                 row_number() OVER w_desc AS rn, count(*) OVER w AS n
            FROM ledger_journalline l WHERE l.entry_id = v_id
          WINDOW w AS (PARTITION BY l.account_id, l.fund_id, l.amount_currency),
                 w_desc AS (w ORDER BY l.line_no DESC)) x
   WHERE x.rn = 1 AND b.account_id = x.account_id AND b.fund_id = x.fund_id
     AND b.currency = x.amount_currency;
  GET DIAGNOSTICS v_updated = ROW_COUNT;
  IF v_updated < (SELECT count(*) FROM (SELECT DISTINCT u.a, u.f, u.c
                                          FROM unnest(p_accounts, p_funds, p_currencies) AS u(a, f, c)) k) THEN
    INSERT INTO ledger_balance (account_id, fund_id, currency, balance, last_line_id, line_count)
    SELECT x.account_id, x.fund_id, x.amount_currency, x.balance_after, x.id, x.n
      FROM (SELECT l.id, l.account_id, l.fund_id, l.amount_currency, l.balance_after,
                   row_number() OVER w_desc AS rn, min(l.line_no) OVER w AS first_no,
                   count(*) OVER w AS n
              FROM ledger_journalline l WHERE l.entry_id = v_id
            WINDOW w AS (PARTITION BY l.account_id, l.fund_id, l.amount_currency),
                   w_desc AS (w ORDER BY l.line_no DESC)) x
     WHERE x.rn = 1
       AND NOT EXISTS (SELECT 1 FROM ledger_balance b
                        WHERE b.account_id = x.account_id AND b.fund_id = x.fund_id
                          AND b.currency = x.amount_currency)
     ORDER BY x.first_no;
  END IF;

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
