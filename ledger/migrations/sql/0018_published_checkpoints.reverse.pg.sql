-- ledger 0018 reversed: the published checkpoints' guard removed.
-- end of statement
DROP TRIGGER IF EXISTS ledger_published_checkpoint_guard ON ledger_publishedcheckpoint
-- end of statement
DROP FUNCTION IF EXISTS ledger_published_checkpoint_guard()
-- end of statement
