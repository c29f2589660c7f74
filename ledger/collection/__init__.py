"""The collection: money coming into the funds — donors, donations, allocations, receipts and
their books, cash deposits, pledges, bulk imports.

It is shaped like an app but belongs to the ledger app (app label "ledger", tables "ledger_*"):
every record it makes posts a journal entry in the same transaction, so it lives beside the
books it writes. Its models are registered through ``ledger/models.py``, which imports them by
name. Inside:

* ``models.py`` data and invariants, ``dbguards.py`` the rules the database holds;
* ``exceptions.py`` its typed refusals;
* ``services/`` every write, one module per noun (``services/_books.py`` is its one door into
  the ledger's posting engine); ``selectors.py`` every non-trivial read;
* ``views/`` the screens under /collection/ (``urls.py``), ``api/`` the JSON API under
  /api/collection/ (``api/urls.py``), ``public_views.py`` the public pages under /public/
  (``public_urls.py``); ``forms.py``, ``serializers/``, ``api_filters.py`` parse input;
* ``documents.py`` the printed receipts, reminder letters and thank-you lists (``capitals.py``
  writes amounts in Chinese capitals).
"""
