"""The official holiday schedule as the administrator enters it, for working-day counts.

The State Council publishes each year's holidays and make-up workdays in November or December;
the ``chinesecalendar`` package learns them only with its next release. ``HolidayScheduleYear``
is one year the administrator keeps: its ``HolidayScheduleDay`` rows (a holiday, or a
make-up workday on a Saturday or Sunday), and ``complete``: the whole official schedule of that
year is entered, so working days of the year can be counted even when the package does not
know it. ``common.workdays`` consults these first (``approvals.calendar`` registers them); a
year that neither they nor the package know is refused, never guessed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday (no work)")
    WORKDAY = "workday", _("make-up workday")


class HolidayScheduleYear(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("schedule complete"),
        default=False,
        help_text=_(
            "Tick once every official holiday and make-up workday of the year is entered: only "
            "then are working days of a year the calendar package does not know counted."
        ),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Where the schedule comes from, e.g. the State Council's notice number."),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("last changed at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday schedule")
        verbose_name_plural = _("holiday schedules")
        permissions = [("import_holidayscheduleyear", _("Can import holiday schedules"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="holiday_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class HolidayScheduleDay(models.Model):
    schedule = models.ForeignKey(
        HolidayScheduleYear,
        verbose_name=_("year"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=7, choices=HolidayKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("e.g. 春节"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up workday")
        verbose_name_plural = _("holidays and make-up workdays")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]), name="holiday_day_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"

    def clean(self):
        problem = day_problem(
            self.date, self.kind, self.schedule.year if self.schedule_id else None
        )
        if problem:
            raise ValidationError({"date": problem})


def day_problem(day, kind: str, year: int | None) -> str:
    """Why a day cannot be entered for ``year`` as ``kind`` ("" when it can)."""
    if day is None:
        return ""
    if year is not None and day.year != year:
        return str(
            _("%(date)s is not in %(year)s: enter it in the schedule of %(other)s.")
            % {"date": day.isoformat(), "year": year, "other": day.year}
        )
    if kind == HolidayKind.WORKDAY and day.weekday() < 5:
        return str(
            _(
                "%(date)s is a weekday, already a working day: a make-up workday is a Saturday "
                "or Sunday worked in exchange for a longer holiday."
            )
            % {"date": day.isoformat()}
        )
    return ""
