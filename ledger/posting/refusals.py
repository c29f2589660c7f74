"""The two refusals a posting can meet only once the books are locked, worded once.

A closed period and an idempotency key already used with other content are found by the batch
path in Python (``posting.batch``) and by the one-round-trip path inside PostgreSQL
(``posting.pg.post_one``); both raise the same typed, translated error through these.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from ..exceptions import IdempotencyConflict, PeriodClosed


def period_closed(code: str, day: date) -> PeriodClosed:
    return PeriodClosed(
        _(
            "Period %(period)s is closed for good: nothing can be posted on %(day)s. A "
            "correction goes into the current open period."
        )
        % {"period": code, "day": day.isoformat()}
    )


def key_conflict(key: str, seq) -> IdempotencyConflict:
    return IdempotencyConflict(
        _(
            "The idempotency key %(key)s was already used for entry %(seq)s with different "
            "content. Use a new key for a new entry."
        )
        % {"key": key, "seq": seq}
    )


__all__ = ["key_conflict", "period_closed"]
