-- ledger 0018: published checkpoints are append-only (issue 15, point 4).
-- end of statement

CREATE OR REPLACE FUNCTION ledger_published_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: a published checkpoint is never changed or deleted' USING ERRCODE = 'check_violation';
END $$;

-- end of statement
DROP TRIGGER IF EXISTS ledger_published_checkpoint_guard ON ledger_publishedcheckpoint;
-- end of statement
CREATE TRIGGER ledger_published_checkpoint_guard
       BEFORE UPDATE OR DELETE ON ledger_publishedcheckpoint
       FOR EACH ROW EXECUTE FUNCTION ledger_published_checkpoint_guard();
-- end of statement
