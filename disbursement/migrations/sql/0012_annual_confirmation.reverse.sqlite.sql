-- disbursement 0012 reversed: the entitlement guard as disbursement/dbguards.py installed it before
-- the annual confirmation (issue 11 point 4). SQLite drops the confirmation trigger and sets the
-- insert guard aside while the enrolment table is rebuilt (.restore puts it back, last).
-- Statements end at a line '-- end of statement'. Frozen: never edit.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_confirmed
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_ins
-- end of statement
