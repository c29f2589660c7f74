"""Money: reservations while on notice, refusal when the fund is short (with the available
amount), release on reject/withdraw, the award booked at final, cancellation reversing it, and
the ledger verified clean throughout."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from approvals import services
from approvals.exceptions import InsufficientFunds
from approvals.models import CaseState, Reservation
from ledger import chart
from ledger.models import Account, Fund, JournalEntry
from ledger.selectors import account_balance, fund_position

from .factories import cny, fund_money, make_household


def _pos(code="RELIEF"):
    (pos,) = [p for p in fund_position(fund=Fund.objects.get(code=code)) if p.currency == "CNY"]
    return pos


def _verify():
    call_command("verify_ledger", progress_every=0)


def test_reservation_lowers_available_while_on_notice(new_case, drive):
    # given 10,000 in the fund and a 1,000 case approved
    case = drive(new_case(), "approved")
    assert _pos().available == Decimal("10000.00")
    assert not Reservation.objects.filter(case=case).exists()  # approval alone reserves nothing
    # when another case goes on notice
    case = drive(new_case(cycle="2027"), "on_notice")
    # then 1,000 is reserved and available drops by it, with nothing booked
    pos = _pos()
    assert (pos.reserved, pos.available, pos.awards_payable) == (
        Decimal("1000.00"),
        Decimal("9000.00"),
        Decimal("0.00"),
    )
    assert Reservation.objects.get(case=case, active=True).amount == cny(1000)
    _verify()


def test_not_enough_money_is_refused_with_the_available_amount(people, world, program):
    # given only 1,500 in the fund and two approved 1,000 cases
    fund_money(1500)
    cases = []
    for i in range(2):
        hh = make_household(people.worker, world.village_a1, head_name=f"李{i}军")
        case = services.case_file(program=program, household=hh, cycle="2026", actor=people.worker)
        case = services.case_submit(case=case, actor=people.worker)
        for reviewer in (people.village_rev, people.town_rev, people.county_rev):
            case = services.case_approve(case=case, actor=reviewer)
        cases.append(case)
    # when both are put on one notice, then it is refused naming the available amount...
    with pytest.raises(InsufficientFunds) as info:
        services.notice_publish(
            program=program,
            region=world.village_a1,
            cycle="2026",
            cases=cases,
            actor=people.town_rev,
        )
    assert "1,500.00" in str(info.value) or "1500.00" in str(info.value)
    # ...and nothing was published or reserved (all or nothing)
    for case in cases:
        case.refresh_from_db()
        assert case.state == CaseState.APPROVED
    assert not Reservation.objects.exists()
    # when only one goes on notice, then it fits; the second is refused with 500 available
    services.notice_publish(
        program=program,
        region=world.village_a1,
        cycle="2026",
        cases=cases[:1],
        actor=people.town_rev,
    )
    with pytest.raises(InsufficientFunds, match="500.00"):
        services.notice_publish(
            program=program,
            region=world.village_a1,
            cycle="2026",
            cases=cases[1:],
            actor=people.town_rev,
        )
    assert _pos().available == Decimal("500.00")


@pytest.mark.parametrize("how", ["reject", "withdraw"])
def test_reservation_released_on_reject_or_withdraw(how, people, new_case, drive):
    # given a case re-investigated after an objection (its reservation is held meanwhile)
    case = drive(new_case(), "objected")
    assert _pos().available == Decimal("9000.00")
    # when it is rejected or withdrawn
    if how == "reject":
        services.case_reject(case=case, actor=people.town_rev, reason="车辆未申报")
    else:
        services.case_withdraw(case=case, actor=people.worker, reason="申请人撤回")
    # then the money is available again and the reservation is kept as history
    pos = _pos()
    assert (pos.reserved, pos.available) == (Decimal("0.00"), Decimal("10000.00"))
    released = Reservation.objects.get(case=case)
    assert (released.active, released.release_reason) == (
        False,
        {"reject": "rejected", "withdraw": "withdrawn"}[how],
    )
    _verify()


def test_final_books_the_award_and_cancel_reverses_it(people, new_case, drive):
    fund = Fund.objects.get(code="RELIEF")
    expense = Account.objects.get(code=chart.RELIEF_EXPENSE)
    # given a case that became final
    case = drive(new_case(), "final")
    entry = case.award_entry
    # then the award is Dr relief expense / Cr awards payable in the program's fund
    lines = sorted((ln.account.code, ln.side, ln.amount, ln.fund.code) for ln in entry.lines.all())
    assert lines == [
        (chart.AWARDS_PAYABLE, "C", cny(1000), "RELIEF"),
        (chart.RELIEF_EXPENSE, "D", cny(1000), "RELIEF"),
    ]
    assert entry.idempotency_key == f"award:{case.pk}"
    assert (_pos().awards_payable, _pos().reserved, _pos().available) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("9000.00"),
    )
    # when the deciding tier cancels it
    case = services.case_cancel(case=case, actor=people.county_rev, reason="重复领取")
    # then a reversing entry points to the award and everything is back
    assert case.state == CaseState.CANCELLED
    assert case.cancel_entry.reverses_id == entry.pk
    assert account_balance(account=expense, fund=fund)["CNY"].amount == Decimal("0.00")
    assert (_pos().awards_payable, _pos().available) == (Decimal("0.00"), Decimal("10000.00"))
    # and the people are free for another case in this cycle
    assert not case.memberships.filter(is_open=True).exists()
    _verify()


def test_close_notices_is_idempotent_and_holds_objected_cases(people, world, program, capsys):
    fund_money(10000)
    today = date.today()
    hh1 = make_household(people.worker, world.village_a1, head_name="赵一")
    hh2 = make_household(people.worker, world.village_a1, head_name="钱二")
    cases = []
    for hh in (hh1, hh2):
        case = services.case_file(program=program, household=hh, cycle="2026", actor=people.worker)
        case = services.case_submit(case=case, actor=people.worker)
        for reviewer in (people.village_rev, people.town_rev, people.county_rev):
            case = services.case_approve(case=case, actor=reviewer)
        cases.append(case)
    notice = services.notice_publish(
        program=program, region=world.village_a1, cycle="2026", cases=cases, actor=people.town_rev
    )
    objection = services.objection_file(
        notice_item=notice.items.get(case=cases[1]), contact="王先生 13911112222", text="已有工作"
    )
    # when close_notices runs before the end, then nothing happens
    call_command("close_notices", today=today + timedelta(days=3))
    cases[0].refresh_from_db()
    assert cases[0].state == CaseState.ON_NOTICE
    # when it runs after the end, twice
    after = notice.ends_on + timedelta(days=1)
    call_command("close_notices", today=after)
    out = capsys.readouterr().out
    call_command("close_notices", today=after)
    out2 = capsys.readouterr().out
    # then the clean case is final (one award entry), the objected one is held
    for case in cases:
        case.refresh_from_db()
    assert cases[0].state == CaseState.FINAL and cases[1].state == CaseState.ON_NOTICE
    assert JournalEntry.objects.filter(idempotency_key__startswith="award:").count() == 1
    assert "1 notices closed, 1 cases final, 1 held" in out
    assert "[1/2]" in out and objection.tracking_code in out
    assert "0 notices closed, 0 cases final, 1 held" in out2
    # when the objection is dismissed with a reply, then the next run makes it final
    services.objection_dismiss(objection=objection, actor=people.town_rev, reply="经核实为临时工")
    call_command("close_notices", today=after)
    cases[1].refresh_from_db()
    assert cases[1].state == CaseState.FINAL
    assert _pos().awards_payable == Decimal("2000.00") and _pos().reserved == Decimal("0.00")
    _verify()
