"""Recurring programs: suspension, exit and reinstatement with reasons; a cycle's approval
(after its annual confirmation) books one entitlement per confirmed beneficiary, once; the fund
must cover it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from disbursement import selectors, services
from disbursement.exceptions import InsufficientFunds, InvalidInput, InvalidState
from disbursement.models import ConfirmationStatus, EnrolmentStatus, Entitlement
from tests.approvals.factories import fund_money

from .conftest import confirm, enrol
from .util import payable, snapshot


@pytest.fixture
def enrolled(people, reward, make_households):
    households = make_households(4, prefix="62170000")
    return [enrol(reward, h.people.get(is_head=True), on=date(2025, 1, 1)) for h in households]


def test_suspended_and_exited_beneficiaries_get_nothing(people, reward, enrolled):
    # given four beneficiaries, one suspended and one exited (death), with reasons and dates
    fund_money(10000, "REWARD")
    services.enrolment_suspend(
        enrolment=enrolled[1], reason="外出务工，待核实", on=date(2026, 1, 5), actor=people.worker
    )
    exited = services.enrolment_exit(
        enrolment=enrolled[2], reason="本人去世", on=date(2026, 1, 6), actor=people.worker
    )
    assert exited.status == EnrolmentStatus.EXITED and exited.status_reason == "本人去世"
    assert [h.to_status for h in exited.history.all()] == ["active", "exited"]

    # when the cycle is confirmed and approved
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    report = confirm(cycle, people)

    # then only the two active beneficiaries have an entitlement, at the program's amount
    assert report.created == 2 and report.total.amount == Decimal("2000.00")
    got = set(Entitlement.objects.values_list("enrolment_id", flat=True))
    assert got == {enrolled[0].pk, enrolled[3].pk}
    assert all(e.amount == reward.amount for e in Entitlement.objects.all())

    # when the suspended one is reinstated and the cycle generated again, nothing new: the
    # cycle's confirmation stopped them (suspended) and that list is what was approved
    services.enrolment_reinstate(
        enrolment=enrolled[1], reason="已核实在册", on=date(2026, 2, 1), actor=people.worker
    )
    again = services.cycle_generate(cycle=cycle, actor=people.officer)
    assert (again.created, again.already) == (0, 2)
    # and an exit is final
    with pytest.raises(InvalidState, match="cannot be reinstated"):
        services.enrolment_reinstate(enrolment=enrolled[2], reason="误报", actor=people.worker)
    assert payable("REWARD") == Decimal("2000.00")


def test_a_reason_is_required(people, enrolled):
    with pytest.raises(InvalidInput, match="The reason is required"):
        services.enrolment_exit(enrolment=enrolled[0], reason="  ", actor=people.worker)


def test_generation_is_refused_when_the_fund_cannot_cover_it(people, reward, enrolled):
    # given CNY 3,500 available and four beneficiaries at CNY 1,000
    fund_money(3500, "REWARD")
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirmation = confirm(cycle, people, approve=False)
    before = snapshot()
    # when the cycle is approved, then it is refused whole, naming the available amount
    with pytest.raises(InsufficientFunds, match="has CNY 3,500.00 available") as caught:
        services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    assert "needs CNY 4,000.00 for 4 beneficiaries" in str(caught.value)
    assert snapshot() == before and not Entitlement.objects.exists()
    confirmation.refresh_from_db()
    assert confirmation.status == ConfirmationStatus.ON_NOTICE and confirmation.approved_by is None


def test_the_command_prints_a_progress_line(people, reward, enrolled):
    import io

    from django.core.management.base import CommandError

    fund_money(10000, "REWARD")
    # before the cycle is approved the command books nothing and says why
    with pytest.raises(CommandError, match="no approved annual confirmation"):
        call_command("generate_cycle", "REWARD1", "2026", "--user", "officer")
    assert not Entitlement.objects.exists()
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people, approve=False)
    confirmation = cycle.confirmation
    # the approval books the four; the command then adds none
    services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    out = io.StringIO()
    call_command("generate_cycle", "REWARD1", "2026", "--user", "officer", stdout=out)
    text = out.getvalue()
    assert "generate_cycle" in text
    assert "cycle 2026: 0 new entitlements" in text and "(4 existed before)" in text
    assert selectors.unpaid_entitlements(program=reward).count() == 4


def test_township_or_village_staff_neither_open_nor_generate_a_cycle(
    make_user, world, people, reward
):
    # a cycle creates entitlements in every village: only county staff do it, even with the
    # permission
    from disbursement.exceptions import NotAllowed
    from disbursement.models import Cycle
    from tests.approvals.factories import make_staff

    town_officer = make_staff(make_user, "finance_officer", world.town_a, "town_officer")
    with pytest.raises(NotAllowed, match="whole county"):
        services.cycle_open(program=reward, code="2026", actor=town_officer)
    assert not Cycle.objects.exists()
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    with pytest.raises(NotAllowed, match="whole county"):
        services.cycle_generate(cycle=cycle, actor=town_officer)
    assert not Entitlement.objects.exists()
