"""The home page as a to-do list per role (issue 14, point 3): what waits for the signed-in user,
each a count and a link to the list, counted only in their region, without what they made
themselves where four eyes apply; a reviewer's home shows their queue, not fund balances."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from approvals import services as approvals
from disbursement import services
from fundapp.todo import todo_items
from ledger.collection import services as collection
from tests.approvals.factories import make_household, make_staff
from tests.ledger.collection.factories import book, donate, person


def _todo(user) -> dict[str, tuple[int, str]]:
    return {i.key: (i.count, i.url) for i in todo_items(user, today=timezone.localdate())}


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_supervisor_sees_batches_and_voids_made_by_others(client, final_cases, relief, people):
    # given a batch built by the officer, and void requests asked by the officer and by "both"
    # (an officer and supervisor at once)
    services.batch_build(program=relief, actor=people.officer)
    book()
    for asker in (people.officer, people.both):
        receipt = donate(person(), "100.00").receipt
        collection.receipt_void_request(receipt=receipt, reason="开错金额", actor=asker)
    # when / then: the supervisor approves both voids and the batch
    todo = _todo(people.supervisor)
    assert todo["batches"] == (1, reverse("payouts:batches") + "?status=draft")
    assert todo["void-requests"] == (2, reverse("collection:void-requests"))
    page = _home(client, people.supervisor)
    assert 'id="todo-batches"' in page and "1 payout batch waits for your approval" in page
    assert "2 receipt voids wait for your approval" in page
    assert f'href="{reverse("payouts:batches")}?status=draft"' in page
    # "both" approves the batch, but not the void they asked themselves
    assert _todo(people.both)["void-requests"][0] == 1
    assert _todo(people.both)["batches"][0] == 1
    # the officer, who may approve neither, is not asked
    assert "batches" not in _todo(people.officer)
    assert "void-requests" not in _todo(people.officer)


def test_the_maker_of_a_batch_is_not_asked_to_approve_it(final_cases, relief, people):
    services.batch_build(program=relief, actor=people.both)
    assert "batches" not in _todo(people.both)
    assert _todo(people.supervisor)["batches"][0] == 1


def test_reviewers_see_cases_at_their_tier_in_their_region_only(
    client, relief, people, world, make_user
):
    # given a case submitted in village A1 (tier 1 is the village's), and a reviewer of
    # village B1 (beside it)
    household = make_household(people.worker, world.village_a1)
    case = approvals.case_submit(
        case=approvals.case_file(
            program=relief, household=household, cycle="2026", actor=people.worker
        ),
        actor=people.worker,
    )
    other_village_rev = make_staff(make_user, "reviewer", world.village_b1, "b1_rev")
    # then the village reviewer has it, the township and the other village do not yet
    assert _todo(people.village_rev)["cases"] == (1, reverse("approvals:queue"))
    assert "cases" not in _todo(people.town_rev)
    assert "cases" not in _todo(other_village_rev)
    page = _home(client, people.village_rev)
    assert "1 case waits for your review at your tier" in page
    # a reviewer's home is their queue, not the fund balances
    assert "Fund positions" not in page and "Cash at bank" not in page
    assert "Fund positions" in _home(client, people.officer)
    # when the village approves, the township has it and the village no more
    approvals.case_approve(case=case, actor=people.village_rev)
    assert _todo(people.town_rev)["cases"][0] == 1
    assert "cases" not in _todo(people.village_rev)


def test_approved_cases_wait_for_a_notice_and_objections_for_a_handler(
    client, relief, people, world, make_user
):
    # given a case approved by every tier in village A1
    from tests.approvals.factories import fund_money

    fund_money(10000)
    household = make_household(people.worker, world.village_a1)
    case = approvals.case_submit(
        case=approvals.case_file(
            program=relief, household=household, cycle="2026", actor=people.worker
        ),
        actor=people.worker,
    )
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = approvals.case_approve(case=case, actor=reviewer)
    town_b_rev = make_staff(make_user, "reviewer", world.town_b, "town_b_rev")
    # then township A's reviewer is asked to post it; township B's is not
    assert _todo(people.town_rev)["notices"] == (1, reverse("approvals:notice-publish"))
    assert "notices" not in _todo(town_b_rev)
    # when it is posted and someone objects
    approvals.notice_publish(
        program=relief, region=world.village_a1, cycle="2026", cases=[case], actor=people.town_rev
    )
    case.refresh_from_db()
    approvals.objection_file(
        notice_item=case.notice_items.get(), contact="13900000000", text="家庭收入不符"
    )
    # then the objection waits for the reviewers of its region, not for township B's
    assert _todo(people.town_rev)["objections"] == (1, reverse("approvals:objections"))
    assert "notices" not in _todo(people.town_rev)
    assert "objections" not in _todo(town_b_rev)
    assert "1 objection to a case waits to be handled" in _home(client, people.county_rev)


def test_a_bank_account_change_waits_for_someone_other_than_who_asked(
    final_cases, relief, people, world, make_user
):
    # given a payment pending to the household's account, the case worker changes it
    services.batch_build(program=relief, actor=people.officer)
    household = final_cases[0].household
    approvals.bank_account_change(
        household=household,
        bank_name="农村信用社",
        account="6217000000000000001",
        reason="原账户已销户",
        actor=people.worker,
    )
    town_b_rev = make_staff(make_user, "reviewer", world.town_b, "town_b_rev")
    # then a reviewer of the household's region decides it; one beside it does not see it
    assert _todo(people.county_rev)["bank-account-changes"] == (
        1,
        reverse("approvals:bank-account-changes"),
    )
    assert "bank-account-changes" not in _todo(town_b_rev)
    # a case worker asks but does not decide
    assert "bank-account-changes" not in _todo(people.worker)


def test_pledges_due_and_overdue_wait_for_finance(people):
    # given one pledge overdue, one due in three days, one far off, one overdue but paid
    today = timezone.localdate()
    donor = person("李四")
    book()

    def pledge(due: date, amount="500.00"):
        return collection.pledge_create(
            donor=donor,
            fund="RELIEF",
            amount=Money(amount, "CNY"),
            pledged_on=today - timedelta(days=60),
            due_date=due,
            actor=people.officer,
        )

    pledge(today - timedelta(days=5))
    pledge(today + timedelta(days=3))
    pledge(today + timedelta(days=30))
    paid = pledge(today - timedelta(days=10), amount="200.00")
    donate(donor, "200.00", pledge=paid)
    # then
    todo = _todo(people.officer)
    assert todo["pledges-overdue"] == (1, reverse("collection:pledges") + "?status=overdue")
    assert todo["pledges-due"] == (1, reverse("collection:pledges"))
    # a case worker is not asked about pledges
    assert "pledges-overdue" not in _todo(people.worker)


def test_cash_to_deposit_reads_only_the_newest_cash_and_agrees_with_the_full_count(people):
    # given cash received 10, 6 and 2 days ago, and one deposit covering the first and part of
    # the second
    from ledger.collection import selectors as collection_selectors
    from tests.ledger.collection.factories import key

    today = timezone.localdate()
    book()
    for days, amount in ((10, "300.00"), (6, "200.00"), (2, "100.00")):
        donate(person(), amount, method="cash", day=today - timedelta(days=days))
    collection.cash_deposit_record(
        fund="RELIEF",
        amount=Money("400.00", "CNY"),
        deposited_on=today - timedelta(days=1),
        idempotency_key=key(),
        actor=people.officer,
    )
    # when
    with CaptureQueriesContext(connection) as queries:
        cheap = collection_selectors.cash_to_deposit(today=today)
    # then: the same answer as the first-in-first-out walk over every cash line
    full = collection_selectors.cash_held(today=today)
    assert [(c.fund.code, c.currency, c.on_hand, c.oldest_undeposited) for c in cheap] == [
        (c.fund.code, c.currency, c.on_hand, c.oldest_undeposited) for c in full
    ]
    assert cheap[0].on_hand == Money("200.00", "CNY").amount
    assert cheap[0].days_held == 6
    # two queries: the stored balances, then the newest cash receipts of the one fund
    assert len(queries.captured_queries) == 2


def test_the_home_page_takes_a_bounded_number_of_queries(client, final_cases, relief, people):
    services.batch_build(program=relief, actor=people.officer)
    client.force_login(people.supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert len(queries.captured_queries) < 60


def test_nothing_waiting_says_so(client, people):
    page = _home(client, people.worker)
    assert 'id="todo-empty"' in page


def test_an_annual_confirmation_waits_for_the_tier_it_is_at(reward, people, make_households):
    # given a parent enrolled in village A1 and the cycle's confirmation prepared
    from datetime import date as day

    from .conftest import enrol

    head = make_households(1, prefix="62175555")[0].people.get(is_head=True)
    enrol(reward, head, on=day(2025, 1, 1))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    # then the village tier is asked to sign it off, linking to it; the township not yet
    assert _todo(people.village_rev)["confirmations"] == (
        1,
        reverse("payouts:confirmation", args=[confirmation.pk]),
    )
    assert "confirmations" not in _todo(people.town_rev)
    # when the village signs off, the township is asked and the village no more
    services.confirmation_signoff(confirmation=confirmation, actor=people.village_rev)
    assert _todo(people.town_rev)["confirmations"][0] == 1
    assert "confirmations" not in _todo(people.village_rev)
