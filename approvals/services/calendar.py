"""The administrator's holiday schedule: what ``common.workdays`` reads, and the import of a
year's schedule from a CSV file (the admin's upload and ``manage.py import_holidays``).

A CSV file has a header line and one line per day: ``date,kind,note`` — the date as
YYYY-MM-DD, the kind ``holiday`` (also 休, 假, 节假日) or ``workday`` (also 班, 补班,
调休上班), an optional note (e.g. 春节). The whole file is checked first; one bad line
refuses it all and nothing changes. An accepted file replaces the year's days in one
transaction, and ``complete`` marks the year's schedule entered (the default: a file is the
State Council's whole schedule of the year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import uploads, workdays
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidInput
from ..models import HolidayKind, HolidayScheduleDay, HolidayScheduleYear
from ..models.calendar import day_problem
from ._common import require_perm

PERM_IMPORT = "approvals.import_holidayscheduleyear"

KIND_WORDS = {
    "holiday": HolidayKind.HOLIDAY,
    "休": HolidayKind.HOLIDAY,
    "假": HolidayKind.HOLIDAY,
    "节假日": HolidayKind.HOLIDAY,
    "workday": HolidayKind.WORKDAY,
    "班": HolidayKind.WORKDAY,
    "补班": HolidayKind.WORKDAY,
    "调休上班": HolidayKind.WORKDAY,
}


def year_schedule(year: int) -> workdays.YearSchedule:
    """What the administrator entered for ``year`` (registered with ``common.workdays``)."""
    complete = HolidayScheduleYear.objects.filter(year=year, complete=True).exists()
    days = {
        day: kind == HolidayKind.WORKDAY
        for day, kind in HolidayScheduleDay.objects.filter(schedule__year=year).values_list(
            "date", "kind"
        )
    }
    return workdays.YearSchedule(days=days, complete=complete)


@dataclass(frozen=True)
class ScheduleDay:
    date: date
    kind: str
    note: str


def parse_schedule_csv(content: bytes, year: int) -> tuple[list[ScheduleDay], list[str]]:
    """The days of a schedule file for ``year``, and every problem found (line by line)."""
    problems: list[str] = []
    try:
        # size, lines and cells checked while reading (issue 13): a huge file stops early
        if content:  # an empty file is told as such below
            uploads.check_size(len(content), "holidays")
        rows = [
            cells for _number, cells in uploads.csv_rows(uploads.decode_text(content), "holidays")
        ]
    except uploads.UploadRefused as exc:
        return [], [str(exc)]
    if not rows:
        return [], [_("The file is empty: a header line date,kind,note comes first.")]
    days: list[ScheduleDay] = []
    seen: dict[date, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row] + ["", "", ""]
        raw_date, raw_kind, note = cells[0], cells[1], cells[2]
        where = {"line": line_no}
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(
                _("Line %(line)s: “%(date)s” is not a date written as YYYY-MM-DD.")
                % {**where, "date": raw_date}
            )
            continue
        kind = KIND_WORDS.get(raw_kind.lower())
        if kind is None:
            problems.append(
                _(
                    "Line %(line)s: the kind “%(kind)s” is neither holiday (休) nor workday "
                    "(班, a make-up workday)."
                )
                % {**where, "kind": raw_kind}
            )
            continue
        problem = day_problem(day, kind, year)
        if problem:
            problems.append(_("Line %(line)s: %(problem)s") % {**where, "problem": problem})
            continue
        if day in seen:
            problems.append(
                _("Line %(line)s: %(date)s appears again (first on line %(first)s).")
                % {**where, "date": day.isoformat(), "first": seen[day]}
            )
            continue
        seen[day] = line_no
        days.append(ScheduleDay(day, kind, note[:100]))
    if not days and not problems:
        problems.append(_("The file lists no day of %(year)s.") % {"year": year})
    return days, problems


def holiday_schedule_import(
    *, year: int, content: bytes, actor, complete: bool = True, source: str = ""
) -> HolidayScheduleYear:
    """Replace the schedule of ``year`` with the file's days (see the module docstring)."""
    require_perm(actor, PERM_IMPORT)
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("%(year)s is not a year the schedule can hold.") % {"year": year})
    days, problems = parse_schedule_csv(content, year)
    if problems:
        raise InvalidInput(
            ngettext(
                "The holiday schedule file for %(year)s was refused and nothing changed: "
                "%(n)s problem. %(problems)s",
                "The holiday schedule file for %(year)s was refused and nothing changed: "
                "%(n)s problems. %(problems)s",
                len(problems),
            )
            % {"year": year, "n": len(problems), "problems": " ".join(problems[:20])}
        )
    with transaction.atomic():
        schedule, _created = HolidayScheduleYear.objects.select_for_update().get_or_create(
            year=year
        )
        before = schedule.days.count()
        schedule.days.all().delete()
        HolidayScheduleDay.objects.bulk_create(
            HolidayScheduleDay(schedule=schedule, date=d.date, kind=d.kind, note=d.note)
            for d in days
        )
        schedule.complete = complete
        schedule.source = (source or schedule.source)[:200]
        schedule.changed_by = actor if getattr(actor, "pk", None) else None
        schedule.save()
        audit(
            actor=actor,
            action=AuditAction.HOLIDAY_SCHEDULE_IMPORT,
            obj=schedule,
            year=year,
            days=len(days),
            replaced=before,
            holidays=sum(1 for d in days if d.kind == HolidayKind.HOLIDAY),
            workdays=sum(1 for d in days if d.kind == HolidayKind.WORKDAY),
            complete=complete,
        )
        transaction.on_commit(workdays.clear_schedule_cache)
    workdays.clear_schedule_cache()
    return schedule


__all__ = ["holiday_schedule_import", "parse_schedule_csv", "year_schedule"]
