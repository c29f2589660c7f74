"""``manage.py generate_cycle PROGRAM CYCLE``: open the cycle if needed and book the
entitlements its approved annual confirmation lists and are not booked yet (refused without
one), printing a progress line."""

from django.core.management.base import BaseCommand, CommandError

from approvals.models import Program
from common.errors import FundError
from disbursement.services import Progress, cycle_generate, cycle_open

from ._progress import printer, user


class Command(BaseCommand):
    help = (
        "Book one cycle's entitlements for the beneficiaries its approved annual confirmation "
        "lists (refused without one; again: nothing new)."
    )

    def add_arguments(self, parser):
        parser.add_argument("program", help="program code")
        parser.add_argument("cycle", help='cycle code, e.g. "2026"')
        parser.add_argument("--user", help="act as this user (default: the system)")

    def handle(self, *args, **options):
        actor = user(options["user"])
        try:
            program = Program.objects.get(code=options["program"])
            cycle = cycle_open(program=program, code=options["cycle"], actor=actor)
            report = cycle_generate(
                cycle=cycle,
                actor=actor,
                progress=Progress(callback=printer(self, "generate_cycle")),
            )
        except Program.DoesNotExist as exc:
            raise CommandError(f"no program {options['program']!r}") from exc
        except FundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"cycle {cycle.code}: {report.created} new entitlements for {report.total} "
            f"({report.already} existed before)"
        )
        for line in report.held_text():
            self.stdout.write(f"left out: {line}")
