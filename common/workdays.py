"""Calendar and working days in China, for notice periods and deadlines.

Working days follow the State Council's yearly holiday schedule, make-up workdays included (a
Saturday or Sunday worked in exchange for a longer holiday is a working day; a weekday inside a
holiday is not). Two sources, consulted in this order:

1. **the administrator's schedule** (``register_schedule_source``: approvals registers its
   holiday-schedule tables, edited in the admin or imported from a CSV file): a day entered
   there is a holiday or a make-up workday whatever the package says, and a year the
   administrator has marked complete is known even when the package is not;
2. the maintained ``chinesecalendar`` package, which knows the years published when it was
   released (``covered_years()``, 2004–2026 in version 1.11).

A year neither source knows is refused with ``CalendarYearUnknown`` naming the year and where to
enter its schedule, never guessed: the State Council publishes next year's schedule each
November or December, often before any package release, and a county office cannot wait for
one. Until the year is entered, a program can count its notices in calendar days.

The administrator's schedule is read once per year and kept for ``SCHEDULE_CACHE_SECONDS``
(every change made in this process clears it at once; another process sees it within that
time).

Two counts, used throughout:

* a **period** of N days starting on ``start`` (a public notice) ends on ``period_end``: with
  calendar days, ``start + N − 1``; with working days, the N-th working day counted from
  ``start`` itself (``start`` counts when it is a working day);
* a **deadline** of N working days from ``start`` (the day a case reached a tier, or became
  final) is ``deadline(start, N)``: the N-th working day *after* ``start``; a case is overdue
  from the day after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


SCHEDULE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class YearSchedule:
    """What the administrator entered for one year: ``days`` maps a date to whether it is a
    working day (a make-up workday: True; a holiday: False); ``complete``: the administrator
    has entered the whole of the year's official schedule."""

    days: dict[date, bool] = field(default_factory=dict)
    complete: bool = False


ScheduleSource = Callable[[int], YearSchedule]

_source: ScheduleSource | None = None
_cache: dict[int, tuple[float, YearSchedule]] = {}
_cache_lock = threading.Lock()


def register_schedule_source(source: ScheduleSource | None) -> None:
    """Let ``source(year)`` say what the administrator entered for a year (registered once, by
    the app that keeps the schedule; ``None`` unregisters)."""
    global _source
    _source = source
    clear_schedule_cache()


def clear_schedule_cache() -> None:
    """Forget the schedules read so far (call after a change to them)."""
    with _cache_lock:
        _cache.clear()


def _schedule(year: int) -> YearSchedule:
    if _source is None:
        return YearSchedule()
    now = time.monotonic()
    with _cache_lock:
        found = _cache.get(year)
    if found is not None and now - found[0] < SCHEDULE_CACHE_SECONDS:
        return found[1]
    schedule = _source(year)
    with _cache_lock:
        _cache[year] = (now, schedule)
    return schedule


def covered_years() -> tuple[int, int]:
    """The first and last year the installed calendar package knows."""
    known = [*chinese_calendar.constants.holidays, *chinese_calendar.constants.workdays]
    return min(known).year, max(known).year


def year_known(year: int) -> bool:
    """Whether working days of ``year`` can be counted: the package knows it, or the
    administrator has marked its schedule complete."""
    first, last = covered_years()
    return first <= year <= last or _schedule(year).complete


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day in China (make-up workdays included)."""
    schedule = _schedule(day.year)
    if day in schedule.days:
        return schedule.days[day]
    first, last = covered_years()
    if first <= day.year <= last:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            pass  # a year at the package's edge without data: as unknown below
    elif schedule.complete:
        # The administrator entered every holiday and make-up workday of the year: the rest
        # is the ordinary week.
        return day.weekday() < 5
    raise CalendarYearUnknown(
        _(
            "The official holidays of %(year)s are not in the working-day calendar yet (the "
            "calendar package knows %(first)s to %(last)s), so a count of working days into "
            "%(year)s cannot be made. Once the State Council publishes the holiday schedule "
            "of %(year)s, the administrator enters it under Administration › Holiday "
            "schedules (each holiday and make-up workday, typed in or imported from a CSV "
            "file) and marks the year complete. Until then, count in calendar days."
        )
        % {"first": first, "last": last, "year": day.year},
        year=day.year,
    )


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
