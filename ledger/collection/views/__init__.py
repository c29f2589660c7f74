"""The collection's screens for finance officers and supervisors, under /collection/, one module
per resource (``urls.py`` routes to them).

Each view parses its input with a form from ``ledger.collection.forms``, checks the role
permission (``common.permissions``: anonymous -> login, wrong role -> 403), calls one service
or selector and renders. A ``FundError`` from a service is shown on the form with what was
typed kept. Lists download as xlsx or CSV with ``?format=xlsx|csv`` (needs
``ledger.export_ledger``), with money as numbers and the currency in its own column.
"""
