-- disbursement 0012, first step (SQLite): the entitlement insert guard reads the enrolment table,
-- which adding source_case rebuilds (SQLite refuses to rebuild a table another table's trigger
-- names); the guards come back at the end of the migration. PostgreSQL: nothing.
-- Frozen: never edit.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_ins
-- end of statement
