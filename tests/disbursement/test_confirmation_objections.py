"""Issue 11: the public objects to a row of an annual confirmation's notice as to a case on
notice, and a program's notices after intermediate tiers apply to confirmations as to cases.

* A row on a running notice (a tier's, the county's, or its own re-posting) takes an objection
  from anyone (public form; tracking code; contact, name and text limits; the public look-up).
* An open objection holds the row: the cycle's approval books the others and leaves it, and the
  database refuses its entitlement (raw SQL, both engines).
* Dismissed with a reply: the next generation books it. Upheld: back at a tier chosen by the
  handler, whose reviewer decides the outcome again (stopped; or paid after a re-posting of a
  full period of its own).
* A tier whose program asks for a notice after it: its regions' rows are posted, the next tier
  signs a region off only after its notice has run.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from approvals import services as approvals
from approvals.models import ProgramTier
from disbursement import services
from disbursement.exceptions import InvalidInput, InvalidState, NotAllowed
from disbursement.models import (
    ConfirmationNotice,
    ConfirmationObjection,
    ConfirmationRow,
    ConfirmationStatus,
    Enrolment,
    Entitlement,
)
from ledger.models import AuditEvent, JournalEntry
from tests.approvals.factories import fund_money, make_staff

from .conftest import confirm, enrol
from .util import snapshot

TODAY = timezone.localdate


@pytest.fixture
def year(people, reward, make_households):
    """Four parents of village A1 enrolled in 2025 (three paid in cycle 2025, the fourth
    enrolled since), money in REWARD, cycle 2026 open."""
    cache.clear()  # the public pages' per-address limits count every earlier test's tries
    fund_money(20000, "REWARD")
    households = make_households(4, prefix="62175555")
    heads = [h.people.get(is_head=True) for h in households]
    enrolments = [enrol(reward, p, on=date(2025, 1, 1)) for p in heads[:3]]
    first = services.cycle_open(program=reward, code="2025", actor=people.officer)
    assert confirm(first, people).created == 3
    enrolments.append(enrol(reward, heads[3], on=date(2026, 1, 1)))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    return enrolments, cycle


def _on_notice(cycle, people):
    """The 2026 confirmation signed off by the three tiers and posted today (running)."""
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        confirmation = services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    return services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _file(row, **kw):
    return services.confirmation_objection_file(
        row=row, contact=kw.pop("contact", "13800000000"), text=kw.pop("text", "此人已迁出"), **kw
    )


# --------------------------------------------------------------------------------------------
# services
# --------------------------------------------------------------------------------------------
def test_an_open_objection_holds_its_row_from_the_cycles_approval(people, reward, year):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[0])
    # given an objection filed while the notice runs
    objection = _file(row, name="王五")
    assert len(objection.tracking_code) == 16 and objection.status == "open"
    assert AuditEvent.objects.filter(action="confirmation.objection").exists()
    # when the supervisor approves the cycle after the notice
    after = confirmation.notice_ends_on + timedelta(days=1)
    report = services.confirmation_approve(
        confirmation=confirmation, actor=people.supervisor, today=after
    )
    # then the other three rows are booked, the held one is not
    assert report.created == 3 and report.objection_held == 1
    booked = set(Entitlement.objects.filter(cycle=cycle).values_list("enrolment_id", flat=True))
    assert enrolments[0].pk not in booked and len(booked) == 3
    # and generating again books nothing while it is open
    assert services.cycle_generate(cycle=cycle, actor=people.officer, today=after).created == 0
    # objections are refused once the notice is over
    with pytest.raises(InvalidState, match="not open for objections"):
        _file(confirmation.rows.get(enrolment=enrolments[1]), today=after)
    # when the handler dismisses it with a reply, the next generation books the row
    with pytest.raises(InvalidInput, match="reply to the objector is required"):
        services.confirmation_objection_dismiss(
            objection=objection, actor=people.county_rev, reply=" "
        )
    services.confirmation_objection_dismiss(
        objection=objection, actor=people.county_rev, reply="经核查，此人未迁出。"
    )
    assert services.cycle_generate(cycle=cycle, actor=people.officer, today=after).created == 1
    assert Entitlement.objects.filter(cycle=cycle).count() == 4
    # handled once only
    with pytest.raises(InvalidState, match="already dismissed"):
        services.confirmation_objection_dismiss(
            objection=objection, actor=people.county_rev, reply="again"
        )


def test_objection_limits_and_who_may_handle(people, reward, year, make_user, world):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[0])
    before = ConfirmationObjection.objects.count()
    with pytest.raises(InvalidInput, match="contact you is required"):
        _file(row, contact=" ")
    with pytest.raises(InvalidInput, match="objection is required"):
        _file(row, text="")
    with pytest.raises(InvalidInput, match="too long"):
        _file(row, text="x" * 5001)
    with pytest.raises(InvalidInput):
        _file(row, name="=HYPERLINK(1)")
    assert ConfirmationObjection.objects.count() == before
    objection = _file(row)
    # a finance officer has no right to handle objections; a reviewer elsewhere sees no row
    with pytest.raises(NotAllowed):
        services.confirmation_objection_dismiss(
            objection=objection, actor=people.officer, reply="x"
        )
    other = make_staff(make_user, "reviewer", world.village_a2, "a2_rev")
    with pytest.raises(NotAllowed, match="outside your region"):
        services.confirmation_objection_dismiss(objection=objection, actor=other, reply="x")
    with pytest.raises(InvalidInput, match="one of 1, 2, 3"):
        services.confirmation_objection_uphold(
            objection=objection, actor=people.county_rev, tier=9, comment="属实"
        )
    assert ConfirmationObjection.objects.get(pk=objection.pk).status == "open"


def test_an_upheld_objection_changes_the_row_through_review(people, reward, year):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    paid_row = confirmation.rows.get(enrolment=enrolments[0])
    objection = _file(paid_row)
    # when the handler upholds it, the row goes back to the village tier and stays held
    services.confirmation_objection_uphold(
        objection=objection, actor=people.county_rev, tier=1, comment="经核实，情况属实"
    )
    paid_row.refresh_from_db()
    assert paid_row.review_tier == 1
    after = confirmation.notice_ends_on + timedelta(days=1)
    report = services.confirmation_approve(
        confirmation=confirmation, actor=people.supervisor, today=after
    )
    assert report.created == 3 and report.objection_held == 1
    # only the village reviewer of the row's region decides (not the township, not the preparer)
    with pytest.raises(NotAllowed, match="Tier 1 reviews this row again"):
        services.confirmation_row_decide(row=paid_row, actor=people.town_rev, pay=False, reason="x")
    with pytest.raises(InvalidInput, match="reason for the decision is required"):
        services.confirmation_row_decide(
            row=paid_row, actor=people.village_rev, pay=False, reason=""
        )
    # the village reviewer stops the row and exits the enrolment: applied at once (approved)
    row = services.confirmation_row_decide(
        row=paid_row,
        actor=people.village_rev,
        pay=False,
        reason="入户核查：已迁往外省",
        action="exit",
        today=after,
    )
    assert row.outcome == "stopped" and row.review_tier is None and row.changed_at
    assert Enrolment.objects.get(pk=enrolments[0].pk).status == "exited"
    assert services.cycle_generate(cycle=cycle, actor=people.officer, today=after).created == 0
    assert not Entitlement.objects.filter(cycle=cycle, enrolment=enrolments[0]).exists()
    assert AuditEvent.objects.filter(action="confirmation.row_decide").count() == 1


def test_a_row_paid_after_review_is_posted_again_before_it_is_booked(people, reward, year):
    enrolments, cycle = year
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    # the village reviewer stops a row (not a failed check: a reviewer's stop)
    row = confirmation.rows.get(enrolment=enrolments[3])
    services.confirmation_row_stop(row=row, actor=people.village_rev, reason="材料不全")
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        confirmation = services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    # the person objects to being stopped; upheld back to the township tier
    objection = _file(row, text="材料已补齐")
    services.confirmation_objection_uphold(
        objection=objection, actor=people.county_rev, tier=2, comment="材料已补齐，重新审核"
    )
    today = confirmation.notice_ends_on  # decided on the county notice's last day
    row = services.confirmation_row_decide(
        row=row, actor=people.town_rev, pay=True, reason="补齐材料，符合条件", today=today
    )
    assert row.outcome == "new" and row.reposted_on == today
    assert row.repost_ends_on == today + timedelta(days=6)
    # the re-posting takes objections too
    assert row.pk in services.rows_open_for_objection(confirmation, today)
    # approved after the county notice but while the re-posting runs: not booked yet
    after = confirmation.notice_ends_on + timedelta(days=1)
    report = services.confirmation_approve(
        confirmation=confirmation, actor=people.supervisor, today=after
    )
    assert report.created == 3 and report.objection_held == 1
    # after its own period: booked by the next generation
    later = row.repost_ends_on + timedelta(days=1)
    assert services.cycle_generate(cycle=cycle, actor=people.officer, today=later).created == 1


def test_a_failed_check_is_not_paid_by_a_reviewers_decision(people, reward, year):
    enrolments, cycle = year
    approvals.person_status_set(
        person=enrolments[0].person, status="deceased", on=date(2026, 2, 1), actor=people.worker
    )
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[0])
    objection = _file(row, text="他还活着")
    services.confirmation_objection_uphold(
        objection=objection, actor=people.county_rev, tier=1, comment="核查"
    )
    with pytest.raises(InvalidInput, match="correct the person's record first"):
        services.confirmation_row_decide(row=row, actor=people.village_rev, pay=True, reason="x")


def test_the_database_refuses_an_entitlement_for_a_held_row(people, reward, year):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[2])
    _file(row)
    after = confirmation.notice_ends_on + timedelta(days=1)
    services.confirmation_approve(confirmation=confirmation, actor=people.supervisor, today=after)
    entry = JournalEntry.objects.order_by("id").first()
    insert = (
        "INSERT INTO disbursement_entitlement (cycle_id, enrolment_id, program_id, household_id,"
        " amount, amount_currency, entry_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    values = [
        cycle.pk,
        enrolments[2].pk,
        reward.pk,
        enrolments[2].household_id,
        reward.amount.amount,
        "CNY",
        entry.pk,
        timezone.now(),
    ]
    before = snapshot(), Entitlement.objects.count()
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, values)
    assert "held by an objection" in str(caught.value)
    # the same for a row back at a tier after an upheld objection (no open objection left)
    ConfirmationObjection.objects.filter(row=row).update(
        status="upheld", reply="属实", review_tier=1, handled_at=timezone.now()
    )
    ConfirmationRow.objects.filter(pk=row.pk).update(review_tier=1)
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, values)
    assert "held by an objection" in str(caught.value)
    assert (snapshot(), Entitlement.objects.count()) == before
    assert Entitlement.objects.filter(cycle=cycle).count() == 3


# --------------------------------------------------------------------------------------------
# the public form and look-up, the staff screens, the API
# --------------------------------------------------------------------------------------------
def test_the_public_objects_through_the_form_and_follows_the_code(client, people, reward, year):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[1])
    page = _page(
        client.get(
            reverse("public:confirmation", args=[confirmation.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    url = reverse("public:confirmation-objection", args=[confirmation.pk])
    assert f"{url}?row={row.pk}" in page and "Object" in page
    # a missing contact: refused next to the field, nothing written
    response = client.post(
        url, {"row": row.pk, "contact": "", "text": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and "This field is required." in _page(response)
    assert not ConfirmationObjection.objects.exists()
    response = client.post(
        url,
        {"row": row.pk, "contact": "13900000000", "name": "", "text": "此人不符合条件"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201
    objection = ConfirmationObjection.objects.get()
    assert objection.tracking_code in _page(response)
    # the public look-up (the case objections' page) finds it and, later, the reply
    status_url = reverse("public:objection-status")
    found = client.get(status_url, {"code": objection.tracking_code}, HTTP_ACCEPT_LANGUAGE="en")
    assert found.status_code == 200 and "open" in _page(found)
    services.confirmation_objection_dismiss(
        objection=objection, actor=people.county_rev, reply="经核查符合条件"
    )
    found = client.get(status_url, {"code": objection.tracking_code}, HTTP_ACCEPT_LANGUAGE="en")
    assert "经核查符合条件" in _page(found) and "13900000000" not in _page(found)
    # after the notice, the form refuses
    with pytest.raises(InvalidState):
        _file(row, today=confirmation.notice_ends_on + timedelta(days=1))


def test_the_public_form_is_throttled(client, people, reward, year, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 10
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.first()
    url = reverse("public:confirmation-objection", args=[confirmation.pk])
    codes = [
        client.post(url, {"row": row.pk, "contact": "", "text": ""}).status_code for _ in range(11)
    ]
    assert codes[-1] == 429 and 429 not in codes[:10]


def test_a_row_not_on_notice_has_no_form(client, people, reward, year):
    enrolments, cycle = year
    confirmation = confirm(cycle, people, approve=False)  # posted a month ago: over
    row = confirmation.rows.first()
    url = reverse("public:confirmation-objection", args=[confirmation.pk])
    response = client.post(
        url, {"row": row.pk, "contact": "1", "text": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and "not open for objections" in _page(response)
    assert not ConfirmationObjection.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_staff_screens_uphold_then_decide(client, people, reward, year, language, make_user, world):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[0])
    objection = _file(row)
    client.force_login(people.county_rev)
    listing = client.get(reverse("payouts:confirmation-objections"), HTTP_ACCEPT_LANGUAGE=language)
    assert listing.status_code == 200 and objection.tracking_code in _page(listing)
    detail_url = reverse("payouts:confirmation-objection", args=[objection.pk])
    page = client.get(detail_url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200 and "13800000000" in _page(page)
    # an uphold without a finding: refused next to the field, nothing changed
    response = client.post(
        detail_url, {"decision": "uphold", "tier": 1, "comment": ""}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert ConfirmationObjection.objects.get(pk=objection.pk).status == "open"
    response = client.post(detail_url, {"decision": "uphold", "tier": 1, "comment": "属实"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.review_tier == 1
    # the village reviewer decides on the confirmation's screen
    client.force_login(people.village_rev)
    page = client.get(
        reverse("payouts:confirmation", args=[confirmation.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert f"decide-{row.pk}" in _page(page)
    response = client.post(
        reverse("payouts:confirmation-row-decide", args=[confirmation.pk, row.pk]),
        {f"d{row.pk}-pay": "stop", f"d{row.pk}-reason": "已迁出", f"d{row.pk}-action": "exit"},
    )
    assert response.status_code == 302, _page(response)
    row.refresh_from_db()
    assert row.outcome == "stopped" and row.review_tier is None
    # a person outside the row's region does not see the objection
    client.force_login(make_staff(make_user, "reviewer", world.village_a2, "a2_rev"))
    assert client.get(detail_url).status_code == 404


def test_the_api_lists_upholds_dismisses_and_decides(people, reward, year):
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    first = _file(confirmation.rows.get(enrolment=enrolments[0]))
    second = _file(confirmation.rows.get(enrolment=enrolments[1]))
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.county_rev)
    listing = api.get("/api/payouts/confirmation-objections/")
    assert listing.status_code == 200
    codes = {o["tracking_code"] for o in listing.json()["results"]}
    assert codes == {first.tracking_code, second.tracking_code}
    response = api.post(
        f"/api/payouts/confirmation-objections/{first.pk}/dismiss/", {"reply": ""}, format="json"
    )
    assert response.status_code == 400
    response = api.post(
        f"/api/payouts/confirmation-objections/{first.pk}/dismiss/",
        {"reply": "经核查不属实"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    response = api.post(
        f"/api/payouts/confirmation-objections/{second.pk}/uphold/",
        {"tier": 1, "comment": "属实"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["review_tier"] == 1
    # the village reviewer decides the row through the API
    api.force_login(people.village_rev)
    row = confirmation.rows.get(enrolment=enrolments[1])
    response = api.post(
        f"/api/payouts/confirmations/{confirmation.pk}/decide/",
        {"row": row.pk, "pay": False, "reason": "已迁出", "action": "suspend"},
        format="json",
    )
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert row.outcome == "stopped"
    # an officer may not handle objections
    api.force_login(people.officer)
    assert api.post(
        f"/api/payouts/confirmation-objections/{second.pk}/dismiss/", {"reply": "x"}, format="json"
    ).status_code in (403, 404)


# --------------------------------------------------------------------------------------------
# notices after intermediate tiers
# --------------------------------------------------------------------------------------------
def test_a_tier_that_asks_for_a_notice_holds_the_next_tier_until_it_has_run(
    client, people, reward, year, world
):
    enrolments, cycle = year
    ProgramTier.objects.filter(program=reward, order=1).update(notice_level="village")
    ProgramTier.objects.filter(program=reward, order=2).update(notice_level="township")
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    confirmation = services.confirmation_signoff(
        confirmation=confirmation, actor=people.village_rev
    )
    assert confirmation.current_tier == 2
    # the township may not sign off before the village notice is posted and has run
    with pytest.raises(InvalidState, match="asks for a public notice in"):
        services.confirmation_signoff(confirmation=confirmation, actor=people.town_rev)
    # posted at the wrong level: refused
    with pytest.raises(InvalidInput, match="village notice"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation, region=world.town_a, actor=people.town_rev
        )
    with pytest.raises(InvalidInput, match="never before"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation,
            region=world.village_a1,
            actor=people.village_rev,
            starts_on=TODAY() - timedelta(days=1),
        )
    notice = services.confirmation_tier_notice_publish(
        confirmation=confirmation, region=world.village_a1, actor=people.village_rev
    )
    assert (notice.after_tier, notice.ends_on) == (1, TODAY() + timedelta(days=6))
    with pytest.raises(InvalidState, match="already posted"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation, region=world.village_a1, actor=people.village_rev
        )
    # its rows take objections while it runs (the public page of the tier notice)
    page = _page(
        client.get(
            reverse("public:confirmation-notice", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert "张*明" in page and "Object" in page
    objection = _file(confirmation.rows.get(enrolment=enrolments[0]))
    assert objection.tier_notice == notice
    with pytest.raises(InvalidState, match="on public notice in"):
        services.confirmation_signoff(confirmation=confirmation, actor=people.town_rev)
    after = notice.ends_on + timedelta(days=1)
    confirmation = services.confirmation_signoff(
        confirmation=confirmation, actor=people.town_rev, today=after
    )
    # then the township notice, and only after it the county
    assert confirmation.current_tier == 3
    with pytest.raises(InvalidState, match="asks for a public notice"):
        services.confirmation_signoff(
            confirmation=confirmation, actor=people.county_rev, today=after
        )
    town_notice = services.confirmation_tier_notice_publish(
        confirmation=confirmation,
        region=world.town_a,
        actor=people.town_rev,
        today=after,
        starts_on=after,
    )
    later = town_notice.ends_on + timedelta(days=1)
    confirmation = services.confirmation_signoff(
        confirmation=confirmation, actor=people.county_rev, today=later
    )
    assert confirmation.status == ConfirmationStatus.REVIEWED
    assert ConfirmationNotice.objects.filter(confirmation=confirmation).count() == 2
    # the held row stays held through the approval
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    report = services.confirmation_approve(
        confirmation=confirmation,
        actor=people.supervisor,
        today=confirmation.notice_ends_on + timedelta(days=1),
    )
    assert report.objection_held == 1 and report.created == 3


def test_tier_notices_through_the_screen_and_the_api(client, people, reward, year, world):
    enrolments, cycle = year
    ProgramTier.objects.filter(program=reward, order=1).update(notice_level="village")
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    services.confirmation_signoff(confirmation=confirmation, actor=people.village_rev)
    client.force_login(people.village_rev)
    page = client.get(
        reverse("payouts:confirmation", args=[confirmation.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Post the list of" in _page(page)
    url = reverse("payouts:confirmation-tier-notice", args=[confirmation.pk])
    bad = client.post(
        url, {"region": world.village_a1.pk, "starts_on": "2000-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and "never before" in _page(bad)
    assert not ConfirmationNotice.objects.exists()
    assert client.post(url, {"region": world.village_a1.pk}).status_code == 302
    assert ConfirmationNotice.objects.count() == 1
    # the API shows the notices and refuses a second one
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.village_rev)
    response = api.post(
        f"/api/payouts/confirmations/{confirmation.pk}/tier-notice/",
        {"region": world.village_a1.code},
        format="json",
    )
    assert response.status_code == 409 and "already posted" in response.json()["message"]
    detail = api.get(f"/api/payouts/confirmations/{confirmation.pk}/").json()
    assert [n["region"] for n in detail["tier_notices"]] == [world.village_a1.code]


def test_the_approval_screen_says_which_rows_an_objection_holds(client, people, reward, year):
    enrolments, cycle = year
    confirmation = confirm(cycle, people, approve=False)  # its notice is over
    # an objection filed while it ran (the service takes the day), still open
    _file(confirmation.rows.get(enrolment=enrolments[0]), today=confirmation.notice_starts_on)
    client.force_login(people.supervisor)
    response = client.post(
        reverse("payouts:confirmation-approve", args=[confirmation.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = _page(response)
    assert "3 entitlements booked" in page
    assert "1 rows are held by objections and not booked" in page
    assert not Entitlement.objects.filter(cycle=cycle, enrolment=enrolments[0]).exists()
