"""``manage.py import_holidays YEAR FILE --user ADMIN [--incomplete] [--source TEXT]``: enter the
State Council's holiday schedule of a year from a CSV file (``date,kind,note``; see
``approvals/services/calendar.py``), replacing that year's days, so working days of the year can
be counted before the calendar package knows it. The whole file or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from approvals.exceptions import ApprovalsError
from approvals.services import holiday_schedule_import


class Command(BaseCommand):
    help = "Import a year's official holidays and make-up workdays from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("file", help="CSV: a header line, then date,kind,note per day")
        parser.add_argument("--user", required=True, help="the administrator entering it")
        parser.add_argument("--source", default="", help="e.g. the State Council notice number")
        parser.add_argument(
            "--incomplete",
            action="store_true",
            help="the file is not the year's whole schedule (the year stays unknown)",
        )

    def handle(self, *args, **options):
        try:
            actor = get_user_model().objects.get(username=options["user"])
            content = Path(options["file"]).read_bytes()
        except (get_user_model().DoesNotExist, OSError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            schedule = holiday_schedule_import(
                year=options["year"],
                content=content,
                complete=not options["incomplete"],
                source=options["source"],
                actor=actor,
            )
        except ApprovalsError as exc:
            raise CommandError(exc.message) from exc
        days = schedule.days.all()
        self.stdout.write(
            self.style.SUCCESS(
                f"import_holidays: {schedule.year}: {days.filter(kind='holiday').count()} "
                f"holidays, {days.filter(kind='workday').count()} make-up workdays"
                f"{', complete' if schedule.complete else ', NOT complete'}"
            )
        )
