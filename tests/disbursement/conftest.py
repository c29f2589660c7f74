"""Fixtures for payout tests: a small county with staff, final relief awards made through the
approvals services, a recurring reward program with enrolled beneficiaries, money in the funds,
and a bank layout. Messages are asserted in English."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from approvals import services as approvals
from approvals.models import Program
from disbursement.models import BankLayout
from tests.approvals.factories import (
    fund_money,
    make_household,
    make_program,
    make_staff,
    make_world,
)

LAYOUT = {
    "export_columns": [
        ["account", "账号"],
        ["holder", "户名"],
        ["amount", "金额"],
        ["reference", "流水号"],
        ["memo", "用途"],
    ],
    "result_columns": {
        "reference": "流水号",
        "status": "状态",
        "bank_txn_id": "银行流水号",
        "amount": "金额",
        "failure_reason": "失败原因",
        "charge": "手续费",
    },
    "paid_values": ["成功"],
    "failed_values": ["失败"],
}


@pytest.fixture(autouse=True)
def _english(db):
    # Messages are asserted in English; role permissions come from fundapp/roles.py.
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def people(make_user, world):
    return SimpleNamespace(
        worker=make_staff(make_user, "case_worker", world.village_a1, "worker"),
        village_rev=make_staff(make_user, "reviewer", world.village_a1, "village_rev"),
        town_rev=make_staff(make_user, "reviewer", world.town_a, "town_rev"),
        county_rev=make_staff(make_user, "reviewer", world.county, "county_rev"),
        officer=make_staff(make_user, "finance_officer", world.county, "officer"),
        officer2=make_staff(make_user, "finance_officer", world.county, "officer2"),
        supervisor=make_staff(make_user, "finance_supervisor", world.county, "supervisor"),
        both=make_staff(make_user, "finance_officer", world.county, "both", "finance_supervisor"),
        admin=make_staff(make_user, "administrator", world.county, "admin"),
    )


@pytest.fixture
def relief(world):
    return make_program(code="RELIEF1")


@pytest.fixture
def layout(db):
    return BankLayout.objects.create(name="农业银行", **LAYOUT)


def finalise(program: Program, households, people, world, cycle="2026"):
    """Final awards for the households, through the approvals services (file, three tiers,
    notice, close)."""
    cases = []
    for household in households:
        case = approvals.case_file(
            program=program, household=household, actor=people.worker, cycle=cycle
        )
        case = approvals.case_submit(case=case, actor=people.worker)
        for reviewer in (people.village_rev, people.town_rev, people.county_rev):
            case = approvals.case_approve(case=case, actor=reviewer)
        cases.append(case)
    notice = approvals.notice_publish(
        program=program, region=world.village_a1, cycle=cycle, cases=cases, actor=people.town_rev
    )
    approvals.notices_close(today=notice.ends_on + timedelta(days=1))
    for case in cases:
        case.refresh_from_db()
        assert case.state == "final"
    return cases


@pytest.fixture
def make_households(people, world):
    def make(n, *, prefix="62284800", **kw):
        return [
            make_household(
                people.worker,
                world.village_a1,
                head_name=f"张{i}明",
                bank_account=f"{prefix}{i:011d}",
                **kw,
            )
            for i in range(1, n + 1)
        ]

    return make


@pytest.fixture
def final_cases(relief, people, world, make_households):
    """Three final relief awards of CNY 1,000 each; the RELIEF fund has CNY 10,000 at bank, and
    GENERAL, which bears the program's bank charges, CNY 100."""
    fund_money(10000, "RELIEF")
    fund_money(100, "GENERAL")
    return finalise(relief, make_households(3), people, world)


@pytest.fixture
def reward(world):
    return make_program(
        code="REWARD1",
        fund="REWARD",
        category="annual_reward",
        amount_rule="per_person",
        amount=None,
    )


@pytest.fixture
def days_ago():
    def at(days):
        return timezone.now() - timedelta(days=days)

    return at


@pytest.fixture
def paid_batch(final_cases, relief, people, layout):
    """Three relief awards of CNY 1,000 paid by the bank in one batch built by ``officer`` and
    approved by ``supervisor``."""
    from disbursement import services
    from disbursement.models import Payment

    from .util import csv_bytes, result_rows

    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(payments)),
        filename="r.csv",
        actor=people.officer,
    )
    batch.refresh_from_db()
    return batch


@pytest.fixture
def open_recovery(paid_batch, people):
    """A recovery of CNY 600 of the batch's first payment, proposed by ``officer`` and opened
    by ``supervisor``."""
    from disbursement import services

    payment = paid_batch.payments.order_by("id").first()
    recovery = services.recovery_propose(
        payment=payment,
        amount=600,
        reason_code="not_eligible",
        reason_text="Moved out of the county before the cycle",
        idempotency_key="rc-1",
        actor=people.officer,
    )
    return services.recovery_open(
        recovery=recovery, decision_text="管委会 decided to recover", actor=people.supervisor
    )


def enrol(program: Program, person, *, on=None):
    """Test set-up: an enrolment as a final case makes it (``enrolments_from_case``), without
    running the case. No user path enrols (tests/disbursement/test_confirmation.py proves it)."""
    from disbursement.models import Enrolment, EnrolmentHistory

    on = on or timezone.localdate()
    enrolment = Enrolment.objects.create(
        program=program, person=person, household=person.household, enrolled_on=on
    )
    EnrolmentHistory.objects.create(
        enrolment=enrolment, from_status="", to_status="active", effective_date=on
    )
    return enrolment


def confirm(cycle, people, *, approve=True, today=None):
    """The cycle's annual confirmation through the services: prepared by the officer, signed
    off at the three tiers, posted a month ago (so its notice is over) and, unless ``approve``
    is false, the cycle approved by the supervisor (which books the entitlements). Returns the
    approval's report, or the confirmation when not approved."""
    from disbursement import services
    from disbursement.models import ConfirmationStatus

    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        confirmation.refresh_from_db()
        if confirmation.status != ConfirmationStatus.IN_REVIEW:
            break
        if confirmation.rows.exists():
            services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    confirmation.refresh_from_db()
    if confirmation.status == ConfirmationStatus.REVIEWED:
        posted = timezone.localdate() - timedelta(days=30)
        services.confirmation_publish(
            confirmation=confirmation, actor=people.county_rev, today=posted
        )
    if not approve:
        confirmation.refresh_from_db()
        return confirmation
    return services.confirmation_approve(
        confirmation=confirmation, actor=people.supervisor, today=today
    )
