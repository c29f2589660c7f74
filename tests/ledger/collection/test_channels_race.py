"""Two settlement imports at the same moment (PostgreSQL only; after tests/ledger/
test_concurrency.py): a channel's transaction is settled once, whichever import comes first.

These tests commit for real (``transaction=True``): each thread has its own connection."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from djmoney.money import Money

from ledger import chart
from ledger.books import ensure_default_books
from ledger.collection import services
from ledger.collection.models import ChannelSettlement, ChannelSettlementLine, ChannelStatement
from ledger.models import Account, ChainHead, Fund, JournalEntry
from ledger.selectors import account_balance
from ledger.verification import verify_ledger

from .factories import book, english, person  # noqa: F401 (autouse fixture)
from .test_channels import settlement_csv

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

YESTERDAY = date.today() - timedelta(days=1)
THREADS = 6


@pytest.fixture
def books():
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)


def run_threads(target, count):
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
    assert not any(t.is_alive() for t in threads), "an import thread hung"
    return results, errors


def bal(code):
    return (
        account_balance(
            account=Account.objects.get(code=code), fund=Fund.objects.get(code="RELIEF")
        )
        .get("CNY", Money(0, "CNY"))
        .amount
    )


def test_the_same_file_imported_at_once_settles_each_transaction_once(books):
    # given three WeChat donations and their settlement file
    book()
    refs = [f"WXRACE{i}" for i in range(3)]
    for i, ref in enumerate(refs):
        services.donation_record(
            donor=person(f"捐赠人{i}"),
            fund="RELIEF",
            amount=Money("100.00", "CNY"),
            method="wechat",
            channel_ref=ref,
            received_on=YESTERDAY,
            idempotency_key=f"race-{i}",
            actor=None,
        )
    content = settlement_csv([[YESTERDAY.isoformat(), r, "100.00", "0.60", "99.40"] for r in refs])

    # when six officers import it at the same moment (one of them under another file name)
    def run(n):
        return services.channel_settlement_import(
            channel="wechat",
            settled_on=date.today(),
            content=content,
            filename=f"wx-{n}.csv",
            actor=None,
        )

    results, errors = run_threads(run, THREADS)

    # then nobody saw an error, exactly one import settled the three, the others found them
    assert errors == []
    assert sorted(len(r.settled) for r in results) == [0] * (THREADS - 1) + [3]
    assert sorted(r.already for r in results) == [0] + [3] * (THREADS - 1)
    assert ChannelStatement.objects.count() == 1 and ChannelSettlement.objects.count() == 1
    assert ChannelSettlementLine.objects.count() == 3
    assert JournalEntry.objects.filter(source="channel_settlement").count() == 1
    # and the money moved once
    assert bal(chart.BANK) == Decimal("298.20") and bal("100901") == Decimal("0.00")
    assert bal(chart.BANK_CHARGES) == Decimal("1.80")
    assert verify_ledger().ok
