"""Issue 11: the notice after the LAST tier of an annual confirmation follows that tier's notice
level, and a row is *continued* or *new* as its enrolment says.

* Last tier asks for a township (or village) notice: one notice per township holding rows,
  never backdated, counted as the program counts (calendar or working days); the list is on
  notice once every region's is posted; the cycle is approved only after every one has run; a
  row takes objections only while its own region's notice runs; the public sees the lists per
  region, not a county-wide one. Services, screen and API.
* Last tier asks for a county notice (or says nothing): one county-wide publication, as before.
* Continued or new: a person enrolled by a final case of an earlier cycle continues (even when
  that case, not an entitlement, paid the earlier award); a person enrolled by this cycle's case
  is new; without a case, the enrolment's date decides.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from common import workdays
from disbursement import selectors, services
from disbursement.exceptions import InvalidInput, InvalidState, NotAllowed
from disbursement.models import (
    ConfirmationNotice,
    ConfirmationStatus,
    Enrolment,
    Entitlement,
)
from tests.approvals.factories import (
    THREE_TIERS,
    fund_money,
    make_household,
    make_program,
    make_staff,
)

from .conftest import enrol, finalise
from .util import snapshot

TODAY = timezone.localdate

TOWNSHIP_LAST = [
    ("村委会", "Village committee", "village", None),
    ("乡镇", "Township", "township", None),
]


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def staff(people, make_user, world):
    """Reviewers of the second township and its village, besides the fixture's first ones."""
    people.village_b_rev = make_staff(make_user, "reviewer", world.village_b1, "village_b_rev")
    people.town_b_rev = make_staff(make_user, "reviewer", world.town_b, "town_b_rev")
    people.worker_b = make_staff(make_user, "case_worker", world.village_b1, "worker_b")
    return people


def _program(code: str, last_notice_level: str, **extra):
    program = make_program(
        code=code,
        fund="REWARD",
        category="annual_reward",
        amount_rule="per_person",
        tiers=TOWNSHIP_LAST if last_notice_level == "township" else THREE_TIERS,
        **extra,
    )
    last = program.tiers.order_by("-order").first()
    last.notice_level = last_notice_level
    last.save(update_fields=["notice_level"])
    return program


@pytest.fixture
def two_townships(staff, world):
    """Four parents enrolled before 2026: two in 梅园一村 (梅园街道), two in 新街一村
    (新街口街道); money in REWARD; returns a function opening cycle 2026 of a program."""
    cache.clear()
    fund_money(20000, "REWARD")
    heads = []
    for n, village in enumerate(
        [world.village_a1, world.village_a1, world.village_b1, world.village_b1], start=1
    ):
        household = make_household(
            staff.worker if village == world.village_a1 else staff.worker_b,
            village,
            head_name=f"李{n}华",
            bank_account=f"62175555{n:011d}",
        )
        heads.append(household.people.get(is_head=True))

    def open_cycle(program):
        for person in heads:
            enrol(program, person, on=date(2025, 6, 1))
        return services.cycle_open(program=program, code="2026", actor=staff.officer)

    return open_cycle


def _reviewed(program, cycle, people):
    """The cycle's confirmation signed off at every tier of ``program`` (both townships)."""
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    by_level = {
        "village": (people.village_rev, people.village_b_rev),
        "township": (people.town_rev, people.town_b_rev),
        "county": (people.county_rev,),
    }
    for tier in program.tiers.order_by("order"):
        for reviewer in by_level[tier.region_level]:
            confirmation = services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    assert confirmation.status == ConfirmationStatus.REVIEWED
    return confirmation


# --------------------------------------------------------------------------------------------
# the last tier asks for a township notice
# --------------------------------------------------------------------------------------------
def test_a_township_last_tier_posts_one_notice_per_township_and_the_approval_waits_for_all(
    staff, two_townships, world
):
    people = staff
    program = _program("REWARD-T", "township")
    cycle = two_townships(program)
    confirmation = _reviewed(program, cycle, people)
    assert services.notice_tier(confirmation).order == 2
    # not approvable before its notices
    with pytest.raises(InvalidState, match="reviewed and posted"):
        services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    # refused: the wrong level, another township, a backdated start — and nothing written
    before = snapshot()
    with pytest.raises(InvalidInput, match="township notice"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation, region=world.village_a1, actor=people.town_rev
        )
    with pytest.raises(NotAllowed, match="outside your region"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation, region=world.town_b, actor=people.town_rev
        )
    with pytest.raises(InvalidInput, match="never before"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation,
            region=world.town_a,
            actor=people.town_rev,
            starts_on=TODAY() - timedelta(days=1),
        )
    assert snapshot() == before
    # when 梅园街道 posts its list today
    first = services.confirmation_tier_notice_publish(
        confirmation=confirmation, region=world.town_a, actor=people.town_rev
    )
    assert (first.final, first.after_tier, first.starts_on) == (True, 2, TODAY())
    assert first.ends_on == TODAY() + timedelta(days=program.notice_days - 1)
    confirmation.refresh_from_db()
    # then the list is not on notice yet: 新街口街道 has not posted
    assert confirmation.status == ConfirmationStatus.REVIEWED
    with pytest.raises(InvalidState, match="already posted"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation, region=world.town_a, actor=people.town_rev
        )
    # when 新街口街道 posts its list three days later
    later = TODAY() + timedelta(days=3)
    second = services.confirmation_tier_notice_publish(
        confirmation=confirmation, region=world.town_b, actor=people.town_b_rev, starts_on=later
    )
    confirmation.refresh_from_db()
    # then the list is on notice, its dates spanning both; no county-wide notice
    assert confirmation.status == ConfirmationStatus.ON_NOTICE
    assert (confirmation.notice_starts_on, confirmation.notice_ends_on) == (
        TODAY(),
        second.ends_on,
    )
    assert confirmation.notice_published_on == TODAY()
    assert ConfirmationNotice.objects.filter(confirmation=confirmation, final=True).count() == 2
    # the approval waits for every township's notice: refused the day after the first ended
    after_first = first.ends_on + timedelta(days=1)
    with pytest.raises(InvalidState, match="新街口街道 until"):
        services.confirmation_approve(
            confirmation=confirmation, actor=people.supervisor, today=after_first
        )
    assert not Entitlement.objects.filter(cycle=cycle).exists()
    report = services.confirmation_approve(
        confirmation=confirmation,
        actor=people.supervisor,
        today=second.ends_on + timedelta(days=1),
    )
    assert report.created == 4


def test_rows_take_objections_only_while_their_own_townships_notice_runs(
    staff, two_townships, world
):
    people = staff
    program = _program("REWARD-T", "township")
    cycle = two_townships(program)
    confirmation = _reviewed(program, cycle, people)
    first = services.confirmation_tier_notice_publish(
        confirmation=confirmation, region=world.town_a, actor=people.town_rev
    )
    second = services.confirmation_tier_notice_publish(
        confirmation=confirmation,
        region=world.town_b,
        actor=people.town_b_rev,
        starts_on=TODAY() + timedelta(days=3),
    )
    row_a = confirmation.rows.filter(region=world.village_a1).first()
    row_b = confirmation.rows.filter(region=world.village_b1).first()
    # today only 梅园街道's notice runs
    assert services.rows_open_for_objection(confirmation) == set(
        confirmation.rows.filter(region=world.village_a1).values_list("pk", flat=True)
    )
    objection = services.confirmation_objection_file(
        row=row_a, contact="13800000000", text="此人已迁出"
    )
    assert objection.tier_notice == first
    with pytest.raises(InvalidState, match="not open for objections"):
        services.confirmation_objection_file(row=row_b, contact="13800000000", text="x")
    # after 梅园街道's notice ends, inside the span of the list's dates, only 新街一村 is open
    day = first.ends_on + timedelta(days=1)
    assert day <= second.ends_on
    with pytest.raises(InvalidState, match="not open for objections"):
        services.confirmation_objection_file(row=row_a, contact="13800000000", text="x", today=day)
    assert (
        services.confirmation_objection_file(
            row=row_b, contact="13800000000", text="x", today=day
        ).tier_notice
        == second
    )


def test_the_county_publish_posts_every_township_at_once(staff, two_townships, world):
    people = staff
    program = _program("REWARD-T", "township")
    cycle = two_townships(program)
    confirmation = _reviewed(program, cycle, people)
    # one township posted by its staff, the county posts the rest
    services.confirmation_tier_notice_publish(
        confirmation=confirmation, region=world.town_a, actor=people.town_rev
    )
    with pytest.raises(InvalidInput, match="never before"):
        services.confirmation_publish(
            confirmation=confirmation,
            actor=people.county_rev,
            starts_on=TODAY() - timedelta(days=2),
        )
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    notices = ConfirmationNotice.objects.filter(confirmation=confirmation, final=True)
    assert sorted(n.region.code for n in notices) == [world.town_a.code, world.town_b.code]
    assert confirmation.status == ConfirmationStatus.ON_NOTICE
    # publishing again is refused: it is on notice
    with pytest.raises(InvalidState):
        services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)


def test_a_village_last_tier_counts_working_days_like_every_notice(staff, two_townships, world):
    people = staff
    program = _program("REWARD-V", "village", notice_day_count="working")
    cycle = two_townships(program)
    # the last tier (county) asks for the list posted in each village
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    for reviewer in (
        people.village_rev,
        people.village_b_rev,
        people.town_rev,
        people.town_b_rev,
        people.county_rev,
    ):
        confirmation = services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    day = date(2025, 9, 26)  # a Friday before the National Day holidays
    confirmation = services.confirmation_publish(
        confirmation=confirmation, actor=people.county_rev, today=day
    )
    notices = list(ConfirmationNotice.objects.filter(confirmation=confirmation, final=True))
    assert sorted(n.region.code for n in notices) == [world.village_a1.code, world.village_b1.code]
    end = workdays.period_end(day, program.notice_days, "working")
    assert end > day + timedelta(days=program.notice_days - 1)  # the holidays do not count
    assert {(n.starts_on, n.ends_on, n.day_count) for n in notices} == {(day, end, "working")}
    assert confirmation.notice_ends_on == end


def test_the_public_sees_the_lists_per_township_not_a_county_wide_list(
    client, staff, two_townships, world
):
    people = staff
    program = _program("REWARD-T", "township")
    cycle = two_townships(program)
    confirmation = _reviewed(program, cycle, people)
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    assert not selectors.public_confirmations().filter(pk=confirmation.pk).exists()
    assert client.get(reverse("public:confirmation", args=[confirmation.pk])).status_code == 404
    notice = ConfirmationNotice.objects.get(confirmation=confirmation, region=world.town_a)
    page = _page(
        client.get(
            reverse("public:confirmation-notice", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert "the last" in page and "李1华" not in page and "李*华" in page
    assert "新街一村" not in page  # only its own township's rows
    listing = _page(client.get(reverse("public:confirmations"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "新街口街道" in listing and "梅园街道" in listing
    # the objection form offers the running rows
    form = client.get(reverse("public:confirmation-objection", args=[confirmation.pk]))
    assert form.status_code == 200 and "梅园一村" in _page(form)


def test_final_notices_through_the_screen_and_the_api(client, staff, two_townships, world):
    people = staff
    program = _program("REWARD-T", "township")
    cycle = two_townships(program)
    confirmation = _reviewed(program, cycle, people)
    client.force_login(people.town_rev)
    url = reverse("payouts:confirmation", args=[confirmation.pk])
    page = _page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "posted in each of its regions" in page and "Post the list of a region" in page
    post = reverse("payouts:confirmation-tier-notice", args=[confirmation.pk])
    bad = client.post(
        post, {"region": world.town_a.pk, "starts_on": "2000-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and "never before" in _page(bad)
    assert not ConfirmationNotice.objects.exists()
    # 梅园街道's staff cannot choose the other township
    other = client.post(post, {"region": world.town_b.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert other.status_code == 400 and not ConfirmationNotice.objects.exists()
    assert client.post(post, {"region": world.town_a.pk}).status_code == 302
    # the API: 新街口街道's reviewer posts the last township; the list is then on notice
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.town_b_rev)
    response = api.post(
        f"/api/payouts/confirmations/{confirmation.pk}/tier-notice/",
        {"region": world.town_b.code},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "on_notice"
    assert sorted((n["region"], n["final"]) for n in body["tier_notices"]) == [
        (world.town_a.code, True),
        (world.town_b.code, True),
    ]
    # the supervisor's screen refuses the approval while a notice runs, naming it
    client.force_login(people.supervisor)
    refused = client.post(
        reverse("payouts:confirmation-approve", args=[confirmation.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 409 and "every region" in _page(refused)
    page = _page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "one notice per region" in page


# --------------------------------------------------------------------------------------------
# the last tier asks for a county notice, or says nothing
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["county", ""])
def test_a_county_last_tier_publishes_once_county_wide(staff, two_townships, world, level):
    people = staff
    program = _program("REWARD-C", level)
    cycle = two_townships(program)
    confirmation = _reviewed(program, cycle, people)
    assert services.notice_tier(confirmation) is None
    with pytest.raises(InvalidState, match="asks for a notice now"):
        services.confirmation_tier_notice_publish(
            confirmation=confirmation, region=world.county, actor=people.county_rev
        )
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    assert confirmation.status == ConfirmationStatus.ON_NOTICE
    assert not ConfirmationNotice.objects.filter(confirmation=confirmation).exists()
    assert selectors.public_confirmations().filter(pk=confirmation.pk).exists()
    # every row takes objections while the county notice runs
    assert services.rows_open_for_objection(confirmation) == set(
        confirmation.rows.values_list("pk", flat=True)
    )
    with pytest.raises(InvalidState, match="on public notice until"):
        services.confirmation_approve(confirmation=confirmation, actor=people.supervisor)
    report = services.confirmation_approve(
        confirmation=confirmation,
        actor=people.supervisor,
        today=confirmation.notice_ends_on + timedelta(days=1),
    )
    assert report.created == 4


# --------------------------------------------------------------------------------------------
# continued or new follows the enrolment
# --------------------------------------------------------------------------------------------
def test_cycle_first_day():
    assert services.cycle_first_day("2026") == date(2026, 1, 1)
    assert services.cycle_first_day("2026-11") == date(2026, 11, 1)
    assert services.cycle_first_day("2026-13") is None
    assert services.cycle_first_day("第一期") is None


def test_continued_or_new_follows_the_enrolment(people, reward, world, make_households):
    # given parents enrolled by final cases: two of last year's cycle (their award paid through
    # the case, never an entitlement), one of this year's; and two enrolments without a case,
    # one made before this cycle, one within it
    fund_money(20000, "REWARD")
    households = make_households(5, prefix="62176666")
    last_year = finalise(reward, households[:2], people, world, cycle="2025")
    this_year = finalise(reward, households[2:3], people, world, cycle="2026")
    by_case = {
        e.source_case_id: e
        for e in Enrolment.objects.filter(program=reward, source_case__isnull=False)
    }
    assert len(by_case) == 3
    assert all(by_case[c.pk].enrolled_on == TODAY() for c in last_year + this_year)
    old = enrol(reward, households[3].people.get(is_head=True), on=date(2025, 12, 31))
    recent = enrol(reward, households[4].people.get(is_head=True), on=date(2026, 1, 1))
    assert not Entitlement.objects.exists()
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    # when the officer prepares cycle 2026's confirmation
    confirmation = services.confirmation_prepare(
        cycle=cycle, actor=people.officer, today=max(TODAY(), date(2026, 1, 1))
    )
    outcome = {r.enrolment_id: r.outcome for r in confirmation.rows.all()}
    # then last year's cases continue, this year's case is new, the case-less by their date
    assert outcome[by_case[last_year[0].pk].pk] == "continued"
    assert outcome[by_case[last_year[1].pk].pk] == "continued"
    assert outcome[by_case[this_year[0].pk].pk] == "new"
    assert outcome[old.pk] == "continued"
    assert outcome[recent.pk] == "new"
    assert services.confirmation_counts(confirmation) == {"continued": 3, "new": 2, "stopped": 0}


def test_a_row_paid_again_after_an_objection_keeps_continued(
    people, reward, world, make_households
):
    # given a parent enrolled by last year's case, stopped at the village tier and posted
    fund_money(20000, "REWARD")
    (household,) = make_households(1, prefix="62177777")
    (case,) = finalise(reward, [household], people, world, cycle="2025")
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirmation = services.confirmation_prepare(
        cycle=cycle, actor=people.officer, today=max(TODAY(), date(2026, 1, 1))
    )
    row = confirmation.rows.get()
    assert row.outcome == "continued"
    services.confirmation_row_stop(row=row, actor=people.village_rev, reason="外出未归")
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        confirmation = services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    # when an objection is upheld and the village tier decides to pay the row after all
    objection = services.confirmation_objection_file(
        row=row, contact="13800000000", text="本人仍在村里居住"
    )
    services.confirmation_objection_uphold(
        objection=objection, actor=people.county_rev, tier=1, comment="重新核查"
    )
    row.refresh_from_db()
    services.confirmation_row_decide(
        row=row, actor=people.village_rev, pay=True, reason="经核查本人在村"
    )
    row.refresh_from_db()
    # then it is paid as continued: last year's case enrolled the person
    assert row.outcome == "continued"
