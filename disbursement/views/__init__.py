"""Staff screens of payouts, under /payouts/ (``disbursement/urls.py``), one module a resource:

* ``batches``: the list, building a batch, a batch's page with the reconciliation panel,
  approving and discarding; ``bankfiles``: the bank file export, its download and the bank
  result import of a batch;
* ``jobs``: long jobs with a progress bar, and how a form that started one answers;
* ``late``: the late-payments report;
* ``cycles``: cycles of recurring programs; ``enrolments``: beneficiary enrolments;
* ``common``: the permissions the screens name, paging, the staff-region check.

Each view checks the role permission (``common.permissions``: anonymous -> login, wrong role ->
403) AND the region: batches, enrolments and late awards are read through
``selectors.batches_for_user`` and the like, so anything outside the user's region is a plain
404 (or is not listed). Every read is a selector; every write is one service call or one job
(``jobs.start_job``); a typed error goes back next to the form, with what the user typed kept.
"""
