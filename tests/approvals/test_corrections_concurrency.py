"""Two clerks saving the same household at the same moment (PostgreSQL: real row locks, real
concurrent connections; the sequential case runs on both engines in test_corrections.py).

Both read version 1 and save at once: the household row lock makes one wait; it then finds
version 2 and is refused (``EditConflict``). Exactly one correction is written, audited once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from approvals import services
from approvals.exceptions import EditConflict
from approvals.models import Household
from ledger.audit import AuditAction
from ledger.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("run", range(3))
def test_two_saves_from_the_same_version_write_one(run, household, people, make_user, world):
    from .factories import make_staff

    other = make_staff(make_user, "case_worker", world.village_a1, "worker2")
    barrier = threading.Barrier(2)
    outcomes: list = []

    def save(actor, **fields):
        try:
            barrier.wait()
            outcomes.append(
                services.household_update(household=household, version=1, actor=actor, **fields)
            )
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(people.worker,), kwargs={"address": "一号院"}),
        threading.Thread(target=save, args=(other,), kwargs={"phone": "13700000000"}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    saved = [o for o in outcomes if isinstance(o, Household)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], EditConflict)
    row = Household.objects.get(pk=household.pk)
    assert row.version == 2
    # exactly the winner's change is written, never both, never a mix
    assert (row.address, row.phone) in {("一号院", "13800000000"), ("梅园一村8号", "13700000000")}
    assert AuditEvent.objects.filter(action=AuditAction.HOUSEHOLD_UPDATE).count() == 1
