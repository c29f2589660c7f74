"""The whole story of a relief case, on SQLite and PostgreSQL: household registered -> case
filed -> three tiers approve (three different people) -> on notice (reservation visible) -> an
objection -> re-investigation -> a new notice version -> closed -> final award booked, with the
ledger verified and the fund's available amount checked at every step."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command

from approvals import selectors, services
from approvals.models import CaseHistory, CaseState, Reservation
from ledger import chart
from ledger.models import Account, Fund
from ledger.selectors import account_balance, fund_position

from .factories import fund_money, make_household


def _available(fund) -> Decimal:
    return fund_position(fund=fund)[0].available if fund_position(fund=fund) else Decimal(0)


def _position(fund):
    (pos,) = [p for p in fund_position(fund=fund) if p.currency == "CNY"]
    return pos


def _verify():
    call_command("verify_ledger", progress_every=0)  # raises CommandError on any drift


def test_whole_story(people, world, program):
    fund = Fund.objects.get(code="RELIEF")
    fund_money(5000)
    assert _position(fund).available == Decimal("5000.00")

    # given a household registered by the village case worker
    household = make_household(people.worker, world.village_a1, members=3, head_name="王建国")

    # when the case worker files and submits a case
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    assert case.state == CaseState.DRAFT
    assert case.number.startswith("RC")
    case = services.case_submit(case=case, actor=people.worker)
    # then it waits at tier 1 (village)
    assert (case.state, case.current_tier) == (CaseState.IN_REVIEW, 1)
    assert [r.case for r in selectors.reviewer_queue(people.village_rev)] == [case]
    assert selectors.reviewer_queue(people.town_rev) == []

    # when three different people approve at the three tiers
    case = services.case_approve(case=case, actor=people.village_rev, comment="属实")
    assert case.current_tier == 2
    case = services.case_approve(case=case, actor=people.town_rev)
    assert case.current_tier == 3
    case = services.case_approve(case=case, actor=people.county_rev)
    # then the case is approved, waiting for a notice; no money moved yet
    assert case.state == CaseState.APPROVED and case.current_tier is None
    assert _position(fund).available == Decimal("5000.00")
    _verify()

    # when it is put on notice in its village
    start = date.today()
    notice = services.notice_publish(
        program=program, region=world.village_a1, cycle="2026", cases=[case], actor=people.town_rev
    )
    case.refresh_from_db()
    # then the amount is reserved: available drops, nothing is booked yet
    assert case.state == CaseState.ON_NOTICE and notice.version == 1
    pos = _position(fund)
    assert (pos.reserved, pos.available, pos.awards_payable) == (
        Decimal("1000.00"),
        Decimal("4000.00"),
        Decimal("0.00"),
    )
    assert notice.ends_on == start + timedelta(days=6)  # 7 days: start + N - 1
    shown = selectors.public_notices(start)
    assert shown[0]["items"] == [
        {
            "id": notice.items.get().pk,
            "name": "王*国",
            "people": 3,
            "amount": case.amount,
            "village": "梅园一村",
        }
    ]
    _verify()

    # when someone objects and the township upholds it, re-investigating from tier 2
    objection = services.objection_file(
        notice_item=notice.items.get(), contact="13900001111", text="家中有车", ip="10.0.0.1"
    )
    assert len(objection.tracking_code) == 16
    services.objection_uphold(
        objection=objection, actor=people.town_rev, tier=2, comment="需复核车辆情况"
    )
    case.refresh_from_db()
    # then the case is under re-investigation at tier 2; the reservation is still held
    assert (case.state, case.current_tier) == (CaseState.OBJECTED, 2)
    assert _position(fund).available == Decimal("4000.00")
    assert selectors.public_notices(start)[0]["items"] == []  # taken off the notice

    # when tiers 2 and 3 approve again and it goes onto a new version of the notice
    case = services.case_approve(case=case, actor=people.town_rev, comment="车辆已过户")
    case = services.case_approve(case=case, actor=people.county_rev)
    assert case.state == CaseState.APPROVED
    notice2 = services.notice_publish(
        program=program, region=world.village_a1, cycle="2026", cases=[case], actor=people.town_rev
    )
    case.refresh_from_db()
    # then it is version 2, and the reservation was not taken twice
    assert notice2.version == 2 and case.state == CaseState.ON_NOTICE
    assert Reservation.objects.filter(case=case, active=True).count() == 1
    assert _position(fund).available == Decimal("4000.00")

    # when the notices close after their period (run twice: idempotent)
    after = notice2.ends_on + timedelta(days=1)
    call_command("close_notices", today=after)
    call_command("close_notices", today=after)
    case.refresh_from_db()

    # then the award is booked and the reservation released, exactly once
    assert case.state == CaseState.FINAL and case.award_entry is not None
    pos = _position(fund)
    assert (pos.reserved, pos.awards_payable, pos.available, pos.cash_at_bank) == (
        Decimal("0.00"),
        Decimal("1000.00"),
        Decimal("4000.00"),
        Decimal("5000.00"),
    )
    expense = Account.objects.get(code=chart.RELIEF_EXPENSE)
    assert account_balance(account=expense, fund=fund)["CNY"].amount == Decimal("1000.00")
    assert Reservation.objects.filter(case=case, active=True).count() == 0
    _verify()

    # and the history tells the whole story, with who did what at which tier
    decisions = list(
        CaseHistory.objects.filter(case=case).values_list("decision", "tier", "actor__username")
    )
    assert decisions == [
        ("file", None, "worker"),
        ("submit", None, "worker"),
        ("start_review", 1, None),
        ("approve", 1, "village_rev"),
        ("approve", 2, "town_rev"),
        ("approve", 3, "county_rev"),
        ("notice", None, "town_rev"),
        ("objection", None, None),
        ("objection_upheld", 2, "town_rev"),
        ("approve", 2, "town_rev"),
        ("approve", 3, "county_rev"),
        ("notice", None, "town_rev"),
        ("final", None, None),
    ]
