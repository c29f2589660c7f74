-- approvals 0010: what it installs, as approvals/dbguards.py installs it (sets approvals.award and approvals.reservation).
-- Statements in order, each ending at a line '-- end of statement' (read by common.dbguards.read_sql_file).
-- Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_insert
-- end of statement

CREATE TRIGGER approvals_award_insert BEFORE INSERT ON approvals_case
WHEN NEW.award_entry_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_journalentry e
    JOIN ledger_journalline l ON l.entry_id = e.id
    JOIN ledger_account a ON a.id = l.account_id
    JOIN approvals_program p ON p.id = NEW.program_id
    WHERE e.id = NEW.award_entry_id AND e.status = 'posted' AND a.code = '2201'
      AND l.side = 'C' AND l.fund_id = p.fund_id
      AND l.amount = NEW.amount AND l.amount_currency = NEW.amount_currency)
BEGIN SELECT RAISE(ABORT, 'approvals: a final award keeps the amount, currency, program and entry the ledger booked'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_booked
-- end of statement

CREATE TRIGGER approvals_award_booked BEFORE UPDATE ON approvals_case
WHEN OLD.award_entry_id IS NULL AND NEW.award_entry_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_journalentry e
    JOIN ledger_journalline l ON l.entry_id = e.id
    JOIN ledger_account a ON a.id = l.account_id
    JOIN approvals_program p ON p.id = NEW.program_id
    WHERE e.id = NEW.award_entry_id AND e.status = 'posted' AND a.code = '2201'
      AND l.side = 'C' AND l.fund_id = p.fund_id
      AND l.amount = NEW.amount AND l.amount_currency = NEW.amount_currency)
BEGIN SELECT RAISE(ABORT, 'approvals: a final award keeps the amount, currency, program and entry the ledger booked'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_frozen
-- end of statement

CREATE TRIGGER approvals_award_frozen BEFORE UPDATE ON approvals_case
WHEN OLD.award_entry_id IS NOT NULL AND (NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.program_id <> OLD.program_id OR NEW.award_entry_id IS NULL
    OR NEW.award_entry_id <> OLD.award_entry_id)
BEGIN SELECT RAISE(ABORT, 'approvals: a final award keeps the amount, currency, program and entry the ledger booked'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_program_fund_frozen
-- end of statement

CREATE TRIGGER approvals_program_fund_frozen BEFORE UPDATE OF fund_id ON approvals_program
WHEN NEW.fund_id IS NOT OLD.fund_id AND EXISTS (SELECT 1 FROM approvals_case c
    WHERE c.program_id = OLD.id AND c.award_entry_id IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'approvals: a program keeps its fund once one of its awards is booked'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_insert
-- end of statement

CREATE TRIGGER approvals_reservation_insert BEFORE INSERT ON approvals_reservation
WHEN NOT NEW.active
BEGIN SELECT RAISE(ABORT, 'approvals: a reservation is never deleted; it is released once and otherwise never changes'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_update
-- end of statement

CREATE TRIGGER approvals_reservation_update BEFORE UPDATE ON approvals_reservation
WHEN (NEW.case_id <> OLD.case_id OR NEW.fund_id <> OLD.fund_id
    OR NEW.amount <> OLD.amount OR NEW.amount_currency <> OLD.amount_currency
    OR NEW.created_at <> OLD.created_at OR NEW.id <> OLD.id
    OR NOT OLD.active
    OR NEW.active AND (NEW.released_at IS NOT NULL OR NEW.release_reason <> OLD.release_reason))
BEGIN SELECT RAISE(ABORT, 'approvals: a reservation is never deleted; it is released once and otherwise never changes'); END;
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_no_delete
-- end of statement

CREATE TRIGGER approvals_reservation_no_delete BEFORE DELETE ON approvals_reservation
BEGIN SELECT RAISE(ABORT, 'approvals: a reservation is never deleted; it is released once and otherwise never changes'); END;
-- end of statement
