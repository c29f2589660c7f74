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
from .report import CHECKPOINT_INVALID, LedgerReport


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
