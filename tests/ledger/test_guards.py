"""The database itself refuses what would break the books, on SQLite and PostgreSQL.

Every test here goes around the services (``QuerySet.update()``, ``bulk_create``, raw SQL through
``connection.cursor()``), inside ``transaction.atomic()`` so the refusal rolls back only that
statement, and then checks that nothing changed. ``test_a_well_formed_entry_built_underneath_is
_accepted`` proves the helpers build rows the guards accept, so each refusal is caused by the one
rule the test breaks.
"""

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from djmoney.money import Money

from ledger import hashing, segments, services
from ledger.audit import AuditAction, audit
from ledger.models import (
    Account,
    AuditEvent,
    Balance,
    ChainHead,
    EntryStatus,
    Fund,
    JournalEntry,
    JournalLine,
    Period,
)

from .factories import transfer

DAY = date(2025, 3, 10)


# --------------------------------------------------------------------------------------------
# helpers shared with test_verify.py: rows written underneath the services
# --------------------------------------------------------------------------------------------
@contextmanager
def refused(match: str):
    """The statement(s) inside must be refused by the database, with a message matching."""
    with pytest.raises((IntegrityError, DatabaseError), match=match), transaction.atomic():
        yield


def state() -> dict:
    """Everything a refused statement must leave as it was."""
    return {
        "entries": list(JournalEntry.objects.order_by("id").values_list("id", "status", "memo")),
        "lines": list(
            JournalLine.objects.order_by("id").values_list("id", "amount", "balance_after")
        ),
        "balances": list(
            Balance.objects.order_by("id").values_list("id", "balance", "last_line_id")
        ),
        "head": list(ChainHead.objects.values_list("last_seq", "last_hash")),
        "periods": list(Period.objects.order_by("id").values_list("id", "status")),
        "audit": list(AuditEvent.objects.order_by("id").values_list("id", "action")),
    }


def opening(account: Account, fund: Fund, currency: str) -> Decimal:
    """The balance after the latest line of a key (what the next line must start from)."""
    last = (
        JournalLine.objects.filter(account=account, fund=fund, amount_currency=currency)
        .order_by("-id")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last if last is not None else Decimal("0.00")


def draft_entry(*, day: date = DAY, seq=None, prev_hash=None, status=EntryStatus.DRAFT, **extra):
    """An entry row inserted directly, linked to the chain head (unless told otherwise)."""
    head = ChainHead.objects.get(pk=1)
    seq = head.last_seq + 1 if seq is None else seq
    prev_hash = head.last_hash if prev_hash is None else prev_hash
    period = Period.objects.get(start__lte=day, end__gte=day)
    now = timezone.now()
    key = f"underneath:{seq}:{now.isoformat()}"
    content = hashing.content_hash(
        entry_date=day, memo="", source="manual", reverses_seq=None, line_tokens=[]
    )
    extra.setdefault("source", "underneath")  # not manual: no maker and approver needed here
    return JournalEntry.objects.create(
        seq=seq,
        date=day,
        period=period,
        status=status,
        idempotency_key=key,
        content_hash=content,
        prev_hash=prev_hash,
        hash=hashing.entry_hash(
            prev_hash=prev_hash,
            seq=seq,
            idempotency_key=key,
            content=content,
            posted_by_id=None,
            posted_at=now,
            key=segments.key_for(seq),
        ),
        posted_at=now,
        **extra,
    )


def build_lines(entry: JournalEntry, specs, *, start_no: int = 1) -> list[JournalLine]:
    """Unsaved lines for ``specs`` = [(account code, fund code, side, amount, currency)], each with
    the balance after that follows from the lines before it."""
    running: dict[tuple, Decimal] = {}
    lines = []
    for no, (account_code, fund_code, side, amount, currency) in enumerate(specs, start=start_no):
        account = Account.objects.get(code=account_code)
        fund = Fund.objects.get(code=fund_code)
        k = (account.pk, fund.pk, currency)
        before = running.get(k, opening(account, fund, currency))
        value = Decimal(str(amount))
        after = before + (value if side == "D" else -value)
        running[k] = after
        lines.append(
            JournalLine(
                entry=entry,
                line_no=no,
                account=account,
                fund=fund,
                side=side,
                amount=Money(value, currency),
                balance_after=after,
            )
        )
    return lines


def post_underneath(entry: JournalEntry) -> int:
    """Flip a draft to posted with ``QuerySet.update()``, as the service does."""
    return JournalEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.POSTED)


def post_raw(entry: JournalEntry) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_journalentry SET status = 'posted' WHERE id = %s", [entry.pk])


def insert_line_raw(entry_id, line_no, account_id, fund_id, side, amount, currency, after):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalline (entry_id, line_no, account_id, fund_id, side, amount,"
            " amount_currency, balance_after, memo) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '')",
            [entry_id, line_no, account_id, fund_id, side, amount, currency, after],
        )


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------
@pytest.fixture
def books(db):
    """Given a donation of 100.00 in cash to RELIEF, 40.00 of it deposited at the bank."""
    Fund.objects.filter(code="RELIEF").update(currencies=["CNY", "USD"])
    donation = transfer("1001", "3101", "100.00", day=DAY, key="donation")
    deposit = transfer("1002", "1001", "40.00", day=DAY, key="deposit")
    return {"donation": donation, "deposit": deposit}


PATHS = ["update", "raw"]


# --------------------------------------------------------------------------------------------
# the helpers build what the guards accept
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PATHS)
def test_a_well_formed_entry_built_underneath_is_accepted(books, path):
    # given a draft with balanced lines, linked to the chain head
    entry = draft_entry()
    JournalLine.objects.bulk_create(
        build_lines(
            entry, [("1002", "RELIEF", "D", "5.00", "CNY"), ("1001", "RELIEF", "C", "5.00", "CNY")]
        )
    )
    # when it is flipped to posted underneath
    with transaction.atomic():
        if path == "update":
            post_underneath(entry)
        else:
            post_raw(entry)
    # then the database accepts it
    entry.refresh_from_db()
    assert entry.status == EntryStatus.POSTED


# --------------------------------------------------------------------------------------------
# 1. zero-sum per fund and currency, over two or more lines
# --------------------------------------------------------------------------------------------
UNBALANCED = {
    "debits exceed credits": [
        ("1002", "RELIEF", "D", "100.00", "CNY"),
        ("3101", "RELIEF", "C", "90.00", "CNY"),
    ],
    "balanced in total but not per fund": [
        ("1002", "RELIEF", "D", "100.00", "CNY"),
        ("3101", "GENERAL", "C", "100.00", "CNY"),
    ],
    "balanced in total but not per currency": [
        ("1002", "RELIEF", "D", "100.00", "CNY"),
        ("3101", "RELIEF", "C", "100.00", "USD"),
    ],
    "one fund balances, the other is a cent off": [
        ("1002", "RELIEF", "D", "100.00", "CNY"),
        ("3101", "RELIEF", "C", "100.00", "CNY"),
        ("1002", "GENERAL", "D", "5.00", "CNY"),
        ("3101", "GENERAL", "C", "4.99", "CNY"),
    ],
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", list(UNBALANCED))
def test_an_unbalanced_entry_is_refused(books, case, path):
    # given a draft whose lines do not balance for some fund or currency
    entry = draft_entry()
    JournalLine.objects.bulk_create(build_lines(entry, UNBALANCED[case]))
    before = state()
    # when it is flipped to posted, then the database refuses
    with refused("does not balance"):
        post_underneath(entry) if path == "update" else post_raw(entry)
    assert state() == before


def test_an_entry_with_one_line_is_refused(books):
    # given a draft with a single line
    entry = draft_entry()
    JournalLine.objects.bulk_create(build_lines(entry, [("1002", "RELIEF", "D", "1.00", "CNY")]))
    # when posted, then refused
    with refused("at least two lines"):
        post_underneath(entry)


def test_an_entry_with_no_lines_is_refused(books):
    entry = draft_entry()
    with refused("at least two lines"):
        post_raw(entry)


def test_one_bad_entry_in_a_batch_flip_refuses_the_whole_statement(books):
    # given two drafts, the first balanced and the second not
    good = draft_entry()
    JournalLine.objects.bulk_create(
        build_lines(
            good, [("1002", "RELIEF", "D", "1.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    bad = draft_entry(seq=good.seq + 1, prev_hash=good.hash)
    JournalLine.objects.bulk_create(
        build_lines(
            bad, [("1002", "RELIEF", "D", "2.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    # when both are flipped in one UPDATE (the batch path), then neither is posted
    with refused("does not balance"):
        JournalEntry.objects.filter(pk__in=[good.pk, bad.pk]).update(status=EntryStatus.POSTED)
    assert set(
        JournalEntry.objects.filter(pk__in=[good.pk, bad.pk]).values_list("status", flat=True)
    ) == {EntryStatus.DRAFT}


# --------------------------------------------------------------------------------------------
# 2. a side and a positive amount
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_a_zero_or_negative_amount_is_refused_by_bulk_create(books, amount):
    entry = draft_entry()
    lines = build_lines(entry, [("1002", "RELIEF", "D", amount, "CNY")])
    with refused("line_amount_positive"):
        JournalLine.objects.bulk_create(lines)


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_a_zero_or_negative_amount_is_refused_by_raw_sql(books, amount):
    entry = draft_entry()
    account, fund = Account.objects.get(code="1002"), Fund.objects.get(code="RELIEF")
    after = opening(account, fund, "CNY") + Decimal(amount)
    with refused("line_amount_positive"):
        insert_line_raw(entry.pk, 1, account.pk, fund.pk, "D", amount, "CNY", after)
    assert not JournalLine.objects.filter(entry=entry).exists()


@pytest.mark.parametrize("path", ["bulk_create", "raw"])
def test_a_side_other_than_debit_or_credit_is_refused(books, path):
    entry = draft_entry()
    (line,) = build_lines(entry, [("1002", "RELIEF", "D", "1.00", "CNY")])
    with refused("line_side_valid"):
        if path == "bulk_create":
            line.side = "X"
            JournalLine.objects.bulk_create([line])
        else:
            insert_line_raw(
                entry.pk, 1, line.account_id, line.fund_id, "X", "1.00", "CNY", line.balance_after
            )


def test_a_posted_line_cannot_be_turned_to_zero(books):
    line = books["donation"].lines.get(line_no=1)
    with refused("line_amount_positive|never updated"):
        JournalLine.objects.filter(pk=line.pk).update(amount=Decimal("0"))


# --------------------------------------------------------------------------------------------
# 3. posted entries and lines are frozen
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        {"memo": "edited"},
        {"date": date(2025, 3, 11)},
        {"status": EntryStatus.DRAFT},
        {"hash": "f" * 64},
        {"idempotency_key": "another"},
    ],
    ids=lambda c: next(iter(c)),
)
def test_a_posted_entry_is_never_updated(books, change):
    before = state()
    with refused("posted entry"):
        JournalEntry.objects.filter(pk=books["donation"].pk).update(**change)
    assert state() == before


def test_a_posted_entry_is_never_updated_by_raw_sql(books):
    before = state()
    with refused("posted entry"):
        raw("UPDATE ledger_journalentry SET memo = 'edited'")
    assert state() == before


def test_a_posted_entry_is_never_deleted(books):
    before = state()
    with refused("posted entry|never deleted"):
        raw("DELETE FROM ledger_journalentry WHERE id = %s", [books["deposit"].pk])
    assert state() == before


@pytest.mark.parametrize(
    "column, value",
    [("amount", "99.00"), ("balance_after", "1.00"), ("side", "C"), ("memo", "edited")],
)
def test_a_posted_line_is_never_updated(books, column, value):
    line = books["donation"].lines.get(line_no=1)
    before = state()
    with refused("never updated"):
        JournalLine.objects.filter(pk=line.pk).update(**{column: value})
    with refused("never updated"):
        raw(f"UPDATE ledger_journalline SET {column} = %s WHERE id = %s", [value, line.pk])
    assert state() == before


def test_a_posted_line_is_never_deleted(books):
    # the donation's cash line is not the latest line of its key (the deposit credits cash later)
    line = books["donation"].lines.get(account__code="1001")
    before = state()
    with refused("never deleted"):
        JournalLine.objects.filter(pk=line.pk).delete()
    with refused("never deleted"):
        raw("DELETE FROM ledger_journalline WHERE id = %s", [line.pk])
    assert state() == before


@pytest.mark.parametrize("path", ["bulk_create", "raw"])
def test_lines_are_never_added_to_a_posted_entry(books, path):
    # given two extra lines that balance each other and follow their keys' running balances
    entry = books["deposit"]
    extra = build_lines(
        entry,
        [("1002", "RELIEF", "D", "1.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")],
        start_no=3,
    )
    before = state()
    with refused("draft"):
        if path == "bulk_create":
            JournalLine.objects.bulk_create(extra)
        else:
            for line in extra:
                insert_line_raw(
                    entry.pk,
                    line.line_no,
                    line.account_id,
                    line.fund_id,
                    line.side,
                    line.amount.amount,
                    "CNY",
                    line.balance_after,
                )
    assert state() == before


@pytest.mark.parametrize("path", ["create", "bulk_create", "raw"])
def test_an_entry_is_never_inserted_as_posted(books, path):
    before = state()
    with refused("draft"):
        if path == "create":
            draft_entry(status=EntryStatus.POSTED)
        elif path == "bulk_create":
            entry = draft_entry()
            entry.pk, entry.seq, entry.idempotency_key, entry.hash = None, 99, "k99", "e" * 64
            entry.status = EntryStatus.POSTED
            JournalEntry.objects.bulk_create([entry])
        else:
            period = Period.objects.get(start__lte=DAY, end__gte=DAY)
            raw(
                "INSERT INTO ledger_journalentry (seq, date, period_id, memo, source, status,"
                " idempotency_key, content_hash, prev_hash, hash, posted_at)"
                " VALUES (99, %s, %s, '', 'manual', 'posted', 'k99', %s, %s, %s, %s)",
                [DAY, period.pk, "c" * 64, "0" * 64, "e" * 64, timezone.now()],
            )
    assert state() == before


# --------------------------------------------------------------------------------------------
# 3b. periods: posting into a closed period, reopening one
# --------------------------------------------------------------------------------------------
@pytest.fixture
def closed_period(books):
    period = Period.objects.get(start__lte=DAY, end__gte=DAY)
    closed = services.period_close(period=period, actor=None, confirm=True)
    # Closing opened the next month; set it aside (still empty and open) so that extending the
    # closed period meets the closed-period guard alone, not the no-overlap one.
    Period.objects.filter(start=closed.end + timedelta(days=1), status="open").delete()
    return closed


@pytest.mark.parametrize("path", PATHS)
def test_posting_into_a_closed_period_is_refused(closed_period, path):
    # given a balanced draft dated in the closed period
    entry = draft_entry()
    JournalLine.objects.bulk_create(
        build_lines(
            entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    # when it is posted underneath, then refused
    with refused("open period"):
        post_underneath(entry) if path == "update" else post_raw(entry)


def test_an_entry_dated_outside_its_period_is_refused(books):
    # given an open period for April, and a draft dated in April but filed under March
    Period.objects.create(code="2025-04", start=date(2025, 4, 1), end=date(2025, 4, 30))
    entry = draft_entry()
    JournalEntry.objects.filter(pk=entry.pk).update(date=date(2025, 4, 2))
    JournalLine.objects.bulk_create(
        build_lines(
            entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    with refused("open period"):
        post_underneath(entry)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_period SET status = 'open' WHERE id = %s",
        "UPDATE ledger_period SET \"end\" = '2025-12-31' WHERE id = %s",
        "DELETE FROM ledger_period WHERE id = %s",
    ],
    ids=["reopen", "extend", "delete"],
)
def test_a_closed_period_stays_closed(closed_period, sql):
    before = state()
    with refused("closed"):
        raw(sql, [closed_period.pk])
    with refused("closed"):
        Period.objects.filter(pk=closed_period.pk).update(status="open")
    assert state() == before


def test_periods_never_overlap(books):
    with refused("overlap"):
        Period.objects.create(code="overlap", start=date(2025, 3, 31), end=date(2025, 4, 5))


# --------------------------------------------------------------------------------------------
# 5. running balances: each line follows the one before; stored balances equal the latest line
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["bulk_create", "raw"])
def test_a_balance_after_that_does_not_follow_is_refused(books, path):
    entry = draft_entry()
    lines = build_lines(
        entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")]
    )
    lines[0].balance_after += Decimal("0.01")
    with refused("balance after"):
        if path == "bulk_create":
            JournalLine.objects.bulk_create(lines)
        else:
            line = lines[0]
            insert_line_raw(
                entry.pk, 1, line.account_id, line.fund_id, "D", "1.00", "CNY", line.balance_after
            )


def test_a_later_line_must_follow_the_earlier_in_the_same_statement(books):
    # given two lines of one key where the second ignores the first
    entry = draft_entry()
    lines = build_lines(
        entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("1002", "RELIEF", "D", "2.00", "CNY")]
    )
    lines[1].balance_after = lines[0].balance_after - Decimal("1.00") + Decimal("2.00")
    with refused("balance after"):
        JournalLine.objects.bulk_create(lines)


@pytest.mark.parametrize(
    "change",
    [{"balance": Decimal("1.00")}, {"currency": "USD"}],
    ids=["balance", "currency"],
)
def test_a_stored_balance_cannot_be_changed(books, change):
    balance = Balance.objects.get(account__code="1002")
    before = state()
    with refused("stored balance"):
        Balance.objects.filter(pk=balance.pk).update(**change)
    with refused("stored balance"):
        raw("UPDATE ledger_balance SET balance = balance + 1 WHERE id = %s", [balance.pk])
    assert state() == before


def test_a_stored_balance_counts_its_lines(books):
    # given the cash balance: two lines (the donation's debit, the deposit's credit)
    cash = Balance.objects.get(account__code="1001")
    assert cash.line_count == 2
    before = state()
    # when its count is changed, alone or with a key change, it is refused
    with refused("stored balance"):
        Balance.objects.filter(pk=cash.pk).update(line_count=3)
    with refused("stored balance"):
        raw("UPDATE ledger_balance SET line_count = 0 WHERE id = %s", [cash.pk])
    with refused("stored balance"):
        Balance.objects.filter(pk=cash.pk).update(fund=Fund.objects.get(code="GENERAL"))
    assert state() == before
    assert Balance.objects.get(pk=cash.pk).line_count == 2


@pytest.mark.owner  # drops two guards: the tables' owner's (tests/conftest.py)
def test_a_new_stored_balance_must_count_every_line_of_its_key(books):
    # given the cash balance row removed underneath (its guard dropped for the test)
    from ledger import dbguards

    cash = Balance.objects.get(account__code="1001")
    names = ["ledger_balance_guard", "ledger_balance_no_delete"]
    with transaction.atomic():
        dbguards.drop(connection, names)
        raw("DELETE FROM ledger_balance WHERE id = %s", [cash.pk])
        dbguards.install(connection)
        # when it is inserted again with a wrong count, it is refused; the right count is accepted
        row = Balance(
            account_id=cash.account_id,
            fund_id=cash.fund_id,
            currency=cash.currency,
            balance=cash.balance,
            last_line_id=cash.last_line_id,
        )
        with refused("stored balance"):
            Balance.objects.bulk_create([row])
        row.line_count = 2
        Balance.objects.bulk_create([row])
        transaction.set_rollback(True)


def test_a_stored_balance_cannot_point_to_an_older_line(books):
    # cash was debited by the donation, then credited by the deposit: point back at the donation
    cash = Balance.objects.get(account__code="1001")
    older = books["donation"].lines.get(account__code="1001")
    with refused("stored balance"):
        Balance.objects.filter(pk=cash.pk).update(last_line=older, balance=older.balance_after)


def test_a_stored_balance_cannot_be_deleted_or_invented(books):
    cash = Balance.objects.get(account__code="1001")
    with refused("stored balance"):
        raw("DELETE FROM ledger_balance WHERE id = %s", [cash.pk])
    # a balance row for a key whose lines say something else
    line = books["donation"].lines.get(account__code="3101")
    with refused("stored balance"):
        Balance.objects.bulk_create(
            [
                Balance(
                    account_id=line.account_id,
                    fund=Fund.objects.get(code="GENERAL"),
                    currency="CNY",
                    balance=Decimal("5.00"),
                    last_line=line,
                )
            ]
        )


# --------------------------------------------------------------------------------------------
# 6. the hash chain
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "link",
    ["wrong prev_hash", "gap in the numbers"],
)
def test_an_entry_that_does_not_link_to_its_predecessor_is_refused(books, link):
    head = ChainHead.objects.get(pk=1)
    if link == "wrong prev_hash":
        entry = draft_entry(prev_hash="a" * 64)
    else:
        entry = draft_entry(seq=head.last_seq + 2)
    JournalLine.objects.bulk_create(
        build_lines(
            entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("1001", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    with refused("link"):
        post_underneath(entry)


def test_the_first_entry_links_to_the_genesis_hash(db):
    # given an empty ledger and an entry numbered 1 that claims a predecessor
    Period.objects.create(code="2025-03", start=date(2025, 3, 1), end=date(2025, 3, 31))
    entry = draft_entry(seq=1, prev_hash="b" * 64)
    JournalLine.objects.bulk_create(
        build_lines(
            entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("3102", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    with refused("link"):
        post_underneath(entry)


# --------------------------------------------------------------------------------------------
# what a line names exists and stays (the guards hold it in place of foreign keys)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["entry", "account", "fund"])
def test_a_line_naming_a_missing_entry_account_or_fund_is_refused(books, missing):
    # given a draft and a pair of lines that would otherwise be accepted
    entry = draft_entry()
    lines = build_lines(
        entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("3101", "RELIEF", "C", "1.00", "CNY")]
    )
    first = lines[0]
    ids = {"entry": entry.pk, "account": first.account_id, "fund": first.fund_id}
    ids[missing] = 999_999
    before = state()
    with refused("draft entry|existing account|does not exist"):
        insert_line_raw(
            ids["entry"],
            1,
            ids["account"],
            ids["fund"],
            "D",
            Decimal("1.00"),
            "CNY",
            first.balance_after,
        )
    assert state() == before


@pytest.mark.parametrize("table", ["ledger_account", "ledger_fund"])
def test_an_account_or_fund_with_lines_is_never_deleted_or_renumbered(books, table):
    target = (
        Account.objects.get(code="1001")
        if table == "ledger_account"
        else Fund.objects.get(code="RELIEF")
    )
    before = state()
    with refused("journal lines"):
        raw(f"DELETE FROM {table} WHERE id = %s", [target.pk])
    with refused("journal lines"):
        raw(f"UPDATE {table} SET id = 999999 WHERE id = %s", [target.pk])
    assert state() == before
    model = Account if table == "ledger_account" else Fund
    assert model.objects.filter(pk=target.pk).exists()


def test_an_account_without_lines_may_still_be_deleted(books):
    unused = Account.objects.create(
        code="9999", name_en="Unused", name_zh="未用", type="expense", normal_side="D"
    )
    raw("DELETE FROM ledger_account WHERE id = %s", [unused.pk])
    assert not Account.objects.filter(pk=unused.pk).exists()


def test_a_draft_entry_with_lines_keeps_its_id_and_is_not_deleted(books):
    entry = draft_entry()
    JournalLine.objects.bulk_create(
        build_lines(
            entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("3101", "RELIEF", "C", "1.00", "CNY")]
        )
    )
    with refused("lines"):
        raw("DELETE FROM ledger_journalentry WHERE id = %s", [entry.pk])
    with refused("never changes its id"):
        raw("UPDATE ledger_journalentry SET id = 999999 WHERE id = %s", [entry.pk])
    assert JournalLine.objects.filter(entry_id=entry.pk).count() == 2


# --------------------------------------------------------------------------------------------
# audit events are append-only
# --------------------------------------------------------------------------------------------
def test_audit_events_are_never_changed_or_deleted(db):
    event = audit(actor=None, action=AuditAction.JOURNAL_REVERSE, object_type="x", object_id="1")
    before = state()
    with refused("audit events"):
        AuditEvent.objects.filter(pk=event.pk).update(action="other")
    with refused("audit events"):
        raw("UPDATE ledger_auditevent SET action = 'other' WHERE id = %s", [event.pk])
    with refused("audit events"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with refused("audit events"):
        raw("DELETE FROM ledger_auditevent WHERE id = %s", [event.pk])
    assert state() == before


def test_every_guard_is_installed(db):
    from ledger import dbguards

    assert dbguards.expected(connection) <= dbguards.installed(connection)


# --------------------------------------------------------------------------------------------
# large statements: the line checks planned for their size say the same
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("broken", ["none", "posted_entry", "missing_fund", "balance_after"])
def test_a_large_statement_of_lines_is_checked_like_a_small_one(books, broken):
    from ledger import dbguards

    # given 2 x SMALL lines that follow their keys' running balances, in one bulk insert
    entry = books["deposit"] if broken == "posted_entry" else draft_entry()
    pairs = dbguards.SMALL
    lines = build_lines(
        entry,
        [
            spec
            for _ in range(pairs)
            for spec in (
                ("1002", "RELIEF", "D", "1.00", "CNY"),
                ("3101", "RELIEF", "C", "1.00", "CNY"),
            )
        ],
        start_no=3 if broken == "posted_entry" else 1,
    )
    assert len(lines) >= dbguards.SMALL
    if broken == "missing_fund":
        lines[150].fund_id = 999_999
    elif broken == "balance_after":
        lines[150].balance_after += Decimal("0.01")
    before = state()
    if broken == "none":
        JournalLine.objects.bulk_create(lines)
        assert JournalLine.objects.filter(entry=entry).count() == len(lines)
        return
    match = {
        "posted_entry": "draft",
        "missing_fund": "does not exist|existing account",
        "balance_after": "balance after",
    }[broken]
    with refused(match):
        JournalLine.objects.bulk_create(lines)
    assert state() == before
