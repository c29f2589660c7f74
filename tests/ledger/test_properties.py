"""Property-based tests (hypothesis): any sequence of balanced entries and reversals keeps the books
sound.

Each example runs inside its own ``transaction.atomic()`` block that is rolled back at the end, so
every example starts from the same known state (the migrated chart, no entries) although
pytest-django's ``db`` fixture is set up once per test function.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, When
from djmoney.money import Money
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import chart, selectors, services, verification
from ledger.models import Balance, Fund, JournalEntry, JournalLine
from ledger.services import LineSpec

from .factories import explained, four_eyes

# The random entries keep to what any fund may do at any time: they debit cash, bank, awards
# payable, net assets and bank charges (a purpose every fund here allows) and credit only net
# assets and bank charges. Income needs its receipt, money never leaves a fund below zero and
# cash on hand only goes to the bank (each rule tested on its own in test_services and
# test_controls); reversals restore any earlier state and may credit anything back.
ACCOUNTS = [
    chart.CASH,
    chart.BANK,
    chart.AWARDS_PAYABLE,
    chart.UNRESTRICTED_NET_ASSETS,
    chart.RESTRICTED_NET_ASSETS,
    chart.BANK_CHARGES,
]
CREDITABLE = [chart.UNRESTRICTED_NET_ASSETS, chart.RESTRICTED_NET_ASSETS, chart.BANK_CHARGES]
# (fund, currency) pairs an entry may touch; GENERAL also holds US dollars in these tests.
FUND_CURRENCIES = [("RELIEF", "CNY"), ("REWARD", "CNY"), ("GENERAL", "CNY"), ("GENERAL", "USD")]
DAY = date(2025, 7, 1)
FAST = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def entry_lines(draw) -> list[LineSpec]:
    """2-6 lines that balance per fund and currency: one or two groups, each one line against
    one or two lines on the other side, with amounts of whole cents."""
    groups = draw(st.lists(st.sampled_from(FUND_CURRENCIES), min_size=1, max_size=2, unique=True))
    lines = []
    for fund, currency in groups:
        parts = draw(st.lists(st.integers(1, 10_000_000), min_size=1, max_size=2))
        many_side, one_side = draw(st.sampled_from([("D", "C"), ("C", "D")]))
        for cents in parts:
            pool = ACCOUNTS if many_side == "D" else CREDITABLE
            lines.append((draw(st.sampled_from(pool)), fund, many_side, cents, currency))
        pool = ACCOUNTS if one_side == "D" else CREDITABLE
        lines.append((draw(st.sampled_from(pool)), fund, one_side, sum(parts), currency))
    ordered = draw(st.permutations(lines))
    return [
        LineSpec(account, fund, side, Money(Decimal(cents) / 100, currency))
        for account, fund, side, cents, currency in ordered
    ]


# An operation: post an entry, or reverse the n-th reversible entry posted so far (modulo).
operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), entry_lines()),
        st.tuples(st.just("reverse"), st.integers(0, 1000)),
    ),
    min_size=1,
    max_size=10,
)

_SIGNED = Case(
    When(side="D", then=F("amount")),
    default=-F("amount"),
    output_field=DecimalField(max_digits=20, decimal_places=2),
)


def stored() -> dict[tuple, Decimal]:
    return {
        (b.account_id, b.fund_id, b.currency): b.balance
        for b in Balance.objects.all()
        if b.balance != 0
    }


def recomputed() -> dict[tuple, Decimal]:
    rows = JournalLine.objects.values("account_id", "fund_id", "amount_currency").annotate(
        total=Sum(_SIGNED)
    )
    found = {
        (r["account_id"], r["fund_id"], r["amount_currency"]): Decimal(r["total"]).quantize(
            Decimal("0.01")
        )
        for r in rows
    }
    return {k: v for k, v in found.items() if v != 0}


def effect(entry: JournalEntry) -> dict[tuple, Decimal]:
    total: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in entry.lines.all():
        total[(line.account_id, line.fund_id, str(line.amount.currency))] += line.signed
    return total


def assert_sound() -> None:
    trial = selectors.trial_balance()
    assert trial.balanced, trial.totals
    assert stored() == recomputed()
    # random entries posted by hand: their documents are stood in for
    with explained(*JournalEntry.objects.all()):
        report = verification.verify_ledger()
    assert report.ok, [p.message for p in report.problems]


def run(ops) -> None:
    posted: list[JournalEntry] = []  # entries that may still be reversed
    for n, (kind, arg) in enumerate(ops):
        if kind == "post":
            entry = services.journal_post(
                **four_eyes(), date=DAY, lines=arg, idempotency_key=f"prop:{n}", actor=None
            )
            posted.append(entry)
            continue
        if not posted:
            continue
        original = posted.pop(arg % len(posted))
        before = stored()
        services.journal_reverse(**four_eyes(), entry=original, actor=None, date=DAY)
        # the reversal takes back exactly the original's effect, key by key
        expected = defaultdict(Decimal, before)
        for key, value in effect(original).items():
            expected[key] -= value
        assert stored() == {k: v for k, v in expected.items() if v != 0}


def _in_rollback(body) -> None:
    with transaction.atomic():
        Fund.objects.filter(code="GENERAL").update(currencies=["CNY", "USD"])
        body()
        transaction.set_rollback(True)


@FAST
@given(ops=operations)
def test_any_sequence_of_entries_and_reversals_keeps_the_books_sound(db, ops):
    def body():
        # given a fresh ledger, when the operations run
        assert not JournalEntry.objects.exists()
        run(ops)
        # then trial balance is zero per currency, stored = recomputed, verify_ledger is clean
        assert_sound()

    _in_rollback(body)


@FAST
@given(ops=operations, last=entry_lines())
def test_reversing_the_latest_entry_restores_every_balance(db, ops, last):
    def body():
        # given some history
        run(ops)
        before = stored()
        # when one more entry is posted and then reversed
        entry = services.journal_post(
            **four_eyes(), date=DAY, lines=last, idempotency_key="last", actor=None
        )
        services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY)
        # then every balance is exactly what it was before that entry
        assert stored() == before
        assert_sound()

    _in_rollback(body)


@FAST
@given(lines=entry_lines())
def test_the_generated_entries_balance_per_fund_and_currency(db, lines):
    # the strategy itself: every generated entry balances where the ledger demands it
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    for ls in lines:
        sums[(ls.fund, str(ls.amount.currency))] += (
            ls.amount.amount if ls.side == "D" else -ls.amount.amount
        )
    assert 2 <= len(lines) <= 6
    assert set(sums.values()) == {Decimal("0")}
