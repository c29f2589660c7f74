"""Calendar and working days in China, for notice periods and deadlines.

Working days follow the State Council's yearly holiday schedule, make-up workdays included (a
Saturday or Sunday worked in exchange for a longer holiday is a working day; a weekday inside a
holiday is not), as kept by the maintained ``chinesecalendar`` package. Its data covers the
years the schedule has been published for (``covered_years()``, 2004–2026 in version 1.11). A
date outside them is refused with ``CalendarYearUnknown`` naming the year, never guessed: the
next year's schedule is published each November, and ``pip install -U chinesecalendar`` brings
it in. Until then a program can count its notices in calendar days.

Two counts, used throughout:

* a **period** of N days starting on ``start`` (a public notice) ends on ``period_end``: with
  calendar days, ``start + N − 1``; with working days, the N-th working day counted from
  ``start`` itself (``start`` counts when it is a working day);
* a **deadline** of N working days from ``start`` (the day a case reached a tier, or became
  final) is ``deadline(start, N)``: the N-th working day *after* ``start``; a case is overdue
  from the day after it.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import FundError


class DayCount(models.TextChoices):
    CALENDAR = "calendar", gettext_lazy("calendar days")
    WORKING = "working", gettext_lazy("working days")


class CalendarYearUnknown(FundError):
    code = "calendar_year_unknown"
    default_message = gettext_lazy("The working-day calendar does not cover this year yet.")


def covered_years() -> tuple[int, int]:
    """The first and last year the installed calendar knows."""
    known = [*chinese_calendar.constants.holidays, *chinese_calendar.constants.workdays]
    return min(known).year, max(known).year


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day in China (make-up workdays included)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        first, last = covered_years()
        raise CalendarYearUnknown(
            _(
                "The working-day calendar knows the official holidays of %(first)s to %(last)s "
                "only, not of %(year)s, so a count of working days into %(year)s cannot be made. "
                "Ask the administrator to update the calendar (chinesecalendar) once the "
                "holidays of %(year)s are published, or count in calendar days."
            )
            % {"first": first, "last": last, "year": day.year},
            year=day.year,
        ) from exc


def period_end(start: date, days: int, count: str) -> date:
    """The last day of a period of ``days`` days that starts on ``start``."""
    if days < 1:
        raise ValueError("a period has at least one day")
    if count == DayCount.CALENDAR:
        return start + timedelta(days=days - 1)
    day, seen = start, 0
    while True:
        if is_workday(day):
            seen += 1
            if seen == days:
                return day
        day += timedelta(days=1)


def deadline(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
    if days < 1:
        raise ValueError("a deadline has at least one working day")
    return period_end(start + timedelta(days=1), days, DayCount.WORKING)


def latest_start_overdue(today: date, days: int) -> date:
    """The latest ``start`` whose ``deadline(start, days)`` lies before ``today``: everything
    started on or before it is overdue today (for counting in the database)."""
    start = today - timedelta(days=1)
    while deadline(start, days) >= today:
        start -= timedelta(days=1)
    return start
