-- ledger 0023 reversed: the receipt book guard dropped.
-- end of statement
DROP TRIGGER IF EXISTS collection_receiptbook_guard ON ledger_receiptbook
-- end of statement
DROP FUNCTION IF EXISTS collection_receiptbook_guard()
-- end of statement
