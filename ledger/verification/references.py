"""The references check of ``verify_ledger``: what an entry or a line points to exists and is
what it should be.

* a line's entry exists, and so do its account and fund (lines name accounts and funds without
  foreign keys; the guards in ``ledger/dbguards/references.py`` hold it);
* a reversal reverses a posted entry that is not itself a reversal, and mirrors its original
  (same accounts, funds, currencies and amounts, opposite sides).

These are called from the streaming passes over entries and lines (``entries``, ``balances``),
so the rows are read once.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..models import EntryStatus, Side
from .report import LINE_ORPHAN, REVERSAL_MISMATCH, REVERSAL_TARGET, LedgerReport, where


def report_lines_without_entry(report: LedgerReport, accounts, funds, rows) -> None:
    """Lines whose entry id belongs to no entry."""
    for row in rows:
        report.add(
            LINE_ORPHAN,
            _("a line points to entry id %(id)s, which does not exist") % {"id": row[0]},
            **where(accounts, funds, row[1], row[2], row[5]),
        )


def check_line_names(
    report: LedgerReport, accounts, funds, seq_of, line_id, entry_id, account_id, fund_id, currency
) -> None:
    """The account and fund of a key's first line exist (a key whose account or fund is gone is
    reported once)."""
    for kind_name, known, ident in (
        (_("account"), accounts, account_id),
        (_("fund"), funds, fund_id),
    ):
        if ident not in known:
            report.add(
                LINE_ORPHAN,
                _("line %(line)s names %(what)s id %(id)s, which does not exist")
                % {"line": line_id, "what": kind_name, "id": ident},
                seq=seq_of(entry_id),
                line_id=line_id,
                **where(accounts, funds, account_id, fund_id, currency),
            )


def check_reversal_target(report: LedgerReport, seq, rev_seq, rev_status, rev_rev) -> None:
    """A posted reversal reverses a posted entry that is not itself a reversal."""
    if rev_seq is not None and rev_status != EntryStatus.POSTED:
        report.add(
            REVERSAL_TARGET,
            _("entry %(seq)s reverses entry %(rev)s, which is not posted")
            % {"seq": seq, "rev": rev_seq},
            seq=seq,
        )
    if rev_rev is not None:
        report.add(
            REVERSAL_TARGET,
            _("entry %(seq)s reverses entry %(rev)s, which is itself a reversal")
            % {"seq": seq, "rev": rev_seq},
            seq=seq,
        )


def check_mirror(report: LedgerReport, signatures, reversal_id, original_id) -> None:
    """A reversal's lines are its original's with the sides swapped."""
    if reversal_id not in signatures or original_id not in signatures:
        return  # a draft on either side, reported as such
    seq, reversal = signatures[reversal_id]
    orig_seq, original = signatures[original_id]
    flip = {Side.DEBIT: Side.CREDIT, Side.CREDIT: Side.DEBIT}
    mirrored = sorted((a, f, flip.get(s, s), amt, c) for a, f, s, amt, c in original)
    actual = sorted((a, f, s, amt, c) for a, f, s, amt, c in reversal)
    if mirrored != actual:
        report.add(
            REVERSAL_MISMATCH,
            _(
                "entry %(seq)s reverses entry %(orig)s but its lines are not the mirror image "
                "(same accounts, funds and amounts on the opposite sides)"
            )
            % {"seq": seq, "orig": orig_seq},
            seq=seq,
        )
