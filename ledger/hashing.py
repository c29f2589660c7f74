"""Canonical content and the hash chain of journal entries.

``content_hash`` covers what the caller asked to post (date, memo, source, what it reverses, and
every line's account, fund, side, amount and currency, in order); it tells a retry from a
conflict under the same idempotency key. ``entry_hash`` chains an entry to the one before it and
covers its position, key, content, who posted it and when. Free text is hashed on its own first,
so no delimiter inside it can make two different entries read alike.

The entry hash is keyed: HMAC-SHA256 under the chain key of the entry's segment
(``ledger.chainkeys``), so that only who holds the key (never a database writer alone) can
compute it. ``key=None`` is the legacy unkeyed SHA-256 of the entries posted before the chain
was keyed; the message hashed is the same in both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chainkeys import ChainKey


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Memos repeat (most lines have none, batches share one per source): their hashes are cached.
_memo_h = lru_cache(maxsize=4096)(_h)


def line_token(
    account_code: str, fund_code: str, side: str, amount: Decimal, currency: str, memo: str = ""
) -> str:
    return f"{account_code},{fund_code},{side},{amount:.2f},{currency},{_memo_h(memo)}"


def content_hash(
    *,
    entry_date: date,
    memo: str,
    source: str,
    reverses_seq: int | None,
    line_tokens: Iterable[str],
) -> str:
    head = f"{entry_date.isoformat()}|{_memo_h(memo)}|{source}|{reverses_seq or ''}"
    return _h(head + "|" + ";".join(line_tokens))


def timestamp_token(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    idempotency_key: str,
    content: str,
    posted_by_id: int | None,
    posted_at: datetime,
    key: ChainKey | None,
    posted_at_token: str | None = None,
) -> str:
    """HMAC-SHA256 under ``key`` (``None``: the legacy unkeyed SHA-256).

    ``posted_at_token`` may pass ``timestamp_token(posted_at)`` computed once for a batch."""
    token = posted_at_token or timestamp_token(posted_at)
    message = f"{prev_hash}|{seq}|{_h(idempotency_key)}|{content}|{posted_by_id or ''}|{token}"
    return _h(message) if key is None else key.mac(message)
