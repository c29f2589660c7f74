-- approvals 0010 reversed: drops the sets approvals.award and approvals.reservation.
-- Statements in order, each ending at a line '-- end of statement' (read by common.dbguards.read_sql_file).
-- Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_insert
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_booked
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_frozen
-- end of statement
DROP TRIGGER IF EXISTS approvals_program_fund_frozen
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_insert
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_update
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_no_delete
-- end of statement
