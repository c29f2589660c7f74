"""Every rule of the line check and of the flip check holds in a small statement and in a large one.

On PostgreSQL both checks run once per statement in two forms: a statement of fewer than
``SMALL`` rows (a single posting, a short import) is checked row by row in one query with a small
plan, a larger one set-based, planned for its size (``ledger.dbguards.journalline`` and
``journalentry``, migration 0016). Each test here breaks one rule in a statement of each size,
the broken row among valid ones, and expects the same rule's refusal and nothing changed; and
the same statements unbroken are accepted, so each refusal is caused by the one rule broken.
SQLite checks row by row in either case; the tests hold there too.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from djmoney.money import Money

from ledger import dbguards
from ledger.models import Account, ChainHead, EntryStatus, Fund, JournalEntry, JournalLine, Period

from .test_guards import DAY, draft_entry, opening, refused, state
from .test_guards import books as books  # noqa: F401 - the fixture: RELIEF 40.00 bank, 60.00 cash

SIZES = {"small": 1, "large": dbguards.SMALL}
VALID_PAIR = [("1002", "RELIEF", "D", "1.00", "CNY"), ("3101", "RELIEF", "C", "1.00", "CNY")]


def lines_for(pairs: list[tuple[JournalEntry, list[tuple]]]) -> list[JournalLine]:
    """Unsaved lines for [(entry, specs)], each balance after following from the line before it
    of its key, across the entries (one statement inserts them all)."""
    running: dict[tuple, Decimal] = {}
    accounts = {a.code: a for a in Account.objects.all()}
    funds = {f.code: f for f in Fund.objects.all()}
    lines = []
    for entry, specs in pairs:
        for no, (account_code, fund_code, side, amount, currency) in enumerate(specs, start=1):
            account, fund = accounts[account_code], funds[fund_code]
            key = (account.pk, fund.pk, currency)
            before = running.get(key, opening(account, fund, currency))
            value = Decimal(amount)
            running[key] = before + (value if side == "D" else -value)
            lines.append(
                JournalLine(
                    entry=entry,
                    line_no=no,
                    account=account,
                    fund=fund,
                    side=side,
                    amount=Money(value, currency),
                    balance_after=running[key],
                )
            )
    return lines


# --------------------------------------------------------------------------------------------
# the line check: one statement of lines, the broken pair among valid pairs
# --------------------------------------------------------------------------------------------
LINE_RULES = {
    # rule: (token, the broken pair, where it goes among the valid pairs)
    "none": (None, VALID_PAIR, "middle"),
    "line_refs": ("line_refs", "missing fund", "middle"),
    "line_appended": ("line_appended", VALID_PAIR, "middle"),
    "line_running": ("line_running", "balance after", "middle"),
    "amount_bounds": (
        "amount_bounds",
        [
            ("1002", "RELIEF", "D", "1000000000000.00", "CNY"),
            ("3101", "RELIEF", "C", "1000000000000.00", "CNY"),
        ],
        "middle",
    ),
    "purpose": (
        "purpose",
        [("5102", "RELIEF", "D", "1.00", "CNY"), ("1002", "RELIEF", "C", "1.00", "CNY")],
        "middle",
    ),
    # first, before the valid pairs add to the bank: RELIEF holds 40.00 there
    "below_zero": (
        "below_zero",
        [("5201", "RELIEF", "D", "40.01", "CNY"), ("1002", "RELIEF", "C", "40.01", "CNY")],
        "first",
    ),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("rule", LINE_RULES)
def test_each_line_rule_holds_in_a_small_and_a_large_statement(books, rule, size):
    token, broken, where = LINE_RULES[rule]
    pairs = SIZES[size]
    entry = draft_entry()
    specs = [spec for _ in range(pairs - 1) for spec in VALID_PAIR]
    middle = len(specs) // 2 if where == "middle" else 0
    specs[middle:middle] = VALID_PAIR if isinstance(broken, str) else broken
    lines = lines_for([(entry, specs)])
    if broken == "missing fund":
        lines[middle].fund_id = 999_999
    elif broken == "balance after":
        lines[middle].balance_after += Decimal("0.01")
    if rule == "line_appended":
        # a line of the bank's key already stands after every id this statement will take
        later = draft_entry(seq=entry.seq + 1, prev_hash=entry.hash)
        bank_line = lines_for([(later, [VALID_PAIR[0]])])[0]
        bank_line.line_no = 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_journalline")
            free = cursor.fetchone()[0] + 1
        bank_line.id = free + 100_000
        JournalLine.objects.bulk_create([bank_line])
        # the statement's lines take ids below it (explicitly: SQLite would number them after)
        lines = lines_for([(entry, specs)])  # their balances follow the line standing after
        for offset, line in enumerate(lines):
            line.id = free + offset
    assert len(lines) >= (dbguards.SMALL if size == "large" else 2)
    before = state()
    if token is None:
        JournalLine.objects.bulk_create(lines)
        assert JournalLine.objects.filter(entry=entry).count() == len(lines)
        return
    with refused(rf"ledger\[{token}\]"):
        JournalLine.objects.bulk_create(lines)
    assert state() == before


def test_lines_into_a_posted_entry_are_refused_in_a_small_and_a_large_statement(books):
    posted = books["deposit"]
    for pairs in SIZES.values():
        lines = lines_for([(posted, [s for _ in range(pairs) for s in VALID_PAIR])])
        for no, line in enumerate(lines, start=3):
            line.line_no = no
        before = state()
        with refused(r"ledger\[line_draft\]"):
            JournalLine.objects.bulk_create(lines)
        assert state() == before


# --------------------------------------------------------------------------------------------
# the flip check: entries flipped to posted in one statement, the broken one among valid ones
# --------------------------------------------------------------------------------------------
def other_period() -> Period:
    """A period that does not hold DAY (the broken entry names it)."""
    start = date(DAY.year, DAY.month % 12 + 1, 1)
    found = Period.objects.filter(start=start).first()
    if found:
        return found
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1).toordinal() - 1
    return Period.objects.create(
        code=start.strftime("%Y-%m"), start=start, end=date.fromordinal(end)
    )


FLIP_RULES = {
    # rule: (token, what the broken entry is given: entry fields, its lines)
    "none": (None, {}, VALID_PAIR),
    "two_lines": ("two_lines", {}, [VALID_PAIR[0]]),
    "balanced": (
        "balanced",
        {},
        [("1002", "RELIEF", "D", "1.00", "CNY"), ("3101", "RELIEF", "C", "0.99", "CNY")],
    ),
    "open_period": ("open_period", {"period": "other"}, VALID_PAIR),
    "chain": ("chain", {"prev_hash": "f" * 64}, VALID_PAIR),
    "four_eyes": ("four_eyes", {"source": "manual"}, VALID_PAIR),
    "income_receipt": (
        "income_receipt",
        {"source": "donation"},
        [("1002", "RELIEF", "D", "1.00", "CNY"), ("4101", "RELIEF", "C", "1.00", "CNY")],
    ),
    "income_debit": (
        "income_debit",
        {},
        [("4101", "RELIEF", "D", "1.00", "CNY"), ("1002", "RELIEF", "C", "1.00", "CNY")],
    ),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("rule", FLIP_RULES)
def test_each_flip_rule_holds_in_a_small_and_a_large_statement(books, rule, size):
    token, fields, broken_lines = FLIP_RULES[rule]
    count = SIZES[size]
    broken_at = count // 2
    head = ChainHead.objects.get(pk=1)
    seq, prev = head.last_seq, head.last_hash
    entries, pairs = [], []
    for i in range(count):
        extra = dict(fields) if i == broken_at else {}
        period = extra.pop("period", None)
        link = extra.pop("prev_hash", prev)
        seq += 1
        entry = draft_entry(seq=seq, prev_hash=link, **extra)
        if period:
            JournalEntry.objects.filter(pk=entry.pk).update(period=other_period())
        entries.append(entry)
        pairs.append((entry, broken_lines if i == broken_at else VALID_PAIR))
        prev = entry.hash
    JournalLine.objects.bulk_create(lines_for(pairs))
    ids = [e.pk for e in entries]
    before = state()
    if token is None:
        assert JournalEntry.objects.filter(pk__in=ids).update(status=EntryStatus.POSTED) == count
        return
    with refused(rf"ledger\[{token}\]"):
        JournalEntry.objects.filter(pk__in=ids).update(status=EntryStatus.POSTED)
    assert state() == before
