"""The collection's JSON API (Django REST framework), mounted at ``/api/collection/``, one
module per resource (routes in ``urls.py``).

Donors, donations, allocations, receipts (with their PDF and the void maker-checker), cash
deposits, cash held and pledges. It follows the ledger API (``ledger/api.py``) and reuses its
plumbing:

* every endpoint names the Django permissions it needs per action (``required_permissions``)
  and ``RequiredPermissions`` checks them, so the roles of ``fundapp.roles`` decide; the services
  check again with ``actor=request.user`` (an asker approving their own void is the service's
  403, not ours);
* recording money (donations, allocations, cash deposits) needs an ``Idempotency-Key`` header,
  stored under the ``api:`` prefix so an API client never collides with the keys of the entry
  screen or of a bulk import. The same key and content answers the first record with 200 and
  ``Idempotent-Replayed: true``; the same key with other content is the service's 409
  ``idempotency_conflict``;
* amounts travel as 2-decimal strings beside a currency; JSON numbers are refused;
* the services' typed errors become ``{code, message}`` in ``common.api.exception_handler``.
"""
