"""The ORM row writer: a batch's entries and lines as Django ``bulk_create`` INSERTs.

The writer for SQLite (and any engine without a fast path), and the reference for
``posting.pg``, which writes exactly these rows with COPY. Each chunk of ``CHUNK`` entries is
inserted as drafts (ids ascending in posting order), then its lines with their running
balances, then the chunk is flipped to posted in one UPDATE, which is when the database checks
that each entry balances (``ledger.dbguards``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from djmoney.money import Money

from .. import hashing
from ..chainkeys import ChainKey
from ..models import EntryStatus, JournalEntry, JournalLine, Period
from .batch import CHUNK, BalanceKey
from .prepare import DEBIT, PreparedEntry


def write_rows(
    to_post: list[PreparedEntry],
    periods: dict[date, Period],
    running: dict[BalanceKey, Decimal],
    seq: int,
    prev_hash: str,
    actor_id: int | None,
    now: datetime,
    created: dict[str, JournalEntry],
    key: ChainKey,
) -> tuple[int, str, dict[BalanceKey, JournalLine]]:
    """Insert drafts and lines with the ORM, CHUNK entries per statement, flipping each chunk."""
    last_line: dict[BalanceKey, JournalLine] = {}
    for start in range(0, len(to_post), CHUNK):
        chunk = to_post[start : start + CHUNK]
        entries = []
        for p in chunk:
            seq += 1
            digest = hashing.entry_hash(
                prev_hash=prev_hash,
                seq=seq,
                idempotency_key=p.key,
                content=p.content_hash,
                posted_by_id=actor_id,
                posted_at=now,
                key=key,
            )
            entries.append(
                JournalEntry(
                    seq=seq,
                    date=p.spec.date,
                    period=periods[p.spec.date],
                    memo=p.spec.memo,
                    source=p.spec.source,
                    status=EntryStatus.DRAFT,
                    idempotency_key=p.key,
                    content_hash=p.content_hash,
                    prev_hash=prev_hash,
                    hash=digest,
                    reverses=p.spec.reverses,
                    posted_by_id=actor_id,
                    posted_at=now,
                    made_by_id=p.spec.made_by_id,
                    approved_by_id=p.spec.approved_by_id,
                    reason=p.spec.reason,
                    income_receipt_id=p.spec.income_receipt_id,
                )
            )
            prev_hash = digest
        JournalEntry.objects.bulk_create(entries)
        lines = []
        for entry, p in zip(entries, chunk, strict=True):
            for line_no, (account, fund, side, value, currency, memo) in enumerate(
                p.lines, start=1
            ):
                k = (account.id, fund.id, currency)
                after = running.get(k, Decimal("0.00")) + (value if side == DEBIT else -value)
                running[k] = after
                line = JournalLine(
                    entry=entry,
                    line_no=line_no,
                    account=account,
                    fund=fund,
                    side=side,
                    amount=Money(value, currency),
                    balance_after=after,
                    memo=memo,
                )
                lines.append(line)
                last_line[k] = line
        JournalLine.objects.bulk_create(lines)
        JournalEntry.objects.filter(seq__gte=entries[0].seq, seq__lte=entries[-1].seq).update(
            status=EntryStatus.POSTED
        )
        for entry in entries:
            entry.status = EntryStatus.POSTED
            created[entry.idempotency_key] = entry
    return seq, prev_hash, last_line


__all__ = ["write_rows"]
