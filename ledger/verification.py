"""Proof that the books are what their lines say: ``verify_ledger`` recomputes everything from the
stored rows alone and reports every difference.

It checks, independently of the database guards (and it checks that every guard set that any
app registered in ``common.dbguards`` is installed, the posting function included):

* every posted entry has two or more lines and balances for each fund and currency, and no draft
  entry is left behind;
* each line's ``balance_after`` follows from the line before it of the same account, fund and
  currency (in id order), and equals the running sum of those lines;
* each stored ``Balance`` equals the recomputed total, points to its key's latest line and counts
  its key's lines; every key with lines has a balance row, and no balance row lacks lines;
* the hash chain: posted entries numbered 1, 2, 3... without gaps, each ``prev_hash`` equal to
  the previous entry's ``hash``, each ``content_hash`` and ``hash`` recomputed from the stored data
  with ``ledger.hashing`` exactly as ``ledger.services`` computes them, and the ``ChainHead`` at
  the last entry;
* a reversal mirrors its original (same accounts, funds, currencies and amounts, opposite sides).

It streams: entries and lines are read in index order with server-side cursors (``iterator``), and
what it keeps in memory grows with the number of account x fund x currency keys and reversals,
not with the number of lines, so it runs over millions of lines. The report keeps the first
``max_problems`` problems and counts the rest.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from common.dbguards import all_guard_sets

from . import hashing
from .models import (
    GENESIS_HASH,
    Account,
    Balance,
    ChainHead,
    EntryStatus,
    Fund,
    JournalEntry,
    JournalLine,
    Side,
)

ZERO = Decimal("0.00")
CHUNK_SIZE = 5000
PROGRESS_EVERY = 10_000
MAX_PROBLEMS = 1000

# Stable codes of each kind of drift (used by tests, the JSON output and screens).
GUARD_MISSING = "guard_missing"
ENTRY_DRAFT = "entry_draft"
ENTRY_TOO_FEW_LINES = "entry_too_few_lines"
ENTRY_UNBALANCED = "entry_unbalanced"
ENTRY_CONTENT_HASH = "entry_content_hash"
ENTRY_HASH = "entry_hash"
CHAIN_SEQ = "chain_seq"
CHAIN_LINK = "chain_link"
CHAIN_HEAD = "chain_head"
LINE_ORPHAN = "line_orphan"
LINE_BALANCE_AFTER = "line_balance_after"
KEY_RUNNING_SUM = "key_running_sum"
BALANCE_DRIFT = "balance_drift"
BALANCE_LAST_LINE = "balance_last_line"
BALANCE_LINE_COUNT = "balance_line_count"
BALANCE_MISSING = "balance_missing"
BALANCE_ORPHAN = "balance_orphan"
REVERSAL_MISMATCH = "reversal_mismatch"
REVERSAL_TARGET = "reversal_target"


@dataclass
class Problem:
    kind: str
    message: str
    seq: int | None = None
    line_id: int | None = None
    account: str | None = None
    fund: str | None = None
    currency: str | None = None


@dataclass
class LedgerReport:
    entries: int = 0
    drafts: int = 0
    lines: int = 0
    keys: int = 0
    balances: int = 0
    reversals: int = 0
    guards_expected: int = 0
    guards_installed: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0  # all problems found, including those past ``max_problems``
    max_problems: int = MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def add(self, kind: str, message: str, **where) -> None:
        self.problem_count += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(kind=kind, message=message, **where))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data.pop("max_problems")
        return data


class _Key:
    """What is remembered per account x fund x currency while the lines stream past."""

    __slots__ = ("first_off", "last_after", "last_line", "lines", "off", "total")

    def __init__(self) -> None:
        self.total = ZERO  # recomputed from the amounts alone
        self.last_after = ZERO  # the stored balance_after of the latest line
        self.last_line = 0
        self.lines = 0
        self.off = 0  # lines whose balance_after differs from the running sum
        self.first_off: tuple[int, int | None, Decimal, Decimal] | None = None


def _signed(side: str, amount: Decimal) -> Decimal:
    return amount if side == Side.DEBIT else -amount


def verify_ledger(
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    max_problems: int = MAX_PROBLEMS,
) -> LedgerReport:
    """Recompute the books from their lines and report every drift (see the module docstring)."""
    report = LedgerReport(max_problems=max_problems)
    if connection.in_atomic_block:
        _verify(report, chunk_size, progress, progress_every)
        return report
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One snapshot for every pass, so postings committed meanwhile cannot look like drift.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _verify(report, chunk_size, progress, progress_every)
    return report


def _verify(report: LedgerReport, chunk_size: int, progress, progress_every: int) -> None:
    accounts = dict(Account.objects.values_list("id", "code"))
    funds = dict(Fund.objects.values_list("id", "code"))
    _check_guards(report)
    seq_of = _check_chain(report, chunk_size, progress, progress_every)
    _check_entries(report, accounts, funds, chunk_size, progress, progress_every)
    keys = _check_running_balances(
        report, accounts, funds, seq_of, chunk_size, progress, progress_every
    )
    _check_balances(report, keys, accounts, funds)


def _where(accounts, funds, account_id, fund_id, currency) -> dict:
    return {
        "account": accounts.get(account_id, f"#{account_id}"),
        "fund": funds.get(fund_id, f"#{fund_id}"),
        "currency": currency,
    }


# --------------------------------------------------------------------------------------------
# guards
# --------------------------------------------------------------------------------------------
def _check_guards(report: LedgerReport) -> None:
    # Every app's sets, not only the ledger's: a payout or case trigger dropped underneath is as
    # silent as a ledger one. Names are unique across sets (each app prefixes its own).
    expected: set[str] = set()
    installed: set[str] = set()
    for guard_set in all_guard_sets():
        expected |= guard_set.expected(connection)
        installed |= guard_set.installed(connection)
    report.guards_expected = len(expected)
    report.guards_installed = len(expected & installed)
    for name in sorted(expected - installed):
        report.add(
            GUARD_MISSING,
            _(
                "database guard %(name)s is not installed: the database no longer refuses what "
                "it guards against; reinstall it with ledger.dbguards.install"
            )
            % {"name": name},
        )


# --------------------------------------------------------------------------------------------
# the hash chain, in seq order
# --------------------------------------------------------------------------------------------
class _SeqIndex:
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


def _check_chain(report: LedgerReport, chunk_size: int, progress, progress_every) -> _SeqIndex:
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
    return _SeqIndex()


# --------------------------------------------------------------------------------------------
# entries and their lines: zero-sum, content hash, reversals
# --------------------------------------------------------------------------------------------
def _check_entries(report, accounts, funds, chunk_size, progress, progress_every) -> None:
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
            for row in pending[1]:
                report.add(
                    LINE_ORPHAN,
                    _("a line points to entry id %(id)s, which does not exist") % {"id": row[0]},
                    **_where(accounts, funds, row[1], row[2], row[5]),
                )
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
        _check_one_entry(report, accounts, funds, seq, day, memo, source, rev_seq, content, own)
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
        if entry_id in wanted:
            signatures[entry_id] = (seq, [row[1:6] for row in own])
    while pending is not None:
        for row in pending[1]:
            report.add(
                LINE_ORPHAN,
                _("a line points to entry id %(id)s, which does not exist") % {"id": row[0]},
                **_where(accounts, funds, row[1], row[2], row[5]),
            )
        pending = next(grouped, None)

    for reversal_id, original_id in pairs.items():
        _check_mirror(report, accounts, funds, signatures, reversal_id, original_id)


def _check_one_entry(report, accounts, funds, seq, day, memo, source, rev_seq, content, own):
    if len(own) < 2:
        report.add(
            ENTRY_TOO_FEW_LINES,
            _("entry %(seq)s has %(n)s line(s); a posted entry needs at least two")
            % {"seq": seq, "n": len(own)},
            seq=seq,
        )
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for _entry, _account, fund_id, side, amount, currency, _memo in own:
        sums[(fund_id, currency)] += _signed(side, amount)
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
    # Recomputed exactly as services._prepare does, from what is stored now.
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


def _check_mirror(report, accounts, funds, signatures, reversal_id, original_id) -> None:
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


# --------------------------------------------------------------------------------------------
# running balances, in line id order
# --------------------------------------------------------------------------------------------
def _check_running_balances(
    report, accounts, funds, seq_of, chunk_size, progress, progress_every
) -> dict[tuple[int, int, str], _Key]:
    keys: dict[tuple[int, int, str], _Key] = {}
    rows = (
        JournalLine.objects.order_by("id")
        .values_list(
            "id",
            "entry_id",
            "account_id",
            "fund_id",
            "amount_currency",
            "side",
            "amount",
            "balance_after",
        )
        .iterator(chunk_size=chunk_size)
    )
    for line_id, entry_id, account_id, fund_id, currency, side, amount, after in rows:
        report.lines += 1
        if progress and report.lines % progress_every == 0:
            progress(_("balances: %(n)s lines checked") % {"n": f"{report.lines:,}"})
        k = (account_id, fund_id, currency)
        state = keys.get(k)
        if state is None:
            state = keys[k] = _Key()
            # Lines name accounts and funds without foreign keys (the guards hold it): a key
            # whose account or fund is gone is reported once.
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
                        **_where(accounts, funds, account_id, fund_id, currency),
                    )
        signed = _signed(side, amount)
        if after != state.last_after + signed:
            report.add(
                LINE_BALANCE_AFTER,
                _(
                    "line %(line)s of entry %(seq)s: balance after is %(after)s, but the line "
                    "before it (%(before)s) and this line (%(signed)s) give %(expected)s"
                )
                % {
                    "line": line_id,
                    "seq": seq_of(entry_id),
                    "after": after,
                    "before": state.last_after,
                    "signed": f"{signed:+}",
                    "expected": state.last_after + signed,
                },
                seq=seq_of(entry_id),
                line_id=line_id,
                **_where(accounts, funds, account_id, fund_id, currency),
            )
        state.total += signed
        if after != state.total:
            state.off += 1
            if state.first_off is None:
                state.first_off = (line_id, entry_id, after, state.total)
        state.last_after = after
        state.last_line = line_id
        state.lines += 1
    report.keys = len(keys)
    for k, state in keys.items():
        if state.first_off is not None:
            line_id, entry_id, after, total = state.first_off
            report.add(
                KEY_RUNNING_SUM,
                _(
                    "%(off)s of %(n)s lines disagree with the running sum of the lines; first "
                    "line %(line)s (entry %(seq)s): balance after %(after)s, lines give %(total)s"
                )
                % {
                    "off": state.off,
                    "n": state.lines,
                    "line": line_id,
                    "seq": seq_of(entry_id),
                    "after": after,
                    "total": total,
                },
                seq=seq_of(entry_id),
                line_id=line_id,
                **_where(accounts, funds, *k),
            )
    return keys


def _check_balances(report, keys, accounts, funds) -> None:
    seen = set()
    rows = (
        Balance.objects.order_by("id")
        .values_list(
            "id", "account_id", "fund_id", "currency", "balance", "last_line_id", "line_count"
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for bal_id, account_id, fund_id, currency, balance, last_line, line_count in rows:
        report.balances += 1
        k = (account_id, fund_id, currency)
        where = _where(accounts, funds, *k)
        state = keys.get(k)
        if state is None:
            report.add(
                BALANCE_ORPHAN,
                _("stored balance %(id)s (%(balance)s %(cur)s) has no lines behind it")
                % {"id": bal_id, "balance": balance, "cur": currency},
                **where,
            )
            continue
        seen.add(k)
        if balance != state.total:
            report.add(
                BALANCE_DRIFT,
                _("stored balance is %(balance)s %(cur)s but the lines add up to %(total)s")
                % {"balance": balance, "cur": currency, "total": state.total},
                **where,
            )
        if line_count != state.lines:
            report.add(
                BALANCE_LINE_COUNT,
                _("stored balance counts %(stored)s line(s), but its key has %(lines)s")
                % {"stored": line_count, "lines": state.lines},
                **where,
            )
        if last_line != state.last_line:
            report.add(
                BALANCE_LAST_LINE,
                _("stored balance points to line %(stored)s, but the latest line is %(latest)s")
                % {"stored": last_line, "latest": state.last_line},
                line_id=state.last_line,
                **where,
            )
        elif balance != state.last_after:
            report.add(
                BALANCE_DRIFT,
                _("stored balance is %(balance)s %(cur)s but its latest line says %(after)s")
                % {"balance": balance, "cur": currency, "after": state.last_after},
                line_id=last_line,
                **where,
            )
    for k in sorted(set(keys) - seen):
        report.add(
            BALANCE_MISSING,
            _("%(n)s line(s) but no stored balance (the lines add up to %(total)s)")
            % {"n": keys[k].lines, "total": keys[k].total},
            **_where(accounts, funds, *k),
        )
