-- ledger 0018 reversed: the published checkpoints' guard removed.
-- end of statement
DROP TRIGGER IF EXISTS ledger_published_checkpoint_no_update
-- end of statement
DROP TRIGGER IF EXISTS ledger_published_checkpoint_no_delete
-- end of statement
