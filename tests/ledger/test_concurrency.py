"""Postings at the same moment from many connections (PostgreSQL only; after django-oscar's
tests/integration/order/test_stockrecord_locking.py).

These tests commit for real (``transaction=True``): each thread has its own database connection
and closes it at the end. Afterwards pytest-django empties the tables with TRUNCATE, which fires
no row trigger, so the ledger guards do not stand in the way of the clean-up; the fixture loads
the default chart again because TRUNCATE also removes what the data migration put there.
"""

import threading
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from djmoney.money import Money

from ledger import exceptions, services, verification
from ledger.books import ensure_default_books
from ledger.models import Account, Balance, ChainHead, Fund, JournalEntry, JournalLine
from ledger.services import LineSpec

from .factories import explained, four_eyes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = date(2025, 8, 1)
THREADS = 8
PER_THREAD = 10


@pytest.fixture
def books():
    # A transactional test may start after another one emptied the tables.
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)


def run_threads(target, count: int) -> tuple[list, list[BaseException]]:
    """Start ``count`` threads at once (behind a barrier); collect results and exceptions."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(n):
        try:
            barrier.wait()
            results[n] = target(n)
        except BaseException as exc:  # every escape is a failure the test reports
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a posting thread hung"
    return results, errors


def lines(amount: str):
    money = Money(Decimal(amount), "CNY")
    return [LineSpec("1002", "RELIEF", "D", money), LineSpec("3101", "RELIEF", "C", money)]


def test_many_threads_posting_to_the_same_accounts_end_with_exact_balances(books):
    # given 8 threads, each posting 10 entries of (thread + 1).01 to the same bank and income
    def post_all(n):
        return [
            services.journal_post(
                **four_eyes(),
                date=DAY,
                lines=lines(f"{n + 1}.01"),
                idempotency_key=f"t{n}:{i}",
                actor=None,
            ).seq
            for i in range(PER_THREAD)
        ]

    # when they all post at once
    results, errors = run_threads(post_all, THREADS)

    # then no caller saw an error, and every entry got its own number, 1..80 without gaps
    assert errors == []
    seqs = sorted(seq for r in results for seq in r)
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))
    # and the balances are exact
    expected = sum(Decimal(f"{n + 1}.01") * PER_THREAD for n in range(THREADS))
    bank = Balance.objects.get(account__code="1002", fund__code="RELIEF", currency="CNY")
    income = Balance.objects.get(account__code="3101", fund__code="RELIEF", currency="CNY")
    assert (bank.balance, income.balance) == (expected, -expected)
    # and each line's balance after follows the one before it, in posting order
    running = Decimal("0.00")
    for line in JournalLine.objects.filter(account__code="1002").order_by("id"):
        running += line.signed
        assert line.balance_after == running
    assert bank.last_line_id == JournalLine.objects.filter(account__code="1002").latest("id").pk
    with explained(*JournalEntry.objects.all()):  # posted by hand: no receipt behind them
        report = verification.verify_ledger()
    assert report.ok, [p.message for p in report.problems]


def test_two_posts_with_the_same_key_at_once_create_one_entry(books):
    # when two requests carrying the same idempotency key arrive together
    def post(_n):
        return services.journal_post(
            **four_eyes(), date=DAY, lines=lines("300.00"), idempotency_key="same-key", actor=None
        ).pk

    results, errors = run_threads(post, 2)

    # then both get the same entry, and only one was written
    assert errors == []
    assert results[0] == results[1]
    assert JournalEntry.objects.filter(idempotency_key="same-key").count() == 1
    assert Balance.objects.get(account__code="1002").balance == Decimal("300.00")
    with explained(*JournalEntry.objects.all()):  # posted by hand: no receipt behind them
        assert verification.verify_ledger().ok


def test_many_retries_at_once_with_one_conflicting_request(books):
    # given six retries of one request and one request with the same key but other content
    def post(n):
        amount = "1.00" if n < 6 else "2.00"
        try:
            return services.journal_post(
                **four_eyes(), date=DAY, lines=lines(amount), idempotency_key="k", actor=None
            ).pk
        except exceptions.IdempotencyConflict:
            return "conflict"

    results, errors = run_threads(post, 7)
    assert errors == []
    # then whichever came first was written once; the others got it back or a clear conflict
    outcomes = Counter(results)
    assert JournalEntry.objects.count() == 1
    entry = JournalEntry.objects.get()
    assert set(outcomes) <= {entry.pk, "conflict"}
    assert outcomes["conflict"] in (1, 6)
    with explained(*JournalEntry.objects.all()):  # posted by hand: no receipt behind them
        assert verification.verify_ledger().ok


def test_a_reversal_requested_twice_at_once_creates_one_reversal(books):
    # given a posted entry
    entry = services.journal_post(
        **four_eyes(), date=DAY, lines=lines("45.00"), idempotency_key="e", actor=None
    )

    # when two people reverse it at the same moment
    def reverse(_n):
        return services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=DAY).pk

    results, errors = run_threads(reverse, 2)

    # then one reversal exists and both were handed it
    assert errors == []
    assert results[0] == results[1]
    assert JournalEntry.objects.filter(reverses=entry).count() == 1
    assert Balance.objects.get(account__code="1002").balance == Decimal("0.00")
    with explained(*JournalEntry.objects.all()):  # posted by hand: no receipt behind them
        assert verification.verify_ledger().ok


def test_the_tables_were_emptied_between_transactional_tests(books):
    # pytest-django's TRUNCATE after each test above left no entries behind (and hit no guard)
    assert JournalEntry.objects.count() == 0
    assert Balance.objects.count() == 0
    services.journal_post(
        **four_eyes(), date=DAY, lines=lines("1.00"), idempotency_key="fresh", actor=None
    )
    assert JournalEntry.objects.get().seq == 1


def test_deleting_an_account_waits_for_a_posting_to_it_and_is_then_refused(books):
    # Lines hold no foreign key to their account (migration 0008): the guard must still close the
    # race a foreign key closes. One connection posts to a new account and has not committed; a
    # second deletes the account underneath at that moment.
    from django.db import DatabaseError, transaction

    from .factories import transfer

    account = Account.objects.create(
        code="5999", name_en="Race", name_zh="竞态", type="expense", normal_side="D"
    )
    posted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def poster():
        try:
            with transaction.atomic():
                transfer("1002", "3101", "5.00", day=DAY)  # money in, so the bank can pay
                transfer("5999", "1002", "5.00", day=DAY)
                posted.set()
                assert release.wait(30)
        finally:
            connection.close()

    def deleter():
        try:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM ledger_account WHERE id = %s", [account.pk])
            outcome["deleted"] = True
        except DatabaseError as exc:
            outcome["refused"] = str(exc)
        finally:
            connection.close()

    first = threading.Thread(target=poster)
    first.start()
    assert posted.wait(30)
    second = threading.Thread(target=deleter)
    second.start()
    second.join(timeout=1.0)
    still_waiting = second.is_alive()  # the delete waits for the posting's transaction
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert still_waiting
    assert "journal lines" in outcome.get("refused", ""), outcome
    assert Account.objects.filter(pk=account.pk).exists()
    assert JournalLine.objects.filter(account=account).count() == 1
    with explained(*JournalEntry.objects.all()):  # posted by hand: no receipt behind them
        assert verification.verify_ledger().ok


def test_two_officers_spending_the_last_of_a_fund_at_once(books):
    # given RELIEF holds 100.00 at bank, and two officers each pay a 70.00 bank charge from it
    # at the same moment, on their own connections
    money = Money("100.00", "CNY")
    services.journal_post(
        **four_eyes(),
        date=DAY,
        lines=[LineSpec("1002", "RELIEF", "D", money), LineSpec("3102", "RELIEF", "C", money)],
        idempotency_key="money-in",
        actor=None,
    )

    def pay(n):
        charge = Money("70.00", "CNY")
        try:
            return services.journal_post(
                date=DAY,
                lines=[
                    LineSpec("5201", "RELIEF", "D", charge),
                    LineSpec("1002", "RELIEF", "C", charge),
                ],
                idempotency_key=f"charge-{n}",
                actor=None,
                source="fee",
            ).pk
        except exceptions.InsufficientFunds:
            return "refused"

    results, errors = run_threads(pay, 2)

    # then exactly one is paid, the other refused, and the fund never went below zero
    assert errors == []
    assert Counter(isinstance(r, int) for r in results) == Counter({True: 1, False: 1})
    assert Balance.objects.get(account__code="1002", fund__code="RELIEF").balance == Decimal(
        "30.00"
    )
    balances = JournalLine.objects.filter(account__code="1002", fund__code="RELIEF")
    assert min(line.balance_after for line in balances) >= 0
    with explained(*JournalEntry.objects.all()):  # posted by hand: no receipt behind them
        assert verification.verify_ledger().ok
