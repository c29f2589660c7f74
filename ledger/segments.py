"""The chain's segments: which key hashes which entries (``ledger.chainkeys`` explains why).

``segment_key(head)`` is what a posting asks, under the books lock: the key of the open segment,
opening the first segment (at the next entry) when the chain has none yet. ``rotate`` opens a new
segment with the current key. ``key_for`` answers, for any entry number, the key that hashes it
(``None``: a legacy entry, posted before the first segment).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from django.db import transaction

from .chainkeys import ChainKey, keyring, segment_mac
from .locks import lock_head
from .models import ChainHead, ChainSegment


def _open(head: ChainHead, key: ChainKey) -> ChainSegment:
    first = head.last_seq + 1
    segment = ChainSegment.objects.create(
        first_seq=first, key_id=key.id, mac=segment_mac(key, first)
    )
    ChainHead.objects.filter(pk=head.pk).update(key_id=key.id)
    head.key_id = key.id
    return segment


def segment_key(head: ChainHead) -> ChainKey:
    """The key the next entry is hashed with (call with the head locked, ``lock_head``).

    A chain with no segment yet gets its first one here, starting at the next entry: every entry
    before stays legacy (never re-keyed)."""
    ring = keyring()
    if not head.key_id:
        _open(head, ring.current)
        return ring.current
    return ring.get(head.key_id)


@dataclass(frozen=True)
class Rotation:
    segment: ChainSegment | None  # None: the open segment already uses the current key
    previous_key_id: str


def rotate() -> Rotation:
    """Open a segment keyed with the current ``LEDGER_CHAIN_KEY`` at the next entry, unless the
    open segment already uses it."""
    ring = keyring()
    with transaction.atomic():
        head = lock_head()
        previous = head.key_id
        if previous == ring.current.id:
            return Rotation(None, previous)
        # A segment opened with no entry in it yet (rotated twice in a row) is replaced, not
        # stacked: the next entry is keyed with the current key either way.
        ChainSegment.objects.filter(first_seq=head.last_seq + 1).delete()
        return Rotation(_open(head, ring.current), previous)


class SegmentMap:
    """Entry number -> the key that hashes it, for verification (segments read once)."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = sorted(rows)
        self.starts = [first for first, _key in self.rows]

    @classmethod
    def load(cls) -> SegmentMap:
        return cls(list(ChainSegment.objects.values_list("first_seq", "key_id")))

    def key_id_for(self, seq: int) -> str | None:
        i = bisect.bisect_right(self.starts, seq) - 1
        return None if i < 0 else self.rows[i][1]

    @property
    def keyed_from(self) -> int | None:
        return self.starts[0] if self.starts else None


def key_for(seq: int) -> ChainKey | None:
    """The key hashing entry ``seq`` (``None``: legacy); for tools and tests."""
    key_id = SegmentMap.load().key_id_for(seq)
    return None if key_id is None else keyring().get(key_id)


__all__ = ["Rotation", "SegmentMap", "key_for", "rotate", "segment_key"]
