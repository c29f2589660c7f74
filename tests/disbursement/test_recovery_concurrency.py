"""Two refunds of the same recovery at the same moment, going around the service (raw SQL on
two connections, PostgreSQL only: real row locks): the refund trigger locks the recovery's row
before it sums the refunds, so the second waits for the first's commit, sees it, and is refused
when the two would exceed the claim. The test commits for real (``transaction=True``)."""

import threading
import time
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from disbursement.models import RecoveryRefund
from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _books(db):
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)


def _insert(recovery, amount, n, entry_id):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO disbursement_recoveryrefund (recovery_id, number, amount,"
            " amount_currency, received_on, method, bank_reference, note, entry_id,"
            " recorded_by_id, recorded_at, idempotency_key)"
            " VALUES (%s, %s, %s, 'CNY', %s, 'bank', '', '', %s, %s, now(), %s)",
            [recovery.pk, f"RAW-{n}", amount, date.today(), entry_id, recovery.created_by_id, n],
        )


def test_two_refunds_at_once_never_exceed_the_claim(open_recovery, paid_batch):
    # given an open recovery of 600 and two refunds of 400 arriving at once
    other_entry = paid_batch.payments.order_by("id").first().entry_id
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                barrier.wait()
                _insert(open_recovery, "400.00", "a", open_recovery.entry_id)
                time.sleep(1.0)  # hold the recovery's row while the second one arrives
            outcomes["a"] = "ok"
        except BaseException as exc:  # reported below
            outcomes["a"] = exc
        finally:
            connection.close()

    def second():
        try:
            barrier.wait()
            time.sleep(0.3)
            with transaction.atomic():
                _insert(open_recovery, "400.00", "b", other_entry)
            outcomes["b"] = "ok"
        except BaseException as exc:
            outcomes["b"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    # then the first stands and the second is refused by the database
    assert outcomes["a"] == "ok", outcomes
    assert isinstance(outcomes["b"], DatabaseError), outcomes
    assert "refunds never exceed" in str(outcomes["b"])
    assert list(RecoveryRefund.objects.values_list("number", flat=True)) == ["RAW-a"]
