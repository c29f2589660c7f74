"""Issue 11, points 3 and 4: a recurring award only through review.

* Enrolment only from a final case of the program (the case's approval enrols; idempotent;
  audited); no service, screen or API enrols anyone by hand.
* Each program's yearly application window and its eligibility day (ages counted on it).
* The annual confirmation: every enrolled person re-checked on the eligibility day, listed as
  continued / new / stopped with reasons, signed off tier by tier (a reviewer may stop a row
  first), posted publicly, then the cycle approved by a second person, which books the
  entitlements of the continued and new rows — never without that approval, also by raw SQL.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from approvals import services as approvals
from approvals.exceptions import NotEligible
from approvals.models import Case, Program
from approvals.services import PersonSpec
from disbursement import services
from disbursement.exceptions import InvalidInput, InvalidState, NotAllowed
from disbursement.models import (
    ConfirmationRow,
    ConfirmationStatus,
    Enrolment,
    EnrolmentStatus,
    Entitlement,
)
from ledger.models import AuditEvent, JournalEntry
from tests.approvals.factories import fund_money, id_number, make_household

from .conftest import confirm, enrol, finalise
from .util import payable, snapshot


def _household(people, world, *births, name="李大山"):
    """A household whose head is born on ``births[0]`` (YYYYMMDD), other members after."""
    specs = [PersonSpec(name=name, id_number=id_number(births[0]), relation="head")]
    for i, birth in enumerate(births[1:], start=1):
        specs.append(PersonSpec(name=f"李小{i}", id_number=id_number(birth), relation="child"))
    return approvals.household_register(
        region=world.village_a1,
        address="梅园一村9号",
        people=specs,
        actor=people.worker,
        bank_name="农业银行",
        bank_account="6228480000000009999",
    )


# --------------------------------------------------------------------------------------------
# point 3: enrolment only from a final case
# --------------------------------------------------------------------------------------------
def test_a_final_case_of_a_recurring_program_enrols_its_beneficiaries(
    people, reward, world, make_households
):
    fund_money(5000, "REWARD")
    household = make_households(1, prefix="62170000")[0]
    # when a reward case is made final (three tiers, a notice)
    (case,) = finalise(reward, [household], people, world, cycle="2025")
    # then its beneficiary is enrolled, the case named as the source, and it is audited
    enrolment = Enrolment.objects.get(program=reward)
    assert enrolment.source_case_id == case.pk
    assert enrolment.person == household.people.get(is_head=True)
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.created_by is None
    assert [h.to_status for h in enrolment.history.all()] == ["active"]
    assert case.number in enrolment.history.get().reason
    event = AuditEvent.objects.get(action="enrolment.create")
    assert event.data["case"] == case.number
    # and enrolling from the same case again makes nothing new
    case = Case.objects.get(pk=case.pk)
    assert services.enrolments_from_case(case) == []
    assert Enrolment.objects.count() == 1


def test_a_one_off_case_enrols_nobody_and_a_case_not_final_enrols_nobody(
    people, reward, final_cases, world, make_households
):
    assert not Enrolment.objects.exists()
    household = make_households(1, prefix="62171111")[0]
    case = approvals.case_file(
        program=reward, household=household, cycle="2026", actor=people.worker
    )
    with pytest.raises(InvalidState, match="only a final case enrols"):
        services.enrolments_from_case(case)
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("who", ["worker", "officer"])
def test_nobody_enrols_by_hand_service_screen_or_api(client, people, reward, make_households, who):
    # given a person of the actor's region and the actor allowed to manage enrolments
    person = make_households(1, prefix="62172222")[0].people.get(is_head=True)
    actor = getattr(people, who)
    assert actor.has_perm("disbursement.manage_enrolment")
    # service: there is no public entry that enrols
    assert not hasattr(services, "enrolment_create")
    # screen: the page that enrolled is gone (GET and POST)
    client.force_login(actor)
    body = {"person": person.pk, "program": reward.pk, "enrolled_on": "2026-01-01"}
    assert client.post("/payouts/enrolments/new/", body).status_code == 404
    assert client.get("/payouts/enrolments/new/").status_code == 404
    # API: the list does not take a POST
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(actor)
    response = api.post(
        "/api/payouts/enrolments/",
        {"program": reward.code, "person": person.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e-1",
    )
    assert response.status_code == 405
    assert not Enrolment.objects.exists()


def test_the_issues_first_bullet_a_14_year_old_is_neither_enrolled_nor_booked(
    client, people, world, make_user
):
    """With the reward program's minimum age at 60, one case worker enrolled a 14-year-old and
    the officer's cycle booked CNY 960 for the child. Now: filing for the child is refused
    (service, API, screen), and even an enrolment from before this rule is stopped by the
    annual confirmation, so the cycle books nothing for the child."""
    from tests.approvals.factories import cny, make_program

    reward = make_program(
        code="REWARD60",
        fund="REWARD",
        category="annual_reward",
        amount_rule="per_person",
        amount=cny(960),
        min_age=60,
        eligibility_on="12-31",
    )
    fund_money(5000, "REWARD")
    household = _household(people, world, "19600101", "20120101")
    child = household.people.get(is_head=False)
    assert child.age_on(date(2026, 6, 1)) == 14
    before = (snapshot(), Case.objects.count(), Enrolment.objects.count())
    # service
    with pytest.raises(NotEligible, match="starts at age 60"):
        approvals.case_file(
            program=reward,
            household=household,
            cycle="2026",
            members=[child],
            actor=people.worker,
        )
    # API
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.worker)
    response = api.post(
        "/api/approvals/cases/",
        {"program": reward.code, "household": household.pk, "cycle": "2026", "members": [child.pk]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="c-14",
    )
    assert response.status_code == 400, response.content
    assert "starts at age 60" in response.json()["message"]
    # screen
    client.force_login(people.worker)
    page = client.post(
        reverse("approvals:household", args=[household.pk]),
        {"program": reward.pk, "cycle": "2026", "members": [child.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 400 and "starts at age 60" in page.content.decode()
    assert (snapshot(), Case.objects.count(), Enrolment.objects.count()) == before

    # an enrolment made before the rule (by hand) is stopped by the confirmation: nothing booked
    legacy = enrol(reward, child, on=date(2025, 1, 1))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirmation = confirm(cycle, people, approve=False)
    row = ConfirmationRow.objects.get(confirmation=confirmation, enrolment=legacy)
    assert row.outcome == "stopped" and row.codes == ["age_below"]
    assert services.reason_texts(row) == ["under the program's minimum age (60) on 2026-12-31: 14"]
    report = services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    assert report.created == 0 and not Entitlement.objects.exists()
    assert payable("REWARD") == Decimal("0.00")


# --------------------------------------------------------------------------------------------
# point 3: the yearly application window and the eligibility day
# --------------------------------------------------------------------------------------------
def test_cases_are_filed_and_submitted_only_within_the_yearly_window(
    people, world, make_households
):
    from tests.approvals.factories import make_program

    program = make_program(
        code="WINDOW",
        fund="REWARD",
        category="annual_reward",
        amount_rule="per_person",
        window_opens="01-01",
        window_closes="03-31",
    )
    household = make_households(1, prefix="62173333")[0]
    with pytest.raises(NotEligible, match=r"from 01-01 – 03-31 \(month-day\); today, 2026-04-01"):
        approvals.case_file(
            program=program,
            household=household,
            cycle="2026",
            actor=people.worker,
            today=date(2026, 4, 1),
        )
    assert not Case.objects.exists()
    case = approvals.case_file(
        program=program,
        household=household,
        cycle="2026",
        actor=people.worker,
        today=date(2026, 3, 31),
    )
    # submitting after the window closed is refused too, and changes nothing
    with pytest.raises(NotEligible, match="outside that window"):
        approvals.case_submit(case=case, actor=people.worker, today=date(2026, 4, 2))
    case.refresh_from_db()
    assert case.state == "draft"
    assert approvals.case_submit(case=case, actor=people.worker, today=date(2026, 1, 5)).state == (
        "in_review"
    )


def test_a_window_may_wrap_the_new_year_and_is_validated_as_data(reward):
    reward.window_opens, reward.window_closes = "11-01", "01-31"
    assert reward.window_open_on(date(2026, 12, 15)) and reward.window_open_on(date(2027, 1, 31))
    assert not reward.window_open_on(date(2027, 2, 1))
    reward.window_opens, reward.window_closes = "", ""
    assert reward.window_open_on(date(2027, 7, 1))  # blank: always open
    # admin's clean: a day that does not exist, half a window
    for opens, closes, field in (
        ("02-30", "03-31", "window_opens"),
        ("01-01", "", "window_closes"),
    ):
        reward.window_opens, reward.window_closes = opens, closes
        with pytest.raises(ValidationError) as caught:
            reward.full_clean()
        assert field in caught.value.message_dict
    reward.window_opens = reward.window_closes = ""
    reward.eligibility_on = "12-32"
    with pytest.raises(ValidationError) as caught:
        reward.full_clean()
    assert "eligibility_on" in caught.value.message_dict
    # the database refuses half a window and a shapeless day, around the ORM
    for values in ({"window_opens": "01-01"}, {"eligibility_on": "1231"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Program.objects.filter(pk=reward.pk).update(**values)


def test_ages_are_counted_on_the_programs_eligibility_day(people, world):
    from tests.approvals.factories import make_program

    # a person born 30 June 1966 is 59 in March 2026 and 60 by 31 December 2026
    household = _household(people, world, "19660630")
    by_year_end = make_program(
        code="AGE60",
        fund="REWARD",
        category="annual_reward",
        amount_rule="per_person",
        min_age=60,
        eligibility_on="12-31",
    )
    on_the_day = make_program(
        code="AGE60D",
        fund="REWARD",
        category="annual_reward",
        amount_rule="per_person",
        min_age=60,
    )
    march = date(2026, 3, 1)
    case = approvals.case_file(
        program=by_year_end, household=household, cycle="2026", actor=people.worker, today=march
    )
    assert case.state == "draft"
    with pytest.raises(NotEligible, match="is 59 on 2026-03-01"):
        approvals.case_file(
            program=on_the_day,
            household=household,
            cycle="2026",
            actor=people.worker,
            today=march,
        )


# --------------------------------------------------------------------------------------------
# point 4: the annual confirmation and the cycle's approval
# --------------------------------------------------------------------------------------------
@pytest.fixture
def year(people, reward, make_households):
    """Four parents enrolled in 2025; cycle 2025 confirmed and paid for the first three (so
    they continue in 2026), the fourth enrolled since; money in REWARD; cycle 2026 open."""
    fund_money(20000, "REWARD")
    households = make_households(4, prefix="62174444")
    heads = [h.people.get(is_head=True) for h in households]
    enrolments = [enrol(reward, p, on=date(2025, 1, 1)) for p in heads[:3]]
    first = services.cycle_open(program=reward, code="2025", actor=people.officer)
    assert confirm(first, people).created == 3
    enrolments.append(enrol(reward, heads[3], on=date(2026, 1, 1)))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    return enrolments, cycle


def test_the_confirmation_lists_continued_new_and_stopped_with_reasons(people, reward, year):
    enrolments, cycle = year
    # given one parent deceased (recorded by the case worker) and one suspended
    approvals.person_status_set(
        person=enrolments[0].person, status="deceased", on=date(2026, 2, 1), actor=people.worker
    )
    services.enrolment_suspend(
        enrolment=enrolments[1], reason="外出务工，待核实", actor=people.worker
    )
    # when the officer prepares the confirmation
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    rows = {r.enrolment_id: r for r in confirmation.rows.all()}
    # then every enrolled person is listed with the outcome and the reasons
    assert rows[enrolments[0].pk].outcome == "stopped"
    assert rows[enrolments[0].pk].codes == ["deceased"]
    assert rows[enrolments[0].pk].stop_action == "exit"
    assert rows[enrolments[1].pk].outcome == "stopped"
    assert services.reason_texts(rows[enrolments[1].pk]) == ["enrolment suspended"]
    assert rows[enrolments[2].pk].outcome == "continued"
    assert rows[enrolments[3].pk].outcome == "new"
    assert services.confirmation_counts(confirmation) == {"continued": 1, "new": 1, "stopped": 2}
    # masked names only on the rows shown to the public
    assert rows[enrolments[2].pk].display_name == "张*明"
    assert confirmation.status == "in_review" and confirmation.current_tier == 1
    assert AuditEvent.objects.filter(action="confirmation.prepare").count() == 2  # 2025, 2026
    # preparing again returns the same list
    assert services.confirmation_prepare(cycle=cycle, actor=people.officer).pk == confirmation.pk


def test_review_publish_and_approve_by_a_second_person(people, reward, year, make_user, world):
    from tests.approvals.factories import make_staff

    enrolments, cycle = year
    approvals.person_status_set(
        person=enrolments[0].person, status="moved", on=date(2026, 2, 1), actor=people.worker
    )
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.both)
    # the wrong role, the wrong level, the preparer: refused
    with pytest.raises(NotAllowed, match="reviewed by role reviewer"):
        services.confirmation_signoff(confirmation=confirmation, actor=people.worker)
    with pytest.raises(NotAllowed, match="village level"):
        services.confirmation_signoff(confirmation=confirmation, actor=people.town_rev)
    # a village reviewer of another village has nobody there to sign off
    other = make_staff(make_user, "reviewer", world.village_a2, "other_village_rev")
    with pytest.raises(InvalidInput, match="lists nobody in"):
        services.confirmation_signoff(confirmation=confirmation, actor=other)
    # the village reviewer stops one row (a reason is required), then signs off
    row = confirmation.rows.get(enrolment=enrolments[2])
    with pytest.raises(InvalidInput, match="reason for stopping is required"):
        services.confirmation_row_stop(row=row, actor=people.village_rev, reason=" ")
    services.confirmation_row_stop(
        row=row, actor=people.village_rev, reason="入户核查：已外出多年", action="suspend"
    )
    confirmation = services.confirmation_signoff(
        confirmation=confirmation, actor=people.village_rev
    )
    assert confirmation.current_tier == 2  # the only village holding rows is signed off
    # the village tier is over: its reviewer changes no row now
    with pytest.raises(NotAllowed, match="township level"):
        services.confirmation_row_stop(row=row, actor=people.village_rev, reason="again")
    services.confirmation_signoff(confirmation=confirmation, actor=people.town_rev)
    # not posted before the last tier signs off
    with pytest.raises(InvalidState, match="posted once every tier"):
        services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    confirmation = services.confirmation_signoff(confirmation=confirmation, actor=people.county_rev)
    assert confirmation.status == ConfirmationStatus.REVIEWED
    # the notice is never backdated
    today = timezone.localdate()
    with pytest.raises(InvalidInput, match="never before"):
        services.confirmation_publish(
            confirmation=confirmation,
            actor=people.county_rev,
            starts_on=today - timedelta(days=3),
        )
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    assert confirmation.notice_starts_on == today
    assert confirmation.notice_ends_on == today + timedelta(days=6)  # 7 calendar days
    before = snapshot()
    # not approved while the notice runs, nor by the one who prepared the list
    with pytest.raises(InvalidState, match="on public notice until"):
        services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    after_notice = confirmation.notice_ends_on + timedelta(days=1)
    with pytest.raises(NotAllowed, match="a second person must approve"):
        services.confirmation_approve(
            confirmation=confirmation, actor=people.both, today=after_notice
        )
    with pytest.raises(NotAllowed):  # an officer has no right to approve a cycle
        services.confirmation_approve(
            confirmation=confirmation, actor=people.officer, today=after_notice
        )
    assert snapshot() == before and not Entitlement.objects.filter(cycle=cycle).exists()

    # when the supervisor approves after the notice
    report = services.confirmation_approve(
        confirmation=confirmation, actor=people.supervisor, today=after_notice
    )
    # then the continued and new rows are booked, the stopped ones are not, and the stops are
    # recorded on the enrolments with their reasons
    assert report.created == 2
    booked = set(Entitlement.objects.filter(cycle=cycle).values_list("enrolment_id", flat=True))
    assert booked == {enrolments[1].pk, enrolments[3].pk}
    moved = Enrolment.objects.get(pk=enrolments[0].pk)
    assert moved.status == "exited" and moved.status_reason == "moved away"
    stopped = Enrolment.objects.get(pk=enrolments[2].pk)
    assert stopped.status == "suspended" and stopped.status_reason == "入户核查：已外出多年"
    assert AuditEvent.objects.filter(action="cycle.approve").count() == 2  # 2025, 2026
    # approving twice, or generating again, books nothing new
    with pytest.raises(InvalidState, match="already approved"):
        services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    assert services.cycle_generate(cycle=cycle, actor=people.officer).created == 0
    assert Entitlement.objects.filter(cycle=cycle).count() == 2


def test_the_database_holds_the_second_person_and_the_approved_list(people, reward, year):
    enrolments, cycle = year
    confirmation = confirm(cycle, people, approve=False)
    # the approver is never the preparer, around the service
    with pytest.raises(IntegrityError), transaction.atomic():
        type(confirmation).objects.filter(pk=confirmation.pk).update(
            status="approved", approved_by=confirmation.prepared_by, approved_at=timezone.now()
        )
    # an entitlement without an approved confirmation: refused by raw SQL on both engines
    entry = JournalEntry.objects.order_by("id").first()
    insert = (
        "INSERT INTO disbursement_entitlement (cycle_id, enrolment_id, program_id, household_id,"
        " amount, amount_currency, entry_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    values = [
        cycle.pk,
        enrolments[3].pk,
        reward.pk,
        enrolments[3].household_id,
        Decimal("1000.00"),
        "CNY",
        entry.pk,
        timezone.now(),
    ]
    before = Entitlement.objects.count()
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, values)
    assert "confirmed beneficiary of an approved cycle" in str(caught.value)
    assert Entitlement.objects.count() == before
    # the approval books all four (three continued, one new)
    assert (
        services.confirmation_approve(confirmation=confirmation, actor=people.supervisor).created
        == 4
    )


# --------------------------------------------------------------------------------------------
# screens (both languages), API, the public notice and the status page
# --------------------------------------------------------------------------------------------
def _page(response) -> str:
    import html

    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Annual confirmation", "Sign off your region", "Stop this row", "continued"]),
        # (the new strings' Chinese is in TRANSLATIONS.zh.txt until the catalogue is merged;
        # here: the page renders in Chinese with the catalogue's words)
        ("zh-hans", ["救助项目", "状态", "村/社区", "状态"]),
    ],
)
def test_the_screens_run_a_confirmation_through_to_the_approval(
    client, people, reward, year, language, words
):
    enrolments, cycle = year
    lang = {"HTTP_ACCEPT_LANGUAGE": language}
    # the officer prepares the list on the screen
    client.force_login(people.officer)
    response = client.post(reverse("payouts:confirmation-prepare"), {"cycle": cycle.pk}, **lang)
    assert response.status_code == 302
    confirmation = cycle.__class__.objects.get(pk=cycle.pk).confirmation
    url = reverse("payouts:confirmation", args=[confirmation.pk])
    # the village reviewer sees the rows of the village, stops one (the reason is required and
    # its error stands next to the field), and signs off
    client.force_login(people.village_rev)
    page = _page(client.get(url, **lang))
    assert all(w in page for w in words[:3]), page
    row = confirmation.rows.get(enrolment=enrolments[0])
    stop = reverse("payouts:confirmation-row-stop", args=[confirmation.pk, row.pk])
    prefix = f"row{row.pk}"
    response = client.post(stop, {f"{prefix}-reason": " ", f"{prefix}-action": "exit"}, **lang)
    assert response.status_code == 400 and f'id="id_{prefix}-reason_errors"' in _page(response)
    response = client.post(
        stop, {f"{prefix}-reason": "本人已去世", f"{prefix}-action": "exit"}, **lang
    )
    assert response.status_code == 302
    assert client.post(reverse("payouts:confirmation-signoff", args=[confirmation.pk]), **lang)
    for reviewer in (people.town_rev, people.county_rev):
        client.force_login(reviewer)
        response = client.post(reverse("payouts:confirmation-signoff", args=[confirmation.pk]))
        assert response.status_code == 302
    # publishing a backdated notice is refused on the page; today is accepted
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("payouts:confirmation-publish", args=[confirmation.pk]),
        {"starts_on": yesterday},
        **lang,
    )
    assert response.status_code == 400
    response = client.post(reverse("payouts:confirmation-publish", args=[confirmation.pk]))
    assert response.status_code == 302
    # the supervisor's approval waits for the notice to end: refused on the page now
    client.force_login(people.supervisor)
    response = client.post(reverse("payouts:confirmation-approve", args=[confirmation.pk]), **lang)
    assert response.status_code == 409
    assert not Entitlement.objects.filter(cycle=cycle).exists()
    page = _page(client.get(url, **lang))
    assert words[3] in page and 'id="confirmation-approve"' in page, page
    # an officer may not approve (permission) and a worker may not see the list
    client.force_login(people.officer)
    approve = reverse("payouts:confirmation-approve", args=[confirmation.pk])
    assert client.post(approve).status_code == 403
    client.force_login(people.worker)
    assert client.get(url).status_code == 403


def test_the_api_runs_a_confirmation_and_refuses_the_preparer(people, reward, year):
    enrolments, cycle = year

    def api(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    base = "/api/payouts/confirmations/"
    # a township officer may not prepare; the county officer may, twice gives the same list
    response = api(people.officer).post(base, {"cycle": cycle.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counts"] == {"continued": 3, "new": 1, "stopped": 0}
    assert len(body["rows"]) == 4 and body["status"] == "in_review"
    again = api(people.officer).post(base, {"cycle": cycle.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    detail = f"{base}{body['id']}/"
    # stop one row (reason required), then sign off at each tier
    row = body["rows"][0]["id"]
    bad = api(people.village_rev).post(f"{detail}stop/", {"row": row, "reason": ""}, format="json")
    assert bad.status_code == 400
    stopped = api(people.village_rev).post(
        f"{detail}stop/", {"row": row, "reason": "迁出", "action": "exit"}, format="json"
    )
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["counts"]["stopped"] == 1
    # the worker has no business here
    assert api(people.worker).post(f"{detail}signoff/", {}, format="json").status_code == 403
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        response = api(reviewer).post(f"{detail}signoff/", {}, format="json")
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "reviewed"
    published = api(people.county_rev).post(f"{detail}publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "on_notice"
    # approval during the notice: 409; by an officer: 403
    early = api(people.supervisor).post(f"{detail}approve/", {}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "invalid_state"
    assert api(people.officer).post(f"{detail}approve/", {}, format="json").status_code == 403
    # once the notice is over, the supervisor approves: the three others are booked
    confirmation = cycle.confirmation
    type(confirmation).objects.filter(pk=confirmation.pk).update(
        notice_published_on=timezone.localdate() - timedelta(days=20),
        notice_starts_on=timezone.localdate() - timedelta(days=20),
        notice_ends_on=timezone.localdate() - timedelta(days=14),
    )
    approved = api(people.supervisor).post(f"{detail}approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert Entitlement.objects.filter(cycle=cycle).count() == 3
    twice = api(people.supervisor).post(f"{detail}approve/", {}, format="json")
    assert twice.status_code == 409 and Entitlement.objects.filter(cycle=cycle).count() == 3


def test_the_preparer_cannot_approve_through_the_api(people, reward, year):
    enrolments, cycle = year
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.both)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    services.confirmation_publish(
        confirmation=confirmation,
        actor=people.county_rev,
        today=timezone.localdate() - timedelta(days=30),
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people.both)
    response = client.post(
        f"/api/payouts/confirmations/{confirmation.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert "a second person must approve" in response.json()["message"]
    assert not Entitlement.objects.filter(cycle=cycle).exists()


def test_the_public_notice_shows_masked_names_and_outcomes_only(client, people, reward, year):
    enrolments, cycle = year
    approvals.person_status_set(
        person=enrolments[0].person, status="deceased", on=date(2026, 2, 1), actor=people.worker
    )
    confirmation = confirm(cycle, people, approve=False)
    # posted (its notice run): listed publicly
    page = _page(client.get(reverse("public:confirmations"), HTTP_ACCEPT_LANGUAGE="en"))
    assert cycle.code in page
    html_en = _page(
        client.get(
            reverse("public:confirmation", args=[confirmation.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert "张*明" in html_en and "stopped" in html_en and "continued" in html_en
    html_zh = _page(
        client.get(
            reverse("public:confirmation", args=[confirmation.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    )
    assert "村/社区" in html_zh  # rendered in Chinese (the catalogue's words)
    for html_text in (html_en, html_zh):
        for enrolment in enrolments:
            person = enrolment.person
            assert person.name not in html_text
            assert person.id_number_plain() not in html_text
            assert person.household.address not in html_text
        assert "deceased" not in html_text and "去世" not in html_text  # reasons stay inside


def test_a_confirmation_not_posted_is_not_public(client, people, reward, year):
    enrolments, cycle = year
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    response = client.get(reverse("public:confirmation", args=[confirmation.pk]))
    assert response.status_code == 404


def test_the_status_page_shows_the_annual_confirmation_outcome(client, people, reward, world):
    from django.core.cache import cache

    cache.clear()  # the look-up's per-address limit counts every earlier test's tries
    fund_money(5000, "REWARD")
    household = make_household(
        people.worker, world.village_a1, head_name="王小红", bank_account="6217000000000000778"
    )
    (case,) = finalise(reward, [household], people, world, cycle="2025")
    head = household.people.get(is_head=True)
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)

    def ask(language):
        response = client.post(
            reverse("public:case-status"),
            {"number": case.number, "code": case.lookup_code},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 200
        return _page(response)

    html_en = ask("en")
    assert "Annual confirmation 2026" in html_en
    # last year's case enrolled her: she continues (issue 11: continued follows the enrolment)
    assert "王*红: confirmed: the award continues this year" in html_en
    assert "王小红" not in html_en and head.id_number_plain() not in html_en
    html_zh = ask("zh-hans")
    assert "2026" in html_zh and "王*红" in html_zh and "王小红" not in html_zh
    # a stopped beneficiary's next year says so, without the reason
    approvals.person_status_set(
        person=head, status="moved", on=date(2026, 12, 1), actor=people.worker
    )
    later = services.cycle_open(program=reward, code="2027", actor=people.officer)
    confirm(later, people, approve=False)
    html_en = ask("en")
    assert "Annual confirmation 2027" in html_en
    assert "王*红: not confirmed: no award this year" in html_en
    assert "moved" not in html_en


def test_a_case_worker_records_a_death_on_the_household_screen(client, people, world):
    household = _household(people, world, "19600101")
    head = household.people.get()
    url = reverse("approvals:person-status", args=[household.pk, head.pk])
    client.force_login(people.worker)
    # a death without its day is refused next to the field, nothing changes
    response = client.post(
        url, {f"p{head.pk}-status": "deceased", f"p{head.pk}-on": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Give the day from which it holds." in _page(response)
    head.refresh_from_db()
    assert head.status == "living"
    # with the day it is recorded and audited
    response = client.post(url, {f"p{head.pk}-status": "deceased", f"p{head.pk}-on": "2026-02-01"})
    assert response.status_code == 302
    head.refresh_from_db()
    assert (head.status, head.status_date) == ("deceased", date(2026, 2, 1))
    assert AuditEvent.objects.filter(action="person.status").count() == 1
    # a reviewer (no right to change households) may not
    client.force_login(people.county_rev)
    assert client.post(url, {f"p{head.pk}-status": "living"}).status_code == 403
    # the database holds that a deceased or moved person has the day
    from approvals.models import Person

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=head.pk).update(status_date=None)
