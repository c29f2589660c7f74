"""Telling a retry from the first request, however concurrent they are.

A service that records something under an idempotency key decides, under its own lock (or its
unique index), whether the key is new or was used already; only it knows which. When it answers
with the record made before, it marks that record (``mark_replayed``); the API reads the mark
(``was_replayed``) to answer ``200`` with ``Idempotent-Replayed: true`` rather than ``201``.

The API must not find this out by looking for the key itself before calling the service: two
requests with one key sent at the same moment both look before either has written, and both
were answered ``201 created`` though one record was made (issue 12, fault 6). The mark is set on
the instance the service returns, in memory only.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

_ATTRIBUTE = "_idempotent_replay"


def mark_replayed(record: T) -> T:
    """``record`` was made by an earlier request under the same key; return it, marked."""
    setattr(record, _ATTRIBUTE, True)
    return record


def was_replayed(record) -> bool:
    """Whether the service answered with a record made by an earlier request under its key."""
    return bool(getattr(record, _ATTRIBUTE, False))
