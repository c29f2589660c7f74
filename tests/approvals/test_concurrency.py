"""Two reviewers putting cases on notice at the same moment, when the fund holds enough for only
one of them (PostgreSQL only: real row locks, real concurrent connections).

The test commits for real (``transaction=True``); each thread has its own connection and closes
it. pytest-django empties the tables afterwards with TRUNCATE, so the fixture re-creates the
default books that the data migration put there.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from approvals import services
from approvals.exceptions import InsufficientFunds
from approvals.models import CaseState, Reservation
from approvals.services import notices as notices_service
from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund
from ledger.selectors import fund_position

from .factories import fund_money, make_household, make_program, make_staff, make_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviewers_at_once_exactly_one_succeeds(make_user, monkeypatch):
    # given a fund with 1,500 and two approved 1,000 cases of two programs paid by that fund,
    # in two townships (so no case, program or region row is shared: only the fund is)
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)
    world = make_world()
    programs = {"a": make_program(code="RELIEF_A"), "b": make_program(code="RELIEF_B")}
    fund_money(1500)
    reviewers = {}
    cases = []
    for village, town, tag in (
        (world.village_a1, world.town_a, "a"),
        (world.village_b1, world.town_b, "b"),
    ):
        worker = make_staff(make_user, "case_worker", village, f"w{tag}")
        household = make_household(worker, village, head_name=f"陈{tag}")
        case = services.case_file(
            program=programs[tag], household=household, cycle="2026", actor=worker
        )
        case = services.case_submit(case=case, actor=worker)
        for region, name in ((village, "v"), (town, "t"), (world.county, "c")):
            reviewer = make_staff(make_user, "reviewer", region, f"{name}{tag}")
            case = services.case_approve(case=case, actor=reviewer)
        reviewers[tag] = (town, make_staff(make_user, "reviewer", town, f"pub{tag}"))
        cases.append((tag, case))
    assert all(c.state == CaseState.APPROVED for _t, c in cases)

    # Widen the window between reading the fund's position and reserving, so that without the
    # posting lock both threads would read 1,500 available and both would succeed.
    real_position = notices_service.fund_position

    def slow_position(**kwargs):
        result = real_position(**kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(notices_service, "fund_position", slow_position)

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def publish(tag, case):
        try:
            town, reviewer = reviewers[tag]
            barrier.wait()
            outcomes[tag] = services.notice_publish(
                program=programs[tag], region=town, cycle="2026", cases=[case], actor=reviewer
            )
        except BaseException as exc:  # reported by the assertions below
            outcomes[tag] = exc
        finally:
            connection.close()

    # when both reviewers put their case on notice at the same moment
    threads = [threading.Thread(target=publish, args=(tag, case)) for tag, case in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"

    # then exactly one succeeded and the other got the typed error naming the available amount
    errors = [o for o in outcomes.values() if isinstance(o, BaseException)]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert isinstance(errors[0], InsufficientFunds), errors[0]
    assert "500.00" in str(errors[0])
    assert Reservation.objects.filter(active=True).count() == 1
    (pos,) = [p for p in fund_position(fund=Fund.objects.get(code="RELIEF")) if p.currency == "CNY"]
    assert (pos.reserved, pos.available) == (Decimal("1000.00"), Decimal("500.00"))
    call_command("verify_ledger", progress_every=0)
