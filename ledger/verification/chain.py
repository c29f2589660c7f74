"""The hash chain check of ``verify_ledger``, in ``seq`` order.

Posted entries are numbered 1, 2, 3... without gaps, each ``prev_hash`` equals the previous
entry's ``hash``, each ``hash`` is recomputed from the stored data with ``ledger.hashing`` exactly
as ``ledger.posting`` computes it, and the ``ChainHead`` is at the last entry. No draft entry is
left behind. Entries are read with a server-side cursor; only the last entry's number and hash
are kept.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import hashing
from ..models import GENESIS_HASH, ChainHead, EntryStatus, JournalEntry
from .report import (
    CHAIN_HEAD,
    CHAIN_LINK,
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


def check_chain(report: LedgerReport, chunk_size: int, progress, progress_every) -> SeqIndex:
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
        recomputed = hashing.entry_hash(
            prev_hash=prev_hash,
            seq=seq,
            idempotency_key=key,
            content=content,
            posted_by_id=posted_by_id,
            posted_at=posted_at,
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

    head = ChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    head_seq, head_hash = head if head is not None else (0, GENESIS_HASH)
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
