-- ledger 0017 reversed: fundapp_analyze dropped.
-- end of statement
DROP FUNCTION IF EXISTS fundapp_analyze(regclass)
-- end of statement
