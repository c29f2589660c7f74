"""A relief case made final and a cycle approved (its entitlements booked) at the same moment for the same
person (PostgreSQL only: real row locks, real concurrent connections): exactly one award results.

Both paths take the ledger's lock first, so the second reads the first's claim and refuses (the
case) or leaves the person out (the cycle); the partial unique constraint on live claims would
refuse it anyway. The test commits for real (``transaction=True``); each thread has its own
connection and closes it. pytest-django empties the tables afterwards with TRUNCATE, so the
fixture re-creates the default books that the data migration put there.
"""

import threading
import time
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from approvals import services as approvals
from approvals.exceptions import DuplicateAward
from approvals.models import AwardClaim, Case, CaseState, ClaimStatus
from approvals.services import claims as claims_module
from disbursement import services
from disbursement.models import Entitlement
from disbursement.services import entitlements as entitlements_module
from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund
from tests.approvals.factories import fund_money

from .conftest import confirm, enrol

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _books(db):
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)


def _slowly(real):
    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)
        return result

    return slow


@pytest.mark.parametrize("run", range(2))
def test_a_case_final_and_a_cycle_booked_at_once_give_one_award(
    run, people, reward, world, make_households, monkeypatch
):
    # given a parent enrolled in the reward program, the 2026 cycle open, and a reward case of
    # the same parent for 2026 whose notice has ended
    fund_money(10000, "REWARD")
    fund_money(100, "GENERAL")
    (household,) = make_households(1, prefix="62170000")
    parent = household.people.get(is_head=True)
    enrol(reward, parent, on=date(2025, 1, 1))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    # the cycle's annual confirmation is reviewed and its notice is over: only its approval
    # (by a second person, which books the entitlements) is left
    confirmation = confirm(cycle, people, approve=False)
    case = approvals.case_file(
        program=reward, household=household, actor=people.worker, cycle="2026"
    )
    case = approvals.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = approvals.case_approve(case=case, actor=reviewer)
    notice = approvals.notice_publish(
        program=reward, region=world.village_a1, cycle="2026", cases=[case], actor=people.town_rev
    )
    today = notice.ends_on + timedelta(days=1)

    # Widen both windows between reading the claims and writing, so that without the lock both
    # would read "no award yet".
    monkeypatch.setattr(claims_module, "claims_check", _slowly(claims_module.claims_check))
    monkeypatch.setattr(entitlements_module, "available", _slowly(entitlements_module.available))

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def finalise():
        try:
            barrier.wait()
            outcomes["case"] = approvals.case_finalise(case=case, today=today)
        except BaseException as exc:  # reported by the assertions below
            outcomes["case"] = exc
        finally:
            connection.close()

    def generate():
        try:
            barrier.wait()
            outcomes["cycle"] = services.confirmation_approve(
                confirmation=confirmation, actor=people.supervisor
            )
        except BaseException as exc:
            outcomes["cycle"] = exc
        finally:
            connection.close()

    # when the case is made final and the cycle approved at the same moment
    threads = [threading.Thread(target=finalise), threading.Thread(target=generate)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"

    # then exactly one award is owed to the parent, whichever came first
    assert not isinstance(outcomes["cycle"], BaseException), outcomes
    final = Case.objects.filter(pk=case.pk, state=CaseState.FINAL).count()
    ents = Entitlement.objects.filter(enrolment__person=parent).count()
    assert final + ents == 1, outcomes
    live = list(AwardClaim.objects.filter(person=parent, status=ClaimStatus.LIVE))
    assert len(live) == 1
    if final:  # the case was first: the cycle left the parent out, naming the case
        assert live[0].source == "case"
        assert outcomes["cycle"].held_count == 1 and outcomes["cycle"].created == 0
    else:  # the cycle was first: the case was refused, naming the entitlement
        assert live[0].source == "entitlement"
        assert isinstance(outcomes["case"], DuplicateAward), outcomes
        # (the thread ran in the default language: the refusal names the entitlement's cycle)
        message = str(outcomes["case"])
        assert "2026" in message and ("entitlement" in message or "应发记录" in message)
    call_command("verify_ledger", progress_every=0)
