-- ledger 0002_database_guards: what it installs, as ledger/dbguards.py installed it at c3b77dc.
-- Engine: PostgreSQL. Statements in order, each ending at a line '-- end of statement'
-- (read by common.dbguards.read_sql_file). Frozen: never edit; a change is a new migration.
-- end of statement

CREATE OR REPLACE FUNCTION ledger_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'draft' THEN
      RAISE EXCEPTION 'ledger: entry % must be inserted as a draft and posted by an update', NEW.seq
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF OLD.status = 'posted' THEN
    RAISE EXCEPTION 'ledger: posted entry % is never %d; post a reversing entry instead',
      OLD.seq, lower(TG_OP) USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_guard ON ledger_journalentry;
-- end of statement
CREATE TRIGGER ledger_entry_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_journalentry
       FOR EACH ROW EXECUTE FUNCTION ledger_entry_guard();
-- end of statement

CREATE OR REPLACE FUNCTION ledger_entry_post_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  -- Only rows flipped from draft to posted by this statement are checked.
  IF NOT EXISTS (SELECT 1 FROM new_entries n JOIN old_entries o ON o.id = n.id
                  WHERE o.status = 'draft' AND n.status = 'posted') THEN
    RETURN NULL;
  END IF;

  SELECT p.seq INTO bad FROM (SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash FROM new_entries n JOIN old_entries o ON o.id = n.id WHERE o.status = 'draft' AND n.status = 'posted') p
   WHERE (SELECT count(*) FROM ledger_journalline l WHERE l.entry_id = p.id) < 2 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: entry % needs at least two lines', bad.seq USING ERRCODE = 'check_violation';
  END IF;

  SELECT p.seq, l.fund_id, l.amount_currency,
         sum(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END) AS diff
    INTO bad
    FROM (SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash FROM new_entries n JOIN old_entries o ON o.id = n.id WHERE o.status = 'draft' AND n.status = 'posted') p JOIN ledger_journalline l ON l.entry_id = p.id
   GROUP BY p.seq, l.fund_id, l.amount_currency
  HAVING sum(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: entry % does not balance for fund % in %: debits minus credits = %',
      bad.seq, bad.fund_id, bad.amount_currency, bad.diff USING ERRCODE = 'check_violation';
  END IF;

  SELECT p.seq, pr.code, pr.status INTO bad
    FROM (SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash FROM new_entries n JOIN old_entries o ON o.id = n.id WHERE o.status = 'draft' AND n.status = 'posted') p LEFT JOIN ledger_period pr ON pr.id = p.period_id
   WHERE pr.id IS NULL OR pr.status <> 'open' OR p.date < pr.start OR p.date > pr."end" LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: entry % is dated outside an open period (period %: %)',
      bad.seq, bad.code, bad.status USING ERRCODE = 'check_violation';
  END IF;

  SELECT p.seq INTO bad FROM (SELECT n.id, n.seq, n.date, n.period_id, n.prev_hash FROM new_entries n JOIN old_entries o ON o.id = n.id WHERE o.status = 'draft' AND n.status = 'posted') p
   WHERE NOT ((p.seq = 1 AND p.prev_hash = repeat('0', 64))
              OR EXISTS (SELECT 1 FROM ledger_journalentry e
                          WHERE e.seq = p.seq - 1 AND e.hash = p.prev_hash)) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: entry % does not link to the hash of entry %', bad.seq, bad.seq - 1
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
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

CREATE OR REPLACE FUNCTION ledger_line_insert_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT nl.id, e.seq INTO bad FROM new_lines nl LEFT JOIN ledger_journalentry e ON e.id = nl.entry_id
   WHERE e.id IS NULL OR e.status <> 'draft' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: line % must be added to a draft entry (entry % is posted or missing)',
      bad.id, bad.seq USING ERRCODE = 'check_violation';
  END IF;

  WITH k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id, max(id) AS last_id, count(*) AS n
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  )
  SELECT k.account_id INTO bad FROM k
   WHERE (SELECT count(*) FROM ledger_journalline l
           WHERE l.account_id = k.account_id AND l.fund_id = k.fund_id
             AND l.amount_currency = k.amount_currency AND l.id >= k.first_id) <> k.n
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger: lines of account % must be appended after its existing lines',
      bad.account_id USING ERRCODE = 'check_violation';
  END IF;

  WITH k AS (
    SELECT account_id, fund_id, amount_currency, min(id) AS first_id
      FROM new_lines GROUP BY account_id, fund_id, amount_currency
  ), opening AS (
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
  SELECT id, balance_after, expected INTO bad FROM run WHERE balance_after <> expected LIMIT 1;
  IF FOUND THEN
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
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'ledger: stored balance % is never deleted', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ledger_journalline l
                  WHERE l.id = NEW.last_line_id AND l.account_id = NEW.account_id
                    AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency
                    AND l.balance_after = NEW.balance) THEN
    RAISE EXCEPTION 'ledger: stored balance % % must equal the balance after line %',
      NEW.balance, NEW.currency, NEW.last_line_id USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM ledger_journalline l
              WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id
                AND l.amount_currency = NEW.currency AND l.id > NEW.last_line_id) THEN
    RAISE EXCEPTION 'ledger: stored balance must follow the latest line of account %, fund %',
      NEW.account_id, NEW.fund_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_guard ON ledger_balance;
-- end of statement
CREATE TRIGGER ledger_balance_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_balance
       FOR EACH ROW EXECUTE FUNCTION ledger_balance_guard();
-- end of statement

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

-- end of statement
DROP TRIGGER IF EXISTS ledger_period_guard ON ledger_period;
-- end of statement
CREATE TRIGGER ledger_period_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_period
       FOR EACH ROW EXECUTE FUNCTION ledger_period_guard();
-- end of statement

CREATE OR REPLACE FUNCTION ledger_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: audit events are never changed or deleted' USING ERRCODE = 'check_violation';
END $$;

-- end of statement
DROP TRIGGER IF EXISTS ledger_audit_guard ON ledger_auditevent;
-- end of statement
CREATE TRIGGER ledger_audit_guard BEFORE UPDATE OR DELETE ON ledger_auditevent
       FOR EACH ROW EXECUTE FUNCTION ledger_audit_guard();
-- end of statement
