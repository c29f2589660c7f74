"""Two objections to one confirmation list from one sender at the same moment (PostgreSQL only:
real row locks, real concurrent connections): the per-list cap holds — the confirmation's lock
serialises the filings, so the second counts the first. The test commits for real
(``transaction=True``); each thread has its own connection and closes it.
"""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

from disbursement import services
from disbursement.exceptions import InvalidInput
from disbursement.models import ConfirmationObjection
from disbursement.services import confirmation_objections as module
from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund

from .test_confirmation_objections import _on_notice
from .test_confirmation_objections import year as year  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _books(db):
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)
    cache.clear()


def _slowly(real):
    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)
        return result

    return slow


@pytest.mark.parametrize("same", ["address", "contact"])
def test_two_filings_at_once_do_not_pass_the_cap_together(
    same, people, year, settings, monkeypatch
):
    settings.OBJECTION_CAP_PER_ADDRESS = 1
    settings.OBJECTION_CAP_PER_CONTACT = 1
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    rows = [confirmation.rows.get(enrolment=e) for e in enrolments[:2]]
    # Widen the window between counting and writing: without the lock both would count 0.
    monkeypatch.setattr(module, "objection_cap_check", _slowly(module.objection_cap_check))
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def file(i: int):
        try:
            barrier.wait()
            outcomes.append(
                services.confirmation_objection_file(
                    row=rows[i],
                    contact="13900000000" if same == "contact" else f"1390000000{i}",
                    text="重复",
                    ip="10.0.0.1" if same == "address" else f"10.0.0.{i + 2}",
                )
            )
        except BaseException as exc:  # reported by the assertions below
            outcomes.append(exc)
        finally:
            connection.close()

    # when one sender files against two rows of the list at the same moment
    threads = [threading.Thread(target=file, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    # then exactly one is filed and the other refused by the cap
    assert ConfirmationObjection.objects.count() == 1, outcomes
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], InvalidInput), outcomes
