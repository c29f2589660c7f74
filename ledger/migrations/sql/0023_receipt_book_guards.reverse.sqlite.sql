-- ledger 0023 reversed: the receipt book guard dropped.
-- end of statement
DROP TRIGGER IF EXISTS collection_receiptbook_insert
-- end of statement
DROP TRIGGER IF EXISTS collection_receiptbook_update
-- end of statement
