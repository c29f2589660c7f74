"""The entries check of ``verify_ledger``: each posted entry against its own lines.

Every posted entry has two or more lines and balances for each fund and currency (debits minus
credits is zero), and its ``content_hash`` is recomputed from its date, memo, source and lines
with ``ledger.hashing`` exactly as ``ledger.posting`` computes it. Entries and lines are read
together in entry order with server-side cursors; only the entries that are reversed, and their
reversals, keep a copy of their lines (for the mirror check in ``references``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from .. import hashing
from ..models import EntryStatus, JournalEntry, JournalLine
from .balances import signed
from .references import check_mirror, check_reversal_target, report_lines_without_entry
from .report import ENTRY_CONTENT_HASH, ENTRY_TOO_FEW_LINES, ENTRY_UNBALANCED, LedgerReport


def check_entries(
    report: LedgerReport, accounts, funds, chunk_size, progress, progress_every
) -> None:
    # Only the entries that are reversed, and their reversals, keep a copy of their lines.
    pairs = dict(
        JournalEntry.objects.filter(reverses__isnull=False).values_list("id", "reverses_id")
    )
    report.reversals = len(pairs)
    wanted = set(pairs) | set(pairs.values())
    signatures: dict[int, tuple[int, list[tuple]]] = {}

    entries = (
        JournalEntry.objects.order_by("id")
        .values_list(
            "id",
            "seq",
            "status",
            "date",
            "memo",
            "source",
            "reverses__seq",
            "reverses__status",
            "reverses__reverses_id",
            "content_hash",
        )
        .iterator(chunk_size=chunk_size)
    )
    lines = (
        JournalLine.objects.order_by("entry_id", "line_no")
        .values_list(
            "entry_id", "account_id", "fund_id", "side", "amount", "amount_currency", "memo"
        )
        .iterator(chunk_size=chunk_size)
    )
    grouped: Iterator = itertools.groupby(lines, key=lambda row: row[0])
    pending = next(grouped, None)
    done = 0
    for (
        entry_id,
        seq,
        status,
        day,
        memo,
        source,
        rev_seq,
        rev_status,
        rev_rev,
        content,
    ) in entries:
        # Lines whose entry id sorts before this entry belong to no entry.
        while pending is not None and pending[0] < entry_id:
            report_lines_without_entry(report, accounts, funds, pending[1])
            pending = next(grouped, None)
        own: list[tuple] = []
        if pending is not None and pending[0] == entry_id:
            own = list(pending[1])
            pending = next(grouped, None)
        done += len(own)
        if progress and done // progress_every != (done - len(own)) // progress_every:
            progress(_("entries: %(n)s lines checked") % {"n": f"{done:,}"})
        if status != EntryStatus.POSTED:
            continue
        check_one_entry(report, accounts, funds, seq, day, memo, source, rev_seq, content, own)
        check_reversal_target(report, seq, rev_seq, rev_status, rev_rev)
        if entry_id in wanted:
            signatures[entry_id] = (seq, [row[1:6] for row in own])
    while pending is not None:
        report_lines_without_entry(report, accounts, funds, pending[1])
        pending = next(grouped, None)

    for reversal_id, original_id in pairs.items():
        check_mirror(report, signatures, reversal_id, original_id)


def check_one_entry(report, accounts, funds, seq, day, memo, source, rev_seq, content, own):
    if len(own) < 2:
        report.add(
            ENTRY_TOO_FEW_LINES,
            _("entry %(seq)s has %(n)s line(s); a posted entry needs at least two")
            % {"seq": seq, "n": len(own)},
            seq=seq,
        )
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for _entry, _account, fund_id, side, amount, currency, _memo in own:
        sums[(fund_id, currency)] += signed(side, amount)
    for (fund_id, currency), diff in sorted(sums.items()):
        if diff != 0:
            report.add(
                ENTRY_UNBALANCED,
                _(
                    "entry %(seq)s does not balance for fund %(fund)s in %(cur)s: debits minus "
                    "credits = %(diff)s"
                )
                % {"seq": seq, "fund": funds.get(fund_id), "cur": currency, "diff": diff},
                seq=seq,
                fund=funds.get(fund_id),
                currency=currency,
            )
    # Recomputed exactly as ledger.posting.prepare does, from what is stored now.
    recomputed = hashing.content_hash(
        entry_date=day,
        memo=memo,
        source=source,
        reverses_seq=rev_seq,
        line_tokens=[
            hashing.line_token(
                accounts.get(account_id, ""), funds.get(fund_id, ""), side, amount, currency, lmemo
            )
            for _e, account_id, fund_id, side, amount, currency, lmemo in own
        ],
    )
    if recomputed != content:
        report.add(
            ENTRY_CONTENT_HASH,
            _(
                "entry %(seq)s: its date, memo, source or lines no longer match its content hash "
                "(stored %(stored)s..., recomputed %(recomputed)s...): altered after posting"
            )
            % {"seq": seq, "stored": content[:12], "recomputed": recomputed[:12]},
            seq=seq,
        )
