"""Calendar and working days (common.workdays): periods end on start + N − 1, working days
follow the official holidays with their make-up workdays, and a year the calendar does not know
is refused, never guessed."""

from datetime import date

import pytest
from django.utils import translation

from common.workdays import (
    CalendarYearUnknown,
    covered_years,
    deadline,
    is_workday,
    latest_start_overdue,
    period_end,
)

# The administrator's holiday schedule (approvals) is consulted first: it lives in the database.
pytestmark = pytest.mark.django_db


def test_a_period_of_n_calendar_days_ends_on_start_plus_n_minus_one():
    assert period_end(date(2026, 3, 2), 7, "calendar") == date(2026, 3, 8)
    assert period_end(date(2026, 3, 2), 1, "calendar") == date(2026, 3, 2)


def test_make_up_workdays_count_and_holidays_do_not():
    assert is_workday(date(2025, 9, 28))  # a Sunday worked for National Day
    assert is_workday(date(2025, 10, 11))  # a Saturday worked
    assert not is_workday(date(2025, 10, 1)) and not is_workday(date(2025, 10, 8))
    assert is_workday(date(2026, 2, 14))  # Saturday before Spring Festival 2026, worked
    # 7 working days from Friday 26 September 2025: 26, 28, 29, 30 September, 9, 10, 11 October
    assert period_end(date(2025, 9, 26), 7, "working") == date(2025, 10, 11)
    # a period starting on a holiday starts counting on the next working day
    assert period_end(date(2025, 10, 1), 1, "working") == date(2025, 10, 9)


def test_deadlines_count_working_days_after_the_start():
    assert deadline(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert deadline(date(2025, 10, 9), 3) == date(2025, 10, 13)
    assert latest_start_overdue(date(2025, 10, 14), 3) == date(2025, 10, 9)
    assert deadline(latest_start_overdue(date(2025, 10, 14), 3), 3) < date(2025, 10, 14)


def test_the_calendar_covers_the_years_the_tests_and_demo_use():
    first, last = covered_years()
    assert first <= 2004 and last >= 2026


def test_a_year_without_data_is_refused_in_both_languages():
    _first, last = covered_years()
    outside = date(last + 1, 1, 4)
    with translation.override("en"), pytest.raises(CalendarYearUnknown) as refused:
        period_end(outside, 3, "working")
    assert str(last + 1) in str(refused.value) and "calendar days" in str(refused.value)
    assert refused.value.code == "calendar_year_unknown" and refused.value.status == 409
    with translation.override("zh-hans"), pytest.raises(CalendarYearUnknown) as refused:
        deadline(date(last, 12, 30), 5)
    assert f"{last + 1} 年" in str(refused.value) and "自然日" in str(refused.value)
    # calendar days need no calendar
    assert period_end(outside, 3, "calendar") == date(last + 1, 1, 6)
