-- approvals 0010 reversed: drops the sets approvals.award and approvals.reservation.
-- Statements in order, each ending at a line '-- end of statement' (read by common.dbguards.read_sql_file).
-- Frozen: never edit; a change is a new migration.
-- end of statement
DROP TRIGGER IF EXISTS approvals_award_guard ON approvals_case
-- end of statement
DROP TRIGGER IF EXISTS approvals_program_fund_guard ON approvals_program
-- end of statement
DROP FUNCTION IF EXISTS approvals_award_guard()
-- end of statement
DROP FUNCTION IF EXISTS approvals_program_fund_guard()
-- end of statement
DROP TRIGGER IF EXISTS approvals_reservation_guard ON approvals_reservation
-- end of statement
DROP FUNCTION IF EXISTS approvals_reservation_guard()
-- end of statement
