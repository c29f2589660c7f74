-- ledger 0018: published checkpoints are append-only (issue 15, point 4).
-- end of statement
DROP TRIGGER IF EXISTS ledger_published_checkpoint_no_update
-- end of statement

CREATE TRIGGER ledger_published_checkpoint_no_update BEFORE UPDATE ON ledger_publishedcheckpoint
BEGIN SELECT RAISE(ABORT, 'ledger: a published checkpoint is never changed or deleted'); END;
-- end of statement
DROP TRIGGER IF EXISTS ledger_published_checkpoint_no_delete
-- end of statement

CREATE TRIGGER ledger_published_checkpoint_no_delete BEFORE DELETE ON ledger_publishedcheckpoint
BEGIN SELECT RAISE(ABORT, 'ledger: a published checkpoint is never changed or deleted'); END;
-- end of statement
