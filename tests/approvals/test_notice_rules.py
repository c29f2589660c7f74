"""Notices that cannot be gamed (issue 11, point 6): never backdated, N days ending on
start + N − 1 counted in calendar or working days, after the tiers the program names and at
their level (county publication included), addenda with their own full period, close_notices
never early, and a public archive of every notice with what changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from approvals import selectors, services
from approvals.exceptions import InvalidInput, InvalidTransition
from approvals.models import Case, CaseState, Notice, NoticeStatus, ProgramTier, Reservation
from common.workdays import CalendarYearUnknown

from .factories import fund_money, make_household, make_program
from .test_api import API, post
from .test_views import _as


@pytest.fixture
def on_day(monkeypatch):
    """on_day(d): the services' "today" (timezone.localdate) is ``d``."""

    def set_day(day: date):
        real = timezone.localdate

        def fake(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", fake)

    return set_day


def _approved(drive, new_case, **kw):
    return drive(new_case(**kw), "approved")


def _publish(case, region, actor, **kw):
    return services.notice_publish(
        program=case.program, region=region, cycle=case.cycle, cases=[case], actor=actor, **kw
    )


def _snapshot():
    return (
        Notice.objects.count(),
        list(Case.objects.order_by("pk").values_list("state", flat=True)),
        Reservation.objects.filter(active=True).count(),
    )


# --------------------------------------------------------------------------------------------
# never backdated
# --------------------------------------------------------------------------------------------
def test_a_backdated_notice_is_refused_by_the_service(people, world, new_case, drive):
    case = _approved(drive, new_case)
    before = _snapshot()
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(InvalidInput, match="never before") as refused:
        _publish(case, world.village_a1, people.town_rev, starts_on=yesterday)
    assert yesterday.isoformat() in str(refused.value)
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        _publish(case, world.village_a1, people.town_rev, starts_on=yesterday)
    assert "不得早于" in str(refused.value)
    # thirty days back, as in the issue: refused too; nothing changed
    with pytest.raises(InvalidInput):
        _publish(case, world.village_a1, people.town_rev, starts_on=yesterday - timedelta(29))
    assert _snapshot() == before
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_a_backdated_notice_is_refused_on_the_screen_next_to_the_field(
    client, people, world, new_case, drive
):
    case = _approved(drive, new_case)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = {
        "program": case.program.pk,
        "region": world.village_a1.pk,
        "cycle": case.cycle,
        "starts_on": yesterday,
        "case": [case.pk],
    }
    response = _as(client, people.town_rev).post(
        reverse("approvals:notice-publish"), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_starts_on_errors"' in html and "never before" in html
    assert f'value="{yesterday}"' in html  # what was typed stays
    assert not Notice.objects.exists()
    # today is fine, and so is a later day
    data["starts_on"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(reverse("approvals:notice-publish"), data)
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.starts_on == timezone.localdate() + timedelta(days=1)
    assert notice.published_on == timezone.localdate()


def test_a_backdated_notice_is_refused_by_the_api_in_both_languages(people, world, new_case, drive):
    case = _approved(drive, new_case)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    body = {
        "program": case.program.code,
        "region": world.village_a1.code,
        "cycle": case.cycle,
        "cases": [case.pk],
        "starts_on": yesterday,
    }
    for language, words in (("en", "never before"), ("zh-hans", "不得早于")):
        response = post(people.town_rev, f"{API}/notices/", body, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_input"
        assert words in response.json()["message"]
    assert not Notice.objects.exists()


def test_the_database_refuses_a_notice_starting_before_its_publication(
    people, world, new_case, drive
):
    notice = _publish(_approved(drive, new_case), world.village_a1, people.town_rev)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_notice SET starts_on = %s WHERE id = %s",
            [notice.published_on - timedelta(days=30), notice.pk],
        )
    notice.refresh_from_db()
    assert notice.starts_on == notice.published_on


# --------------------------------------------------------------------------------------------
# N days, ending on start + N − 1; close_notices never early
# --------------------------------------------------------------------------------------------
def test_a_seven_day_notice_runs_seven_calendar_days(people, world, new_case, drive):
    case = _approved(drive, new_case)
    notice = _publish(case, world.village_a1, people.town_rev)
    assert (notice.period_days, notice.day_count) == (7, "calendar")
    assert notice.ends_on == notice.starts_on + timedelta(days=6)
    # on its last day it is still open: nothing final
    report = services.notices_close(today=notice.ends_on)
    case.refresh_from_db()
    assert report.notices_closed == [] and case.state == CaseState.ON_NOTICE
    # the day after, it closes and the case is final
    services.notices_close(today=notice.ends_on + timedelta(days=1))
    case.refresh_from_db()
    assert case.state == CaseState.FINAL


def test_working_days_skip_holidays_and_count_make_up_workdays(people, world, household, on_day):
    # National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked
    program = make_program(code="WORK", notice_day_count="working")
    fund_money(5000)
    on_day(date(2025, 9, 26))
    case = services.case_file(
        program=program, household=household, cycle="2025", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = services.case_approve(case=case, actor=reviewer)
    notice = _publish(case, world.village_a1, people.town_rev)
    # Fri 26, Sun 28, Mon 29, Tue 30, Thu 9, Fri 10, Sat 11 October
    assert (notice.starts_on, notice.ends_on) == (date(2025, 9, 26), date(2025, 10, 11))
    assert notice.day_count == "working"
    services.notices_close(today=date(2025, 10, 11))
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE
    services.notices_close(today=date(2025, 10, 12))
    case.refresh_from_db()
    assert case.state == CaseState.FINAL


def test_a_year_the_calendar_does_not_know_is_refused_never_guessed(
    people, world, household, on_day
):
    program = make_program(code="WORK", notice_day_count="working")
    fund_money(5000)
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = services.case_approve(case=case, actor=reviewer)
    on_day(date(2026, 12, 28))  # seven working days from here run into 2027
    before = _snapshot()
    with pytest.raises(CalendarYearUnknown, match="2027") as refused:
        _publish(case, world.village_a1, people.town_rev)
    assert refused.value.status == 409
    assert "calendar days" in str(refused.value)
    assert _snapshot() == before
    body = {
        "program": program.code,
        "region": world.village_a1.code,
        "cycle": "2026",
        "cases": [case.pk],
    }
    for language, words in (("en", "2027"), ("zh-hans", "2027 年")):
        response = post(people.town_rev, f"{API}/notices/", body, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 409
        assert response.json()["code"] == "calendar_year_unknown"
        assert words in response.json()["message"]
    assert _snapshot() == before


def test_close_notices_never_ends_a_notice_before_its_full_period(people, world, new_case, drive):
    case = _approved(drive, new_case)
    notice = _publish(case, world.village_a1, people.town_rev)
    # someone shortens the period by hand (the last day set to the first)
    Notice.objects.filter(pk=notice.pk).update(ends_on=notice.starts_on)
    report = services.notices_close(today=notice.starts_on + timedelta(days=1))
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE and report.notices_closed == []
    assert [n.pk for n, _why in report.notices_kept] == [notice.pk]
    assert notice.ends_on.isoformat() in report.notices_kept[0][1]
    services.notices_close(today=notice.ends_on)  # the seventh day: still on display
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE
    services.notices_close(today=notice.ends_on + timedelta(days=1))
    case.refresh_from_db()
    assert case.state == CaseState.FINAL


# --------------------------------------------------------------------------------------------
# after the tiers the program names, at their level; county publication
# --------------------------------------------------------------------------------------------
def test_notices_after_the_village_tier_and_at_the_county(people, world, household, make_user):
    program = make_program(code="REWARD1")
    ProgramTier.objects.filter(program=program, order=1).update(notice_level="village")
    ProgramTier.objects.filter(program=program, order=3).update(notice_level="county")
    fund_money(5000)
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    # the village approves: the case waits for the village notice before the township
    case = services.case_approve(case=case, actor=people.village_rev)
    assert (case.state, case.notice_tier, case.resume_tier) == (CaseState.APPROVED, 1, 2)
    with pytest.raises(InvalidInput, match="village notice"):
        _publish(case, world.town_a, people.town_rev)
    village_notice = _publish(case, world.village_a1, people.town_rev)
    assert (village_notice.after_tier, village_notice.leads_to_final) == (1, False)
    # closing it sends the case on to the township, its money still reserved; it is not final
    with pytest.raises(InvalidTransition):
        services.case_finalise(case=case, today=village_notice.ends_on + timedelta(days=1))
    report = services.notices_close(today=village_notice.ends_on + timedelta(days=1))
    case.refresh_from_db()
    assert [c.pk for c in report.resumed] == [case.pk] and report.finalised == []
    assert (case.state, case.current_tier, case.resume_tier) == (CaseState.IN_REVIEW, 2, None)
    assert Reservation.objects.filter(case=case, active=True).count() == 1
    # township, then county: the county publishes the confirmed list itself
    case = services.case_approve(case=case, actor=people.town_rev)
    case = services.case_approve(case=case, actor=people.county_rev)
    assert (case.state, case.notice_tier, case.resume_tier) == (CaseState.APPROVED, 3, None)
    with pytest.raises(InvalidInput, match="county notice"):
        _publish(case, world.village_a1, people.town_rev)
    county_notice = _publish(case, world.county, people.county_rev)
    assert county_notice.region == world.county and county_notice.leads_to_final
    assert Reservation.objects.filter(case=case, active=True).count() == 1  # not taken twice
    services.notices_close(today=county_notice.ends_on + timedelta(days=1))
    case.refresh_from_db()
    assert case.state == CaseState.FINAL
    decisions = list(case.history.values_list("decision", flat=True))
    assert decisions.count("notice") == 2 and "resume" in decisions


def test_the_county_can_publish_on_the_screen_and_the_api(client, people, world, new_case, drive):
    first = _approved(drive, new_case)
    response = post(
        people.county_rev,
        f"{API}/notices/",
        {
            "program": first.program.code,
            "region": world.county.code,
            "cycle": "2026",
            "cases": [first.pk],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["region"] == world.county.code
    page = _as(client, people.county_rev).get(reverse("approvals:notice-publish"))
    assert f'value="{world.county.pk}"' in page.content.decode()


# --------------------------------------------------------------------------------------------
# addenda, versions, and the archive
# --------------------------------------------------------------------------------------------
def test_cases_added_to_a_running_notice_are_an_addendum_with_their_own_period(
    people, world, funded, on_day
):
    today = timezone.localdate()
    on_day(today)
    a = make_household(people.worker, world.village_a1, head_name="张大明")
    b = make_household(people.worker, world.village_a1, head_name="李小红")

    def approved(household):
        case = services.case_file(
            program=funded, household=household, cycle="2026", actor=people.worker
        )
        case = services.case_submit(case=case, actor=people.worker)
        for reviewer in (people.village_rev, people.town_rev, people.county_rev):
            case = services.case_approve(case=case, actor=reviewer)
        return case

    first = approved(a)
    notice = _publish(first, world.village_a1, people.town_rev)
    on_day(today + timedelta(days=3))
    second = approved(b)
    addendum = _publish(second, world.village_a1, people.town_rev)
    assert (addendum.parent_id, addendum.version, addendum.addendum) == (notice.pk, 1, 1)
    assert addendum.starts_on == today + timedelta(days=3)
    assert addendum.ends_on == today + timedelta(days=9)  # its own full seven days
    # the first notice ends: its case is final; the addendum's line is still on display
    services.notices_close(today=notice.ends_on + timedelta(days=1))
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.state, second.state) == (CaseState.FINAL, CaseState.ON_NOTICE)
    shown = selectors.public_notices(notice.ends_on + timedelta(days=1))
    assert [(n["addendum"], [i["name"] for i in n["items"]]) for n in shown] == [(1, ["李*红"])]
    services.notices_close(today=addendum.ends_on + timedelta(days=1))
    second.refresh_from_db()
    assert second.state == CaseState.FINAL
    assert Notice.objects.filter(status=NoticeStatus.CLOSED).count() == 2


def test_the_archive_keeps_every_notice_with_what_changed_and_nothing_private(
    client, people, world, new_case, drive, funded
):
    # a case taken off after an objection and posted again (a new version), and an addendum
    case = drive(new_case(), "objected")
    case = services.case_approve(case=case, actor=people.town_rev)
    case = services.case_approve(case=case, actor=people.county_rev)
    other = make_household(people.worker, world.village_a1, head_name="李小红")
    extra = services.case_file(program=funded, household=other, cycle="2026", actor=people.worker)
    extra = drive(extra, "approved")
    with pytest.raises(InvalidInput, match="publish them separately"):
        services.notice_publish(
            program=funded,
            region=world.village_a1,
            cycle="2026",
            cases=[case, extra],
            actor=people.town_rev,
        )
    corrected = _publish(case, world.village_a1, people.town_rev)
    added = _publish(extra, world.village_a1, people.town_rev)
    assert (corrected.version, corrected.addendum) == (2, 0)
    assert (added.version, added.addendum, added.parent_id) == (2, 1, corrected.pk)
    services.notices_close(today=added.ends_on + timedelta(days=1))

    response = client.get(reverse("public:notice-archive"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "taken off after an objection" in html
    assert "posted again after an objection (corrected)" in html
    assert "added by this addendum" in html and "Addendum 1" in html
    assert html.count("closed") >= 3
    for secret in (
        case.household.people.get(is_head=True).id_number_plain(),
        "6228480012345678901",
        "13800000000",
        "梅园一村8号",
    ):
        assert secret not in html
    archive = selectors.public_notice_archive(program=funded.code)
    assert [(n["version"], len(n["addenda"])) for n in archive] == [(2, 1), (1, 0)]
    assert selectors.public_notice_archive(region=world.village_b1.code) == []
    assert selectors.public_notice_archive(program="NOPE") == []
    this_year = timezone.localdate().year
    assert len(selectors.public_notice_archive(year=this_year)) == 2
    assert selectors.public_notice_archive(year=this_year - 1) == []
    zh = client.get(reverse("public:notice-archive"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "公示档案" in zh.content.decode() and "异议成立后撤下" in zh.content.decode()


def test_the_archive_shows_sensitive_programs_summed_up_and_keeps_only_its_years(
    client, people, world, household, settings
):
    program = make_program(code="SENS", sensitive=True)
    fund_money(5000)
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = services.case_approve(case=case, actor=reviewer)
    notice = _publish(case, world.village_a1, people.town_rev)
    services.notices_close(today=notice.ends_on + timedelta(days=1))
    (entry,) = selectors.public_notice_archive()
    assert entry["summary_only"] and entry["items"] == [] and entry["count"] == 1
    html = client.get(reverse("public:notice-archive"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not kept public" in html
    assert "张*明" not in html and "梅园一村8号" not in html
    # older than the archive's years: no longer public
    settings.NOTICE_ARCHIVE_YEARS = 1
    shift = timedelta(days=400)
    Notice.objects.filter(pk=notice.pk).update(
        published_on=notice.published_on - shift,
        starts_on=notice.starts_on - shift,
        ends_on=notice.ends_on - shift,
    )
    assert selectors.public_notice_archive() == []
