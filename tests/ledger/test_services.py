"""The posting services: what they write, what they refuse (typed errors, nothing written), retries
under an idempotency key, reversals, periods and permissions."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from djmoney.money import Money

from ledger import exceptions, hashing, posting, services
from ledger.models import (
    GENESIS_HASH,
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
from ledger.selectors import account_balance
from ledger.services import EntrySpec, LineSpec

from .factories import cny, four_eyes, four_eyes_ids, transfer

DAY = date(2025, 5, 6)


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


def counts() -> dict:
    return {
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
        "balances": list(Balance.objects.order_by("id").values_list("id", "balance")),
        "head": list(ChainHead.objects.values_list("last_seq", "last_hash")),
        "audit": AuditEvent.objects.count(),
    }


def pair(amount="10.00", debit="1002", credit="3102", fund="RELIEF", currency="CNY"):
    money = Money(Decimal(amount), currency)
    return [LineSpec(debit, fund, "D", money), LineSpec(credit, fund, "C", money)]


def bank(fund="RELIEF") -> dict[str, Money]:
    return account_balance(
        account=Account.objects.get(code="1002"), fund=Fund.objects.get(code=fund)
    )


# --------------------------------------------------------------------------------------------
# posting
# --------------------------------------------------------------------------------------------
def test_journal_post_writes_a_posted_chained_entry_with_running_balances(officer):
    # when two entries are posted
    first = services.journal_post(
        **four_eyes(),
        date=DAY,
        lines=pair("100.00"),
        idempotency_key="k1",
        actor=officer,
        memo="donation",
    )
    second = services.journal_post(
        **four_eyes(),
        date=DAY,
        lines=pair("25.50", "5101", "1002"),
        idempotency_key="k2",
        actor=officer,
    )
    # then both are posted, numbered and chained
    assert (first.seq, second.seq) == (1, 2)
    assert first.status == second.status == EntryStatus.POSTED
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert first.posted_by == officer
    assert ChainHead.objects.get().last_seq == 2
    assert ChainHead.objects.get().last_hash == second.hash
    # and each line carries the balance after it, the stored balance matching the latest line
    bank_lines = JournalLine.objects.filter(account__code="1002").order_by("id")
    assert [line.balance_after for line in bank_lines] == [Decimal("100.00"), Decimal("74.50")]
    stored = Balance.objects.get(account__code="1002", fund__code="RELIEF", currency="CNY")
    assert stored.balance == Decimal("74.50")
    assert stored.last_line == bank_lines.last()


def test_line_memos_and_the_returned_entry_are_stored_exactly_as_given(db):
    # Line memos travel to PostgreSQL as an array literal written by hand (ledger.posting.pg):
    # commas, braces, quotes, backslashes, spaces and Chinese must come back as given.
    memos = ['a, "b" {c}', 'back\\slash \\" end', "  捐赠 NULL  "]
    money = Money(Decimal("3.00"), "CNY")
    entry = services.journal_post(
        **four_eyes(),
        date=DAY,
        lines=[
            LineSpec("1002", "RELIEF", "D", money, memos[0]),
            LineSpec("3102", "RELIEF", "C", Money(Decimal("1.00"), "CNY"), memos[1]),
            LineSpec("3102", "RELIEF", "C", Money(Decimal("2.00"), "CNY"), memos[2]),
        ],
        idempotency_key="memos",
        actor=None,
        memo="entry, {memo}",
    )
    stored = JournalEntry.objects.get(pk=entry.pk)
    assert [line.memo for line in stored.lines.order_by("line_no")] == memos
    assert [line.amount.amount for line in stored.lines.order_by("line_no")] == [
        Decimal("3.00"),
        Decimal("1.00"),
        Decimal("2.00"),
    ]
    # and the instance returned is the stored row, field by field, with its period
    for field in JournalEntry._meta.concrete_fields:
        assert getattr(entry, field.attname) == getattr(stored, field.attname), field.name
    assert entry.period == stored.period
    assert entry.period.code == "2025-05" and entry.period.start == date(2025, 5, 1)
    assert entry._state.adding is False


def test_content_hash_covers_what_was_asked(db):
    entry = services.journal_post(
        **four_eyes(), date=DAY, lines=pair("1.00"), idempotency_key="k", actor=None
    )
    expected = hashing.content_hash(
        entry_date=DAY,
        memo="",
        source="manual",
        reverses_seq=None,
        line_tokens=[
            hashing.line_token("1002", "RELIEF", "D", Decimal("1.00"), "CNY"),
            hashing.line_token("3102", "RELIEF", "C", Decimal("1.00"), "CNY"),
        ],
    )
    assert entry.content_hash == expected


def test_a_post_opens_the_month_period_when_none_exists(db):
    assert not Period.objects.exists()
    services.journal_post(**four_eyes(), date=DAY, lines=pair(), idempotency_key="k", actor=None)
    period = Period.objects.get()
    assert (period.code, period.start, period.end) == (
        "2025-05",
        date(2025, 5, 1),
        date(2025, 5, 31),
    )


# --------------------------------------------------------------------------------------------
# idempotency
# --------------------------------------------------------------------------------------------
def test_the_same_key_with_the_same_content_returns_the_first_entry(db):
    # given an entry posted under a key
    first = services.journal_post(
        **four_eyes(), date=DAY, lines=pair("80.00"), idempotency_key="k", actor=None
    )
    before = counts()
    # when the same request is retried
    again = services.journal_post(
        **four_eyes(), date=DAY, lines=pair("80.00"), idempotency_key="k", actor=None
    )
    # then it is the first entry, and nothing else was written
    assert again.pk == first.pk
    assert again.hash == first.hash
    assert counts() == before
    assert bank() == {"CNY": cny("80.00")}


@pytest.mark.parametrize(
    "change",
    [
        {"lines": pair("80.01")},
        {"lines": pair("80.00", fund="GENERAL")},
        {"lines": pair("80.00", debit="1001")},
        {"memo": "another memo"},
        {"date": date(2025, 5, 7)},
    ],
    ids=["amount", "fund", "account", "memo", "date"],
)
def test_the_same_key_with_different_content_is_refused(db, change):
    services.journal_post(
        **four_eyes(), date=DAY, lines=pair("80.00"), idempotency_key="dup", actor=None
    )
    before = counts()
    request = {"date": DAY, "lines": pair("80.00"), "memo": "", **change}
    with pytest.raises(exceptions.IdempotencyConflict) as info:
        services.journal_post(**four_eyes(), idempotency_key="dup", actor=None, **request)
    # the message names the key and the first entry, and says what to do
    assert "dup" in str(info.value)
    assert "entry 1" in str(info.value)
    assert "new key" in str(info.value)
    assert info.value.code == "idempotency_conflict"
    assert counts() == before


def test_post_many_treats_repeated_keys_like_retries(db):
    # given a batch whose second entry repeats the first one's key and content
    spec = EntrySpec(**four_eyes_ids(), date=DAY, lines=pair("5.00"), idempotency_key="b1")
    result = services.journal_post_many(entries=[spec, spec], actor=None)
    # then one entry is written and returned twice
    assert result[0].pk == result[1].pk
    assert JournalEntry.objects.count() == 1
    # and the same key with other content in one batch is refused
    before = counts()
    other = EntrySpec(**four_eyes_ids(), date=DAY, lines=pair("6.00"), idempotency_key="b2")
    with pytest.raises(exceptions.IdempotencyConflict, match="twice in this batch"):
        services.journal_post_many(
            entries=[
                other,
                EntrySpec(**four_eyes_ids(), date=DAY, lines=pair("7.00"), idempotency_key="b2"),
            ],
            actor=None,
        )
    assert counts() == before


# --------------------------------------------------------------------------------------------
# bad input: a typed error, and nothing written
# --------------------------------------------------------------------------------------------
def usd(amount):
    return Money(Decimal(amount), "USD")


BAD = {
    "unknown account": (
        [LineSpec("9999", "RELIEF", "D", cny("1")), LineSpec("3102", "RELIEF", "C", cny("1"))],
        exceptions.UnknownAccount,
        "no account 9999",
    ),
    "unknown fund": (
        [LineSpec("1002", "NOPE", "D", cny("1")), LineSpec("3102", "NOPE", "C", cny("1"))],
        exceptions.UnknownFund,
        "no fund NOPE",
    ),
    "closed account": (pair(debit="5201"), exceptions.UnknownAccount, "account 5201 is closed"),
    "closed fund": (pair(fund="REWARD"), exceptions.UnknownFund, "fund REWARD is closed"),
    "currency the fund does not hold": (
        [LineSpec("1002", "RELIEF", "D", usd("1")), LineSpec("3102", "RELIEF", "C", usd("1"))],
        exceptions.CurrencyNotHeld,
        "does not hold USD",
    ),
    "more than two decimals": (
        [
            LineSpec("1002", "RELIEF", "D", cny("1.005")),
            LineSpec("3102", "RELIEF", "C", cny("1.005")),
        ],
        exceptions.InvalidAmount,
        "more than two decimal places",
    ),
    "zero": (pair("0.00"), exceptions.InvalidAmount, "more than zero"),
    "negative": (pair("-3.00"), exceptions.InvalidAmount, "more than zero"),
    "not money": (
        [
            LineSpec("1002", "RELIEF", "D", Decimal("1")),
            LineSpec("3102", "RELIEF", "C", Decimal("1")),
        ],
        exceptions.InvalidAmount,
        "sum of money",
    ),
    "bad side": (
        [LineSpec("1002", "RELIEF", "X", cny("1")), LineSpec("3102", "RELIEF", "C", cny("1"))],
        exceptions.InvalidEntry,
        "D \\(debit\\) or C \\(credit\\)",
    ),
    "one line": ([LineSpec("1002", "RELIEF", "D", cny("1"))], exceptions.InvalidEntry, "two lines"),
    "unbalanced": (
        [
            LineSpec("1002", "RELIEF", "D", cny("10.00")),
            LineSpec("3102", "RELIEF", "C", cny("9.75")),
        ],
        exceptions.UnbalancedEntry,
        "fund RELIEF in CNY: debits exceed credits by 0.25",
    ),
    "balanced in total but not per fund": (
        [
            LineSpec("1002", "RELIEF", "D", cny("10.00")),
            LineSpec("3101", "GENERAL", "C", cny("10.00")),
        ],
        exceptions.UnbalancedEntry,
        "fund RELIEF in CNY",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_raises_a_typed_error_and_changes_nothing(db, case):
    # given some books, a closed account and a closed fund
    transfer("1002", "3102", "50.00", day=DAY)
    Account.objects.filter(code="5201").update(is_active=False)
    Fund.objects.filter(code="REWARD").update(is_active=False)
    lines, error, message = BAD[case]
    before = counts()
    # when the bad entry is posted, alone or in a batch after a good one
    with pytest.raises(error, match=message):
        services.journal_post(
            **four_eyes(), date=DAY, lines=lines, idempotency_key="bad", actor=None
        )
    with pytest.raises(error, match=message):
        services.journal_post_many(
            entries=[
                EntrySpec(**four_eyes_ids(), date=DAY, lines=pair("1.00"), idempotency_key="good"),
                EntrySpec(**four_eyes_ids(), date=DAY, lines=lines, idempotency_key="bad"),
            ],
            actor=None,
        )
    # then nothing was written
    assert counts() == before


def test_posting_into_a_closed_period_raises_and_changes_nothing(db):
    # given a closed March
    transfer("1002", "3102", "50.00", day=date(2025, 3, 3))
    services.period_close(period=Period.objects.get(code="2025-03"), actor=None, confirm=True)
    before = counts()
    # when an entry dated in March is posted
    with pytest.raises(exceptions.PeriodClosed, match="2025-03 is closed") as info:
        services.journal_post(
            **four_eyes(), date=date(2025, 3, 4), lines=pair(), idempotency_key="late", actor=None
        )
    # then it is refused with the conflict status, and nothing was written
    assert info.value.status == 409
    assert counts() == before


def test_a_batch_into_a_closed_period_writes_nothing(db):
    # given a closed April
    period = services.period_open(
        code="2025-04", start=date(2025, 4, 1), end=date(2025, 4, 30), actor=None
    )
    services.period_close(period=period, actor=None, confirm=True)
    before = counts()
    # when a batch's second entry is dated in April, then the whole batch is refused
    with pytest.raises(exceptions.PeriodClosed, match="2025-04"):
        services.journal_post_many(
            entries=[
                EntrySpec(**four_eyes_ids(), date=DAY, lines=pair("1.00"), idempotency_key="a"),
                EntrySpec(
                    **four_eyes_ids(),
                    date=date(2025, 4, 1),
                    lines=pair("1.00"),
                    idempotency_key="b",
                ),
            ],
            actor=None,
        )
    assert counts()["entries"] == before["entries"]


def test_a_refusal_by_the_database_is_a_typed_error_and_rolls_the_batch_back(db):
    # given a chain head that no longer matches the last entry (it has no guard of its own)
    transfer("1002", "3102", "50.00", day=DAY)
    ChainHead.objects.update(last_hash="d" * 64)
    before = counts()
    # when a batch is posted, the database refuses the broken link
    with pytest.raises(exceptions.LedgerIntegrityError, match="does not link") as info:
        services.journal_post_many(
            entries=[
                EntrySpec(**four_eyes_ids(), date=DAY, lines=pair("1.00"), idempotency_key=f"x{n}")
                for n in range(3)
            ],
            actor=None,
        )
    # then the error says so, and nothing of the batch was written
    assert info.value.code == "ledger_integrity"
    assert counts() == before


def test_post_many_writes_everything_in_one_transaction_with_one_audit_event(db):
    specs = [
        EntrySpec(
            **four_eyes_ids(),
            date=DAY,
            lines=pair(f"{n}.00"),
            idempotency_key=f"m{n}",
            memo=f"#{n}",
        )
        for n in range(1, 6)
    ]
    result = services.journal_post_many(entries=specs, actor=None)
    assert [e.seq for e in result] == [1, 2, 3, 4, 5]
    assert bank() == {"CNY": cny("15.00")}
    event = AuditEvent.objects.get(action="journal.post_many")
    assert (event.object_id, event.data["count"]) == ("1..5", 5)


def test_post_many_refuses_reversals(db):
    entry = transfer("1002", "3102", "5.00", day=DAY)
    with pytest.raises(exceptions.InvalidEntry, match="journal_reverse"):
        services.journal_post_many(
            entries=[
                EntrySpec(
                    **four_eyes_ids(), date=DAY, lines=pair(), idempotency_key="r", reverses=entry
                )
            ],
            actor=None,
        )


# --------------------------------------------------------------------------------------------
# reversals
# --------------------------------------------------------------------------------------------
def test_a_reversal_mirrors_the_entry_and_restores_the_balances(db):
    # given an award accrued after a donation
    transfer("1002", "3102", "500.00", day=DAY)
    before = {b.pk: b.balance for b in Balance.objects.all()}
    award = transfer("5101", "2201", "120.00", day=DAY)
    # when the award is reversed
    reversal = services.journal_reverse(**four_eyes(), entry=award, actor=None, date=DAY)
    # then the reversal points to it and mirrors each line
    assert reversal.reverses == award
    assert [
        (line.account.code, line.side, line.amount) for line in reversal.lines.order_by("line_no")
    ] == [
        ("5101", "C", cny("120.00")),
        ("2201", "D", cny("120.00")),
    ]
    # and every balance is back where it was (the award's keys now read zero)
    after = {b.pk: b.balance for b in Balance.objects.all()}
    for pk, value in after.items():
        assert value == before.get(pk, Decimal("0.00"))
    assert AuditEvent.objects.filter(action="journal.reverse", object_id=str(award.pk)).count() == 1


def test_reversing_twice_returns_the_same_reversal(db):
    entry = transfer("1002", "3102", "9.00", day=DAY)
    first = services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY)
    before = counts()
    again = services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY)
    assert again.pk == first.pk
    assert counts() == before


def test_reversing_again_under_a_new_key_is_refused(db):
    entry = transfer("1002", "3102", "9.00", day=DAY)
    first = services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY)
    with pytest.raises(exceptions.AlreadyReversed, match=f"reversed by entry {first.seq}"):
        services.journal_reverse(
            **four_eyes(), entry=entry, actor=None, date=DAY, idempotency_key="other"
        )


def test_a_reversal_is_not_reversed(db):
    entry = transfer("1002", "3102", "9.00", day=DAY)
    reversal = services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY)
    before = counts()
    with pytest.raises(exceptions.NotReversible, match="itself a reversal"):
        services.journal_reverse(**four_eyes(), entry=reversal, actor=None, date=DAY)
    assert counts() == before


def test_a_reversal_into_a_closed_period_is_refused(db):
    entry = transfer("1002", "3102", "9.00", day=date(2025, 3, 3))
    services.period_close(period=Period.objects.get(code="2025-03"), actor=None, confirm=True)
    before = counts()
    with pytest.raises(exceptions.PeriodClosed):
        services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=date(2025, 3, 31))
    assert counts() == before
    # the same reversal dated in an open period goes through
    reversal = services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY)
    assert reversal.period.code == "2025-05"


# --------------------------------------------------------------------------------------------
# periods
# --------------------------------------------------------------------------------------------
def test_period_close_is_recorded_and_idempotent(supervisor):
    transfer("1002", "3102", "1.00", day=DAY)
    period = Period.objects.get(code="2025-05")
    closed = services.period_close(period=period, actor=supervisor)
    assert (closed.status, closed.closed_by) == ("closed", supervisor)
    assert services.period_close(period=period, actor=supervisor).status == "closed"
    assert AuditEvent.objects.filter(action="period.close").count() == 1


def test_period_open_refuses_overlaps(supervisor):
    services.period_open(
        code="2025-06", start=date(2025, 6, 1), end=date(2025, 6, 30), actor=supervisor
    )
    with pytest.raises(exceptions.InvalidEntry, match="overlaps period 2025-06"):
        services.period_open(
            code="x", start=date(2025, 6, 15), end=date(2025, 7, 15), actor=supervisor
        )
    with pytest.raises(exceptions.InvalidEntry, match="must not be after"):
        services.period_open(
            code="y", start=date(2025, 8, 2), end=date(2025, 8, 1), actor=supervisor
        )


# --------------------------------------------------------------------------------------------
# permissions
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role, post, reverse, close",
    [
        ("finance_officer", True, True, False),
        ("finance_supervisor", True, True, True),
        ("auditor", False, False, False),
        ("case_worker", False, False, False),
    ],
)
def test_who_may_post_reverse_and_close(make_user, role, post, reverse, close):
    user = make_user(role)
    entry = transfer("1002", "3102", "3.00", day=DAY)
    period = Period.objects.get(code="2025-05")
    outcomes = []
    for call in (
        lambda: services.journal_post(
            **four_eyes(), date=DAY, lines=pair(), idempotency_key="p", actor=user
        ),
        lambda: services.journal_reverse(**four_eyes(), entry=entry, actor=user, date=DAY),
        lambda: services.period_close(period=period, actor=user),
    ):
        try:
            call()
            outcomes.append(True)
        except exceptions.PermissionDenied as exc:
            assert exc.status == 403
            outcomes.append(False)
    assert outcomes == [post, reverse, close]


# --------------------------------------------------------------------------------------------
# No collecting and spending on the spot (坐收坐支): cash on hand only goes to the bank.
# --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_cash_on_hand_pays_nothing_but_a_bank_deposit():
    from djmoney.money import Money

    from ledger import chart, services
    from ledger.exceptions import CashPayoutRefused
    from ledger.models import JournalEntry
    from ledger.services import LineSpec

    cash = Money("100.00", "CNY")
    donation = services.journal_post(
        **four_eyes(),
        date=date.today(),
        lines=[
            LineSpec(chart.CASH, "RELIEF", "D", cash),
            LineSpec(chart.RESTRICTED_NET_ASSETS, "RELIEF", "C", cash),
        ],
        idempotency_key="cash-in",
        actor=None,
    )
    # paying relief straight out of the cash box is refused, and nothing is written
    before = JournalEntry.objects.count()
    with translation.override("en"), pytest.raises(CashPayoutRefused, match="cash on hand"):
        services.journal_post(
            **four_eyes(),
            date=date.today(),
            lines=[
                LineSpec(chart.RELIEF_EXPENSE, "RELIEF", "D", cash),
                LineSpec(chart.CASH, "RELIEF", "C", cash),
            ],
            idempotency_key="cash-out",
            actor=None,
        )
    assert JournalEntry.objects.count() == before
    # depositing it is allowed, and so is reversing a mistaken cash entry
    services.journal_post(
        **four_eyes(),
        date=date.today(),
        lines=[
            LineSpec(chart.BANK, "RELIEF", "D", cash),
            LineSpec(chart.CASH, "RELIEF", "C", cash),
        ],
        idempotency_key="cash-deposit",
        actor=None,
    )
    assert (
        services.journal_reverse(**four_eyes(), entry=donation, actor=None).reverses_id
        == donation.pk
    )


# --------------------------------------------------------------------------------------------
# a large batch pauses the cyclic garbage collector, and always resumes it
# --------------------------------------------------------------------------------------------
def test_a_large_batch_pauses_the_cyclic_collector_and_resumes_it_even_on_error():
    import gc

    assert gc.isenabled()
    with posting.cyclic_gc_paused(posting.GC_PAUSE_FROM):
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), posting.cyclic_gc_paused(posting.GC_PAUSE_FROM):
        raise RuntimeError("refused half-way")
    assert gc.isenabled()
    with posting.cyclic_gc_paused(posting.GC_PAUSE_FROM - 1):
        assert gc.isenabled()  # small batches leave it alone
    gc.disable()
    try:
        with posting.cyclic_gc_paused(posting.GC_PAUSE_FROM):
            pass
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()
