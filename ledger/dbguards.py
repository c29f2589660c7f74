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
* a stored balance must equal the ``balance_after`` of the latest line of its key;
* a closed period is never changed or reopened, and periods never overlap;
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
PG_INSTALL = [
    # ---- entries: inserted as drafts; posted ones are frozen ---------------------------------
    r"""
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
""",
    "DROP TRIGGER IF EXISTS ledger_entry_guard ON ledger_journalentry;",
    """CREATE TRIGGER ledger_entry_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_journalentry
       FOR EACH ROW EXECUTE FUNCTION ledger_entry_guard();""",
    # ---- the flip to posted, checked once per statement ---------------------------------------
    r"""
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
    r"""
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
""",
    "DROP TRIGGER IF EXISTS ledger_line_insert_check ON ledger_journalline;",
    """CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
       REFERENCING NEW TABLE AS new_lines
       FOR EACH STATEMENT EXECUTE FUNCTION ledger_line_insert_check();""",
    # ---- stored balances equal their latest line ----------------------------------------------
    r"""
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
]

PG_TRIGGERS = {
    "ledger_entry_guard": "ledger_journalentry",
    "ledger_entry_post_check": "ledger_journalentry",
    "ledger_line_guard": "ledger_journalline",
    "ledger_line_insert_check": "ledger_journalline",
    "ledger_balance_guard": "ledger_balance",
    "ledger_period_guard": "ledger_period",
    "ledger_audit_guard": "ledger_auditevent",
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
    "ledger_audit_no_update": """
CREATE TRIGGER ledger_audit_no_update BEFORE UPDATE ON ledger_auditevent
BEGIN SELECT RAISE(ABORT, 'ledger: audit events are never changed'); END;""",
    "ledger_audit_no_delete": """
CREATE TRIGGER ledger_audit_no_delete BEFORE DELETE ON ledger_auditevent
BEGIN SELECT RAISE(ABORT, 'ledger: audit events are never deleted'); END;""",
}


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in PG_INSTALL:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for name, statement in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
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
