-- Reverse of ledger 0012_controls_guards: the entry, line and balance guards and the posting
-- function as 0009 (and 0004) left them. Never edit.
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_insert_draft
-- end of statement

CREATE TRIGGER ledger_entry_insert_draft BEFORE INSERT ON ledger_journalentry
WHEN NEW.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'ledger: an entry must be inserted as a draft and posted by an update'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_posted_frozen
-- end of statement

CREATE TRIGGER ledger_entry_posted_frozen BEFORE UPDATE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger: a posted entry is never updated; post a reversing entry instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_posted_nodelete
-- end of statement

CREATE TRIGGER ledger_entry_posted_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger: a posted entry is never deleted; post a reversing entry instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_post_check
-- end of statement

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
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_with_lines_nodelete
-- end of statement

CREATE TRIGGER ledger_entry_with_lines_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status <> 'posted' AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger: a draft entry with lines is not deleted; delete its lines first'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_id_frozen
-- end of statement

CREATE TRIGGER ledger_entry_id_frozen BEFORE UPDATE OF id ON ledger_journalentry
WHEN NEW.id IS NOT OLD.id
BEGIN SELECT RAISE(ABORT, 'ledger: an entry never changes its id'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_no_update
-- end of statement

CREATE TRIGGER ledger_line_no_update BEFORE UPDATE ON ledger_journalline
BEGIN SELECT RAISE(ABORT, 'ledger: a journal line is never updated; post a reversing entry instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_no_delete
-- end of statement

CREATE TRIGGER ledger_line_no_delete BEFORE DELETE ON ledger_journalline
WHEN (SELECT status FROM ledger_journalentry WHERE id = OLD.entry_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger: a line of a posted entry is never deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_insert_check
-- end of statement

CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
BEGIN
  SELECT RAISE(ABORT, 'ledger: lines are added only to a draft entry')
   WHERE coalesce((SELECT status FROM ledger_journalentry WHERE id = NEW.entry_id), 'missing') <> 'draft';
  SELECT RAISE(ABORT, 'ledger: a line must name an existing account and fund')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id)
      OR NOT EXISTS (SELECT 1 FROM ledger_fund f WHERE f.id = NEW.fund_id);
  SELECT RAISE(ABORT, 'ledger: lines must be appended after the existing lines of their account')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency AND l.id > NEW.id);
  SELECT RAISE(ABORT, 'ledger: balance after the line does not follow from the line before it')
   WHERE round(NEW.balance_after - (coalesce((SELECT l.balance_after FROM ledger_journalline l
                WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency AND l.id < NEW.id ORDER BY l.id DESC LIMIT 1), 0)
              + CASE NEW.side WHEN 'D' THEN NEW.amount ELSE -NEW.amount END), 2) <> 0;
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_insert_check
-- end of statement

CREATE TRIGGER ledger_balance_insert_check BEFORE INSERT ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id > NEW.last_line_id);
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_update_check
-- end of statement

CREATE TRIGGER ledger_balance_update_check BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id > NEW.last_line_id);
  SELECT RAISE(ABORT, 'ledger: a stored balance never changes its account, fund or currency')
   WHERE NEW.account_id IS NOT OLD.account_id OR NEW.fund_id IS NOT OLD.fund_id
      OR NEW.currency IS NOT OLD.currency;
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_count_insert
-- end of statement

CREATE TRIGGER ledger_balance_count_insert BEFORE INSERT ON ledger_balance
WHEN NOT EXISTS (SELECT 1 FROM ledger_balance b WHERE b.account_id = NEW.account_id
                  AND b.fund_id = NEW.fund_id AND b.currency = NEW.currency)
BEGIN
  SELECT RAISE(ABORT, 'ledger: the line count of a stored balance must equal the lines of its key')
   WHERE NEW.line_count IS NOT (SELECT count(*) FROM ledger_journalline l
          WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id <= NEW.last_line_id);
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_count_update
-- end of statement

CREATE TRIGGER ledger_balance_count_update BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger: the line count of a stored balance must grow by the lines added since its last line')
   WHERE NEW.line_count IS NOT OLD.line_count + (SELECT count(*) FROM ledger_journalline l
          WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id > OLD.last_line_id AND l.id <= NEW.last_line_id);
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_no_delete
-- end of statement

CREATE TRIGGER ledger_balance_no_delete BEFORE DELETE ON ledger_balance
BEGIN SELECT RAISE(ABORT, 'ledger: a stored balance is never deleted'); END;
-- end of statement
