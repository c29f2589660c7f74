-- Migration ledger 0012_controls_guards: the entry, line and balance guards with the controls
-- of issue 10 (purposes, cash and bank never below zero, amount bounds, four eyes, income with
-- its receipt, rule tokens), and ledger_post_entry taking maker, approver, reason and receipt.
-- Frozen from ledger/dbguards/{journalentry,journalline,balance}.py and
-- ledger/dbfunctions/post_entry.pg.sql at this migration; never edit.
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_insert_draft
-- end of statement

CREATE TRIGGER ledger_entry_insert_draft BEFORE INSERT ON ledger_journalentry
WHEN NEW.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'ledger[entry_draft]: an entry must be inserted as a draft and posted by an update'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_posted_frozen
-- end of statement

CREATE TRIGGER ledger_entry_posted_frozen BEFORE UPDATE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger[entry_frozen]: a posted entry is never updated; post a reversing entry instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_posted_nodelete
-- end of statement

CREATE TRIGGER ledger_entry_posted_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger[entry_frozen]: a posted entry is never deleted; post a reversing entry instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_post_check
-- end of statement

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
                     WHERE l.entry_id = NEW.id AND l.side = 'C' AND a.role IN ('donation_income', 'allocation_income')
                     GROUP BY l.fund_id, l.amount_currency) s
       LEFT JOIN ledger_receipt r ON r.id = NEW.income_receipt_id
      WHERE r.id IS NULL OR r.status <> 'valid' OR (s.don > 0 AND s.alo > 0)
         OR r.type <> CASE WHEN s.don > 0 THEN 'donation' ELSE 'settlement' END
         OR r.fund_id <> s.fund_id OR r.amount_currency <> s.cur
         OR round(r.amount - (s.don + s.alo), 2) <> 0);
  SELECT RAISE(ABORT, 'ledger[income_debit]: income is debited only by the reversal of an entry whose receipt is void')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                  WHERE l.entry_id = NEW.id AND l.side = 'D' AND a.role IN ('donation_income', 'allocation_income'))
     AND NOT EXISTS (SELECT 1 FROM ledger_journalentry o JOIN ledger_receipt r ON r.id = o.income_receipt_id
                      WHERE o.id = NEW.reverses_id AND r.status = 'void');
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_with_lines_nodelete
-- end of statement

CREATE TRIGGER ledger_entry_with_lines_nodelete BEFORE DELETE ON ledger_journalentry
WHEN OLD.status <> 'posted' AND EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'ledger[entry_lines]: a draft entry with lines is not deleted; delete its lines first'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_entry_id_frozen
-- end of statement

CREATE TRIGGER ledger_entry_id_frozen BEFORE UPDATE OF id ON ledger_journalentry
WHEN NEW.id IS NOT OLD.id
BEGIN SELECT RAISE(ABORT, 'ledger[entry_id]: an entry never changes its id'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_no_update
-- end of statement

CREATE TRIGGER ledger_line_no_update BEFORE UPDATE ON ledger_journalline
BEGIN SELECT RAISE(ABORT, 'ledger[line_frozen]: a journal line is never updated; post a reversing entry instead'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_no_delete
-- end of statement

CREATE TRIGGER ledger_line_no_delete BEFORE DELETE ON ledger_journalline
WHEN (SELECT status FROM ledger_journalentry WHERE id = OLD.entry_id) = 'posted'
BEGIN SELECT RAISE(ABORT, 'ledger[line_frozen]: a line of a posted entry is never deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_line_insert_check
-- end of statement

CREATE TRIGGER ledger_line_insert_check AFTER INSERT ON ledger_journalline
BEGIN
  SELECT RAISE(ABORT, 'ledger[line_draft]: lines are added only to a draft entry')
   WHERE coalesce((SELECT status FROM ledger_journalentry WHERE id = NEW.entry_id), 'missing') <> 'draft';
  SELECT RAISE(ABORT, 'ledger[line_refs]: a line must name an existing account and fund')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id)
      OR NOT EXISTS (SELECT 1 FROM ledger_fund f WHERE f.id = NEW.fund_id);
  SELECT RAISE(ABORT, 'ledger[line_appended]: lines must be appended after the existing lines of their account')
   WHERE EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency AND l.id > NEW.id);
  SELECT RAISE(ABORT, 'ledger[line_running]: balance after the line does not follow from the line before it')
   WHERE round(NEW.balance_after - (coalesce((SELECT l.balance_after FROM ledger_journalline l
                WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.amount_currency AND l.id < NEW.id ORDER BY l.id DESC LIMIT 1), 0)
              + CASE NEW.side WHEN 'D' THEN NEW.amount ELSE -NEW.amount END), 2) <> 0;
  SELECT RAISE(ABORT, 'ledger[amount_bounds]: a line amount or balance after is beyond what the books hold (a line up to 999999999999.99, a balance up to 9999999999999.99)')
   WHERE NEW.amount > 999999999999.99 OR abs(NEW.balance_after) > 9999999999999.99;
  SELECT RAISE(ABORT, 'ledger[purpose]: the line pays a purpose its restricted fund does not allow')
   WHERE EXISTS (SELECT 1 FROM ledger_account a JOIN ledger_fund f ON f.id = NEW.fund_id
                  WHERE a.id = NEW.account_id AND a.purpose <> '' AND f.restricted
                    AND NOT EXISTS (SELECT 1 FROM json_each(f.purposes) j WHERE j.value = a.purpose));
  SELECT RAISE(ABORT, 'ledger[below_zero]: the line leaves cash at bank or on hand of its fund below zero')
   WHERE NEW.balance_after < 0
     AND (SELECT role FROM ledger_account WHERE id = NEW.account_id) IN ('cash', 'bank')
     AND (SELECT reverses_id FROM ledger_journalentry WHERE id = NEW.entry_id) IS NULL;
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_insert_check
-- end of statement

CREATE TRIGGER ledger_balance_insert_check BEFORE INSERT ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id > NEW.last_line_id);
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_update_check
-- end of statement

CREATE TRIGGER ledger_balance_update_check BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: a stored balance must equal the balance after its latest line')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.id = NEW.last_line_id
                      AND l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND round(l.balance_after - NEW.balance, 2) = 0)
      OR EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id > NEW.last_line_id);
  SELECT RAISE(ABORT, 'ledger[balance]: a stored balance never changes its account, fund or currency')
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
  SELECT RAISE(ABORT, 'ledger[balance]: the line count of a stored balance must equal the lines of its key')
   WHERE NEW.line_count IS NOT (SELECT count(*) FROM ledger_journalline l
          WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id <= NEW.last_line_id);
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_count_update
-- end of statement

CREATE TRIGGER ledger_balance_count_update BEFORE UPDATE ON ledger_balance
BEGIN
  SELECT RAISE(ABORT, 'ledger[balance]: the line count of a stored balance must grow by the lines added since its last line')
   WHERE NEW.line_count IS NOT OLD.line_count + (SELECT count(*) FROM ledger_journalline l
          WHERE l.account_id = NEW.account_id AND l.fund_id = NEW.fund_id AND l.amount_currency = NEW.currency AND l.id > OLD.last_line_id AND l.id <= NEW.last_line_id);
END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_balance_no_delete
-- end of statement

CREATE TRIGGER ledger_balance_no_delete BEFORE DELETE ON ledger_balance
BEGIN SELECT RAISE(ABORT, 'ledger[balance]: a stored balance is never deleted'); END;
-- end of statement
