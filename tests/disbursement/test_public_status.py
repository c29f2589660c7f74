"""The applicant sees the end (issue 11, point 9): the public status page says when the award
was paid (the bank's value date, the amount and the account's last four digits, nothing else
personal), what is under way before that, and for a recurring program the cycles paid to the
case's beneficiaries (names masked). Both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from approvals import selectors as case_selectors
from approvals.models import Person
from disbursement import services
from disbursement.models import Enrolment, Payment

from .conftest import confirm, finalise
from .util import csv_bytes, result_rows


@pytest.fixture(autouse=True)
def _no_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def one_case(relief, people, world, make_households):
    from tests.approvals.factories import fund_money

    fund_money(5000, "RELIEF")
    fund_money(100, "GENERAL")
    (case,) = finalise(relief, make_households(1), people, world)
    return case


def _ask(client, case, language="en"):
    response = client.post(
        reverse("public:case-status"),
        {"number": case.number, "code": case.lookup_code},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    return response.content.decode()


def _nothing_personal(html, case):
    household = case.household
    for person in household.people.all():
        assert person.name not in html
        assert person.id_number_plain() not in html
    assert household.bank_account_plain() not in html
    assert household.address not in html and household.phone not in html


def test_the_status_page_follows_the_money_to_the_paid_day(client, one_case, people, layout):
    case = one_case
    # final, not in a batch yet
    html = _ask(client, case)
    assert "Final; the award will be paid." in html and "not paid yet" in html
    # in a batch waiting for approval, then with the bank
    batch = services.batch_build(program=case.program, actor=people.officer)
    assert "in a payout batch waiting for approval" in _ask(client, case)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    sent_on = timezone.localdate().isoformat()
    assert f"being paid: sent to the bank on {sent_on}" in _ask(client, case)
    # the bank paid it yesterday: the page says so, with the amount and the account's last 4
    paid_on = timezone.localdate() - timedelta(days=1)
    from disbursement.models import PayoutBatch

    PayoutBatch.objects.filter(pk=batch.pk).update(exported_at=timezone.now() - timedelta(days=3))
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(Payment.objects.filter(batch=batch))),
        filename="r.csv",
        value_date=paid_on,
        actor=people.officer,
    )
    html = _ask(client, case)
    account = case.household.bank_account_plain()
    assert f"paid on {paid_on.isoformat()}: CNY 1,000.00 to the account **** {account[-4:]}" in html
    assert "Paid: nothing more to do." in html
    _nothing_personal(html, case)
    # and in Chinese
    zh = _ask(client, case, "zh-hans")
    assert f"已于 {paid_on.isoformat()} 支付" in zh and f"**** {account[-4:]}" in zh
    assert "已发放完毕" in zh
    _nothing_personal(zh, case)
    # the selector says the same to any other reader of the public status
    facts = case_selectors.case_status_public(case.number, case.lookup_code)["facts"]
    assert [f["paid_on"] for f in facts] == [paid_on]


def test_a_failed_payment_is_said_to_be_paid_again(client, one_case, people, layout):
    batch = services.batch_build(program=one_case.program, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    payments = Payment.objects.filter(batch=batch)
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed={p.reference for p in payments})),
        filename="r.csv",
        actor=people.officer,
    )
    html = _ask(client, one_case)
    assert "the bank could not pay it; it will be paid again" in html
    assert "paid on" not in html and "Final; the award will be paid." in html
    assert "账户已销户" not in html  # the bank's reason stays with the staff


def test_a_recurring_program_shows_the_cycles_paid(client, reward, people, world, layout):
    from tests.approvals.factories import fund_money, make_household

    fund_money(5000, "REWARD")
    household = make_household(
        people.worker, world.village_a1, head_name="王小红", bank_account="6217000000000000777"
    )
    # the case's award is for 2025; the final case enrols the person, who is owed each later
    # cycle once it is confirmed and approved (one award per person, program and cycle)
    (case,) = finalise(reward, [household], people, world, cycle="2025")
    person = Person.objects.get(household=household, is_head=True)
    enrolment = Enrolment.objects.get(program=reward, person=person)
    assert enrolment.source_case_id == case.pk
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)
    assert enrolment.entitlements.count() == 1
    # the case's award and the cycle's entitlement each have their row
    html = _ask(client, case)
    assert "Cycle 2026" in html and "王*红: not paid yet" in html
    # the cycle is paid
    batch = services.batch_build(program=reward, cycle="2026", actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(Payment.objects.filter(batch=batch))),
        filename="r.csv",
        actor=people.officer,
    )
    today = timezone.localdate().isoformat()
    html = _ask(client, case)
    assert f"王*红: paid on {today}" in html and "**** 0777" in html
    _nothing_personal(html, case)
    zh = _ask(client, case, "zh-hans")
    assert "2026 周期" in zh and f"王*红：已于 {today} 支付" in zh
