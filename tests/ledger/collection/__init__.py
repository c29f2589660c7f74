"""Tests of the collection (ledger/collection/): donors, donations, allocations, receipts,
deposits, pledges, imports, its screens, API and public pages."""
