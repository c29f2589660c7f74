"""Every write to the books, by noun: the ledger's public services.

* ``journal``: ``journal_post``, ``journal_post_many``, ``journal_reverse``;
* ``periods``: ``period_open``, ``period_close``, ``period_open_items``;
* ``requests``: manual entries and reversals by four eyes — ``entry_request_submit``,
  ``reversal_request_submit``, ``entry_request_attach``, ``entry_request_approve``,
  ``entry_request_reject``, ``entry_request_withdraw``.

Each is keyword-only, checks the actor's permission (``actor=None`` is the system itself), runs
in one transaction under the single books lock (``ledger.locks``) and records itself: a
posting's own record is the entry (who, when, chained by hash); other writes add an
``AuditEvent`` (``ledger.audit``) in the same transaction. How an entry is validated and
written, on each engine, is ``ledger.posting``. The entry and line specifications callers build
(``EntrySpec``, ``LineSpec``) are exported here with the services that take them.
"""

from __future__ import annotations

from ..models import GENESIS_HASH
from ..posting import EntrySpec, LineSpec
from .journal import journal_post, journal_post_many, journal_reverse
from .periods import period_close, period_open, period_open_items
from .requests import (
    entry_request_approve,
    entry_request_attach,
    entry_request_reject,
    entry_request_submit,
    entry_request_withdraw,
    reversal_request_submit,
)

__all__ = [
    "GENESIS_HASH",
    "EntrySpec",
    "LineSpec",
    "entry_request_approve",
    "entry_request_attach",
    "entry_request_reject",
    "entry_request_submit",
    "entry_request_withdraw",
    "journal_post",
    "journal_post_many",
    "journal_reverse",
    "period_close",
    "period_open",
    "period_open_items",
    "reversal_request_submit",
]
