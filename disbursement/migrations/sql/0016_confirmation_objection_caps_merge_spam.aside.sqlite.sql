-- disbursement 0016, first step (SQLite): the entitlement guard "held" reads the confirmation
-- objection table, which adding contact_key, merged_into and the new checks rebuilds (SQLite
-- refuses to rebuild a table another table's trigger names); the guard comes back unchanged at
-- the end of the migration (.restore). PostgreSQL: nothing.
-- Frozen: never edit.
-- end of statement
DROP TRIGGER IF EXISTS disbursement_entitlement_held
-- end of statement
