"""Deadlines in working days (issue 11, point 7): a tier's review deadline and a program's
payment deadline, data on the tier and the program; overdue cases flagged in the queue
(selector, screen, API) and counted on the home page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import selectors, services
from approvals.models import Case, ProgramTier

from .factories import make_staff
from .test_api import API, api
from .test_views import _as


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def waiting(people, new_case):
    """A case waiting at the village tier, which has 3 working days to decide."""
    ProgramTier.objects.filter(order=1).update(review_days=3)
    return services.case_submit(case=new_case(), actor=people.worker)


def test_the_queue_flags_a_case_past_its_tier_deadline(people, waiting):
    # arrived Tuesday 30 September 2025: 3 working days are 9, 10 and 11 October (a make-up
    # Saturday), after the National Day holiday
    Case.objects.filter(pk=waiting.pk).update(tier_since=_at(date(2025, 9, 30)))
    (row,) = selectors.reviewer_queue(people.village_rev, now=_at(date(2025, 10, 11), 17))
    assert (row.due_on, row.overdue) == (date(2025, 10, 11), False)
    (row,) = selectors.reviewer_queue(people.village_rev, now=_at(date(2025, 10, 13)))
    assert (row.due_on, row.overdue) == (date(2025, 10, 11), True)
    assert (
        selectors.overdue_reviews(
            people.village_rev.staff_profile.region, today=date(2025, 10, 13)
        ).count
        == 1
    )
    assert (
        selectors.overdue_reviews(
            people.village_rev.staff_profile.region, today=date(2025, 10, 11)
        ).count
        == 0
    )


def test_a_tier_without_a_deadline_flags_nothing(people, new_case):
    case = services.case_submit(case=new_case(), actor=people.worker)
    Case.objects.filter(pk=case.pk).update(tier_since=timezone.now() - timedelta(days=300))
    (row,) = selectors.reviewer_queue(people.village_rev)
    assert (row.due_on, row.overdue) == (None, False)
    assert selectors.overdue_reviews(people.county_rev.staff_profile.region).count == 0


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_said_not_guessed(people, waiting):
    Case.objects.filter(pk=waiting.pk).update(tier_since=_at(date(2026, 12, 30)))
    (row,) = selectors.reviewer_queue(people.village_rev, now=_at(date(2027, 1, 8)))
    assert row.due_on is None and not row.overdue and "2027" in row.deadline_unknown
    counted = selectors.overdue_reviews(
        people.village_rev.staff_profile.region, today=date(2027, 1, 8)
    )
    assert counted.count == 0 and "2027" in counted.unknown


def test_the_queue_screen_and_api_show_the_deadline(client, people, waiting):
    Case.objects.filter(pk=waiting.pk).update(tier_since=timezone.now() - timedelta(days=20))
    page = _as(client, people.village_rev).get(
        reverse("approvals:queue"), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert 'class="overdue"' in html and "Cases past their tier's review deadline: 1." in html
    zh = client.get(reverse("approvals:queue"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "超过本层级审核时限的案件：1 件。" in zh and "办理期限" in zh
    (row,) = api(people.village_rev).get(f"{API}/queue/").json()["results"]
    assert row["overdue"] is True and row["due_on"] and row["deadline_unknown"] == ""
    export = client.get(reverse("approvals:queue"), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 200 and "Decide by" in export.content.decode("utf-8-sig")


def test_the_home_page_counts_overdue_reviews_and_payments(
    client, people, world, waiting, drive, new_case, make_user
):
    Case.objects.filter(pk=waiting.pk).update(tier_since=timezone.now() - timedelta(days=20))
    home = _as(client, people.county_rev).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    html = home.content.decode()
    assert 'id="overdue-reviews"' in html and "(working days): 1." in html
    # a final award unpaid 20 days after it became final, with a 5-working-day deadline
    final = drive(new_case(cycle="2027"), "final")
    final.program.payment_days = 5
    final.program.save(update_fields=["payment_days"])
    Case.objects.filter(pk=final.pk).update(final_at=timezone.now() - timedelta(days=20))
    officer = make_staff(make_user, "finance_officer", world.county, "officer")
    html = (
        _as(client, officer).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert (
        'id="overdue-payments"' in html
        and "超过项目发放时限（工作日）仍未发放的最终审定：1 笔。" in html
    )
    # not yet past it: nothing shown
    Case.objects.filter(pk=final.pk).update(final_at=timezone.now())
    html = client.get(reverse("home")).content.decode()
    assert 'id="overdue-payments"' not in html
