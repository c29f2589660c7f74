"""The hash chain check of ``verify_ledger``, in ``seq`` order.

Posted entries are numbered 1, 2, 3... without gaps, each ``prev_hash`` equals the previous
entry's ``hash``, each ``hash`` is recomputed from the stored data with ``ledger.hashing`` exactly
as ``ledger.posting`` computes it, and the ``ChainHead`` is at the last entry. No draft entry is
left behind. Entries are read with a server-side cursor; only the last entry's number and hash
are kept.

The hash is keyed per segment (``ledger.chainkeys``): each entry is recomputed with its
segment's key, each segment's own MAC is checked under its key, and a segment whose key is not
configured is a problem of its own (its entries cannot be checked). Entries before the first
segment are legacy (unkeyed) and counted in ``legacy_entries``.
"""

from __future__ import annotations

import hmac

from django.utils.translation import gettext as _

from .. import hashing
from ..chainkeys import ChainKey, ChainKeyMissing, keyring, segment_mac
from ..models import GENESIS_HASH, ChainHead, ChainSegment, EntryStatus, JournalEntry
from .report import (
    CHAIN_HEAD,
    CHAIN_KEY_MISSING,
    CHAIN_LINK,
    CHAIN_SEGMENT,
    CHAIN_SEQ,
    ENTRY_DRAFT,
    ENTRY_HASH,
    LedgerReport,
)


class SeqIndex:
    """Entry id -> seq, looked up only when a line problem names its entry (and forgotten when
    many are cached), so memory does not grow with the entries."""

    def __init__(self) -> None:
        self._cache: dict[int, int | None] = {}

    def __call__(self, entry_id: int) -> int | None:
        if entry_id not in self._cache:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[entry_id] = (
                JournalEntry.objects.filter(pk=entry_id).values_list("seq", flat=True).first()
            )
        return self._cache[entry_id]


def _segments(report: LedgerReport) -> tuple[list[int], list[ChainKey | None]]:
    """The segments' first entries and keys (``None`` where the key is not configured), each
    segment's MAC checked."""
    ring = keyring()
    starts: list[int] = []
    keys: list[ChainKey | None] = []
    for first_seq, key_id, mac in ChainSegment.objects.order_by("first_seq").values_list(
        "first_seq", "key_id", "mac"
    ):
        report.chain_segments += 1
        try:
            key = ring.get(key_id)
        except ChainKeyMissing:
            key = None
            report.add(
                CHAIN_KEY_MISSING,
                _(
                    "the chain segment from entry %(seq)s is keyed with key %(id)s, which is "
                    "not configured: its entries cannot be verified; list that key in "
                    "LEDGER_CHAIN_OLD_KEYS"
                )
                % {"seq": first_seq, "id": key_id},
                seq=first_seq,
            )
        if key is not None and not hmac.compare_digest(segment_mac(key, first_seq), mac):
            report.add(
                CHAIN_SEGMENT,
                _(
                    "the chain segment from entry %(seq)s does not carry its key's MAC: it was "
                    "written or moved by someone without the chain key"
                )
                % {"seq": first_seq},
                seq=first_seq,
            )
        starts.append(first_seq)
        keys.append(key)
    return starts, keys


def check_chain(report: LedgerReport, chunk_size: int, progress, progress_every) -> SeqIndex:
    starts, keys = _segments(report)
    # Entries are read in seq order: the segment index only moves forward.
    seg = -1
    next_start = starts[0] if starts else None
    rows = (
        JournalEntry.objects.order_by("seq")
        .values_list(
            "seq",
            "status",
            "idempotency_key",
            "content_hash",
            "prev_hash",
            "hash",
            "posted_by_id",
            "posted_at",
        )
        .iterator(chunk_size=chunk_size)
    )
    last_seq, last_hash = 0, GENESIS_HASH
    for n, (seq, status, key, content, prev_hash, digest, posted_by_id, posted_at) in enumerate(
        rows, start=1
    ):
        if progress and n % progress_every == 0:
            progress(_("hash chain: %(n)s entries checked") % {"n": f"{n:,}"})
        if status != EntryStatus.POSTED:
            report.drafts += 1
            report.add(
                ENTRY_DRAFT,
                _(
                    "entry %(seq)s is left as a %(status)s: a posting was interrupted or rows "
                    "were written underneath; nothing should stay unposted"
                )
                % {"seq": seq, "status": status},
                seq=seq,
            )
            continue
        report.entries += 1
        if seq != last_seq + 1:
            report.add(
                CHAIN_SEQ,
                _("entry %(seq)s follows entry %(last)s: the numbers must run on without gaps")
                % {"seq": seq, "last": last_seq},
                seq=seq,
            )
        if prev_hash != last_hash:
            report.add(
                CHAIN_LINK,
                _(
                    "entry %(seq)s links to hash %(prev)s... but the entry before it (%(last)s) "
                    "has hash %(hash)s..."
                )
                % {"seq": seq, "prev": prev_hash[:12], "last": last_seq, "hash": last_hash[:12]},
                seq=seq,
            )
        while next_start is not None and seq >= next_start:
            seg += 1
            next_start = starts[seg + 1] if seg + 1 < len(starts) else None
        if seg < 0:
            report.legacy_entries += 1
            chain_key = None
        else:
            chain_key = keys[seg]
            if chain_key is None:  # reported once, with its segment
                last_seq, last_hash = seq, digest
                continue
        recomputed = hashing.entry_hash(
            prev_hash=prev_hash,
            seq=seq,
            idempotency_key=key,
            content=content,
            posted_by_id=posted_by_id,
            posted_at=posted_at,
            key=chain_key,
        )
        if recomputed != digest:
            report.add(
                ENTRY_HASH,
                _(
                    "entry %(seq)s: stored hash %(stored)s... does not match its data "
                    "(recomputed %(recomputed)s...): the entry was altered after posting"
                )
                % {"seq": seq, "stored": digest[:12], "recomputed": recomputed[:12]},
                seq=seq,
            )
        last_seq, last_hash = seq, digest

    head = ChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash", "key_id").first()
    head_seq, head_hash, head_key = head if head is not None else (0, GENESIS_HASH, "")
    report.head_seq, report.head_hash = last_seq, last_hash
    if not starts and head_key:
        report.add(
            CHAIN_SEGMENT,
            _(
                "the chain head names key %(head)s but no chain segment exists: the segments "
                "were deleted"
            )
            % {"head": head_key},
        )
    open_key = keys[-1].id if keys and keys[-1] is not None else None
    if starts and open_key is not None and head_key != open_key:
        report.add(
            CHAIN_SEGMENT,
            _(
                "the chain head names key %(head)s but the last segment (from entry %(seq)s) "
                "is keyed with %(key)s"
            )
            % {"head": head_key or "-", "seq": starts[-1], "key": open_key},
            seq=starts[-1],
        )
    if (head_seq, head_hash) != (last_seq, last_hash):
        report.add(
            CHAIN_HEAD,
            _(
                "the chain head says entry %(head)s with hash %(head_hash)s... but the last "
                "posted entry is %(last)s with hash %(last_hash)s..."
            )
            % {
                "head": head_seq,
                "head_hash": head_hash[:12],
                "last": last_seq,
                "last_hash": last_hash[:12],
            },
            seq=last_seq or None,
        )
    return SeqIndex()
