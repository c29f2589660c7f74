"""The external checkpoint check of ``verify_ledger``: the books against the latest chain head
written outside the database (``ledger.checkpoints``).

A database whose chain ends before the checkpoint's entry (``chain_cut``: a cut tail or a stale
restored copy), whose entry at that number has another hash (``chain_fork``), or whose keyed
segments up to it differ (``chain_segments_changed``) is reported; so is a checkpoint line whose
MAC does not verify under any configured chain key (``checkpoint_invalid``). Without a
configured ``LEDGER_CHECKPOINT_DIR`` (or before the first checkpoint) there is nothing to
compare: the report's ``checkpoint_seq`` stays empty, which the command prints.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .. import checkpoints
from ..models import GENESIS_HASH, JournalEntry, PublishedCheckpoint
from .report import CHECKPOINT_INVALID, PUBLISHED_CHECKPOINT, LedgerReport


def check_checkpoint(report: LedgerReport, file=None) -> None:
    latest, bad = checkpoints.latest(file)
    if bad:
        report.add(
            CHECKPOINT_INVALID,
            _(
                "%(n)s line(s) at the end of the checkpoint file do not verify under any "
                "configured chain key: they were written by someone without the key, or the "
                "file is damaged"
            )
            % {"n": bad},
        )
    if latest is None:
        return
    report.checkpoint_seq = latest.seq
    report.checkpoint_at = latest.at
    for finding in checkpoints.compare(latest):
        report.add(finding.code, finding.message, seq=finding.seq)


def check_published(report: LedgerReport) -> None:
    """The chain passes through every checkpoint published when a period closed (issue 15,
    point 4): the entry at each published number still has the published hash. A history
    rewritten by someone who holds the chain key passes every other check; it does not pass
    this one unless the published rows were rewritten too, and then the copies kept outside
    (printed reports, ``/public/checkpoints/``) no longer match."""
    published = list(
        PublishedCheckpoint.objects.values_list("seq", "hash", "period__code").order_by("seq")
    )
    stored = dict(
        JournalEntry.objects.filter(seq__in=[p[0] for p in published])
        .values_list("seq", "hash")
        .order_by()
    )
    for seq, hash_, period in published:
        now = stored.get(seq) if seq else GENESIS_HASH
        if now != hash_:
            report.add(
                PUBLISHED_CHECKPOINT,
                _(
                    "the checkpoint published when period %(period)s closed says entry %(seq)s "
                    "has hash %(hash)s..., but the books now have %(now)s...: the history "
                    "before it was rewritten"
                )
                % {"period": period, "seq": seq, "hash": hash_[:12], "now": (now or "-")[:12]},
                seq=seq,
            )
