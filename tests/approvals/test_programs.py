"""Programs and filing: the fund must allow the purpose, amount rules, eligibility checks, and
de-duplication (the refusal names the other case), held in the database too."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from approvals import services
from approvals.exceptions import (
    DuplicateBeneficiary,
    InvalidInput,
    NotEligible,
    ProgramMisconfigured,
)
from approvals.models import CaseMember, Program
from approvals.services import TierSpec
from ledger.models import Fund

from .factories import cny, make_household, make_program


def test_fund_must_allow_the_programs_purpose(people):
    reward_fund = Fund.objects.get(code="REWARD")  # restricted to reward and operations
    program = Program(
        code="BAD",
        name_zh="错",
        name_en="Bad",
        category="one_off_relief",
        fund=reward_fund,
        amount_rule="per_household",
        amount=cny(100),
    )
    # the model's clean (admin) refuses it
    with pytest.raises(ValidationError, match="may not pay"):
        program.full_clean()
    # and so does the service
    admin = people.admin
    with pytest.raises(ProgramMisconfigured, match="may not pay"):
        services.program_create(
            actor=admin,
            tiers=[TierSpec("村", "Village", "village")],
            code="BAD",
            name_zh="错",
            name_en="Bad",
            category="one_off_relief",
            fund=reward_fund,
            amount_rule="per_household",
            amount=cny(100),
        )
    # a reward program on the reward fund, or anything on the unrestricted fund, is fine
    ok = services.program_create(
        actor=admin,
        tiers=[TierSpec("村", "Village", "village"), TierSpec("县", "County", "county")],
        code="OK",
        name_zh="奖扶",
        name_en="Reward",
        category="annual_reward",
        fund=reward_fund,
        amount_rule="per_person",
        amount=cny(960),
    )
    assert list(ok.tiers.values_list("order", "region_level")) == [(1, "village"), (2, "county")]
    assert ok.expense_account == "5102"


def test_program_amount_rule_held_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.create(
            code="X",
            name_zh="x",
            name_en="x",
            category="one_off_relief",
            fund=Fund.objects.get(code="RELIEF"),
            amount_rule="requested",
            cap=None,
        )


@pytest.mark.parametrize(
    ("rule", "members", "requested", "expected"),
    [
        ("per_household", 3, None, cny(1000)),
        ("per_person", 3, None, cny(3000)),
        ("requested", 3, cny("2500.50"), cny("2500.50")),
        ("requested", 3, cny(5000), cny(5000)),
    ],
)
def test_amount_rules(rule, members, requested, expected, people, world):
    program = make_program(
        code=rule.upper(),
        amount_rule=rule,
        amount=cny(1000) if rule != "requested" else None,
        cap=cny(5000) if rule == "requested" else None,
    )
    household = make_household(people.worker, world.village_a1, members=members)
    case = services.case_file(
        program=program,
        household=household,
        cycle="2026",
        actor=people.worker,
        requested_amount=requested,
    )
    assert case.amount == expected


@pytest.mark.parametrize(
    ("requested", "error", "match"),
    [
        (cny("5000.01"), NotEligible, "above the program's cap"),
        (None, InvalidInput, "give the requested amount"),
        (cny(0), InvalidInput, "above zero"),
        (cny("10.001"), InvalidInput, "two decimal places"),
    ],
)
def test_requested_amount_refused(requested, error, match, people, world, household):
    program = make_program(code="REQ", amount_rule="requested", cap=cny(5000))
    with pytest.raises(error, match=match):
        services.case_file(
            program=program,
            household=household,
            cycle="2026",
            actor=people.worker,
            requested_amount=requested,
        )


def test_eligibility_window_age_and_region(people, world, household):
    today = date(2026, 11, 5)
    closed = make_program(code="WIN", closes_on=today - timedelta(days=1))
    with pytest.raises(NotEligible, match="closed on 2026-11-04"):
        services.case_file(
            program=closed, household=household, cycle="2026", actor=people.worker, today=today
        )
    old = make_program(code="AGE", min_age=60)
    with pytest.raises(NotEligible, match="starts at age 60"):
        services.case_file(
            program=old, household=household, cycle="2026", actor=people.worker, today=today
        )
    elsewhere = make_program(code="REG")
    elsewhere.allowed_regions.set([world.town_b])
    with pytest.raises(NotEligible, match="does not cover"):
        services.case_file(
            program=elsewhere, household=household, cycle="2026", actor=people.worker, today=today
        )
    # and a case worker of another village may not file for this household
    fine = make_program(code="FINE", max_age=90)
    with pytest.raises(Exception, match="outside your region"):
        services.case_file(program=fine, household=household, cycle="2026", actor=people.worker_b)
    assert services.case_file(
        program=fine, household=household, cycle="2026", actor=people.worker, today=today
    ).number.startswith("RC202611-")


@pytest.mark.parametrize("cycle", ["26", "2026-13", "2026/11", ""])
def test_cycle_format(cycle, people, funded, household):
    with pytest.raises(InvalidInput, match="cycle"):
        services.case_file(program=funded, household=household, cycle=cycle, actor=people.worker)


def test_one_open_case_per_person_program_and_cycle(people, funded, household, new_case, drive):
    # given an open case for the household
    first = new_case()
    # when another case of the same program and cycle is filed, then refused naming the first
    with pytest.raises(DuplicateBeneficiary) as info:
        new_case()
    assert first.number in str(info.value)
    # a different cycle is fine
    assert new_case(cycle="2027").cycle == "2027"
    # when the first is rejected, then the people are free again for that cycle
    drive(first, "rejected")
    assert new_case().cycle == "2026"


def test_programs_that_exclude_each_other(people, funded, household, new_case):
    other = make_program(code="SPECIAL", category="special_assistance")
    other.excludes.add(funded)  # symmetric: funded now excludes other too
    first = new_case()
    with pytest.raises(DuplicateBeneficiary) as info:
        services.case_file(program=other, household=household, cycle="2026", actor=people.worker)
    assert first.number in str(info.value) and "excludes" in str(info.value)
    # another cycle is fine
    services.case_file(program=other, household=household, cycle="2027", actor=people.worker)


def test_database_refuses_a_second_open_membership(new_case):
    case = new_case()
    member = case.memberships.first()
    # going around the service: a second open row for the same person, program and cycle
    other = new_case(cycle="2027")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseMember.objects.filter(case=other, person=member.person).update(cycle="2026")
    # and a member that does not copy its case's program and cycle is refused by the trigger
    with pytest.raises(Exception, match="copies the program and cycle"), transaction.atomic():
        CaseMember.objects.filter(pk=member.pk).update(cycle="2030")


def test_program_without_applicable_tier_is_refused_at_submit(people, world, household):
    program = make_program(
        code="HIGH",
        amount_rule="requested",
        cap=cny(9000),
        tiers=[("县", "County", "county", cny(5000))],
    )
    case = services.case_file(
        program=program,
        household=household,
        cycle="2026",
        actor=people.worker,
        requested_amount=cny(100),
    )
    with pytest.raises(ProgramMisconfigured, match="No review tier"):
        services.case_submit(case=case, actor=people.worker)
    case.refresh_from_db()
    assert case.state == "draft"


def test_an_award_above_the_ceiling_is_refused_and_the_ceiling_is_data(people, world, household):
    """A program whose amount was mistyped (an account number in the amount) cannot make an
    absurd award; the administrator's ceiling (AmountCeiling) is what decides."""
    from ledger.exceptions import AmountTooLarge
    from ledger.models import AmountCeiling, DocumentKind

    program = make_program(code="BIG", amount_rule="requested", cap=cny("200000000"))
    with pytest.raises(AmountTooLarge, match="ceiling of 100,000,000.00"):
        services.case_file(
            program=program,
            household=household,
            cycle="2026",
            actor=people.worker,
            requested_amount=cny("100000000.01"),
        )
    assert not household.cases.exists()
    AmountCeiling.objects.create(kind=DocumentKind.AWARD, ceiling=Decimal("500"))
    with pytest.raises(AmountTooLarge, match="ceiling of 500.00"):
        services.case_file(
            program=program,
            household=household,
            cycle="2026",
            actor=people.worker,
            requested_amount=cny("500.01"),
        )
    case = services.case_file(
        program=program,
        household=household,
        cycle="2026",
        actor=people.worker,
        requested_amount=cny("500"),
    )
    assert case.amount == cny("500")


def test_a_program_names_the_fund_that_pays_its_bank_charges(people):
    # given the default books (GENERAL is the unrestricted fund)
    reward_fund = Fund.objects.get(code="REWARD")
    fields = {
        "code": "RW",
        "name_zh": "奖扶",
        "name_en": "Reward",
        "category": "annual_reward",
        "fund": reward_fund,
        "amount_rule": "per_person",
        "amount": cny(960),
    }
    tiers = [TierSpec("县", "County", "county")]
    # when a program is created without naming one, GENERAL bears its charges
    program = services.program_create(actor=people.admin, tiers=tiers, **fields)
    assert program.charges_fund.code == "GENERAL"

    # when a reward program would pay its charges out of the award money, it is refused, by the
    # service and by the model's clean (the admin)
    fields.update(code="RW2", charges_fund=reward_fund)
    with pytest.raises(ProgramMisconfigured, match="paid by finance"):
        services.program_create(actor=people.admin, tiers=tiers, **fields)
    with pytest.raises(ValidationError, match="paid by finance"):
        Program(**fields).full_clean()
    assert not Program.objects.filter(code="RW2").exists()

    # and a fund that may not pay bank charges is refused for any program
    Fund.objects.create(
        code="BUILD",
        name_zh="建",
        name_en="Build",
        restricted=True,
        purposes=["building"],
        currencies=["CNY"],
    )
    fields.update(
        code="RW3",
        category="one_off_relief",
        fund=Fund.objects.get(code="RELIEF"),
        amount_rule="per_household",
        charges_fund=Fund.objects.get(code="BUILD"),
    )
    with pytest.raises(ProgramMisconfigured, match="may not pay bank charges"):
        services.program_create(actor=people.admin, tiers=tiers, **fields)

    # a relief program may let its own fund bear them, if the administrator so names it
    fields.update(code="RW4", charges_fund=Fund.objects.get(code="RELIEF"))
    own = services.program_create(actor=people.admin, tiers=tiers, **fields)
    assert own.charges_fund.code == "RELIEF"
