"""``manage.py build_batch PROGRAM --user OFFICER``: build a draft payout batch, printing a
progress line."""

from django.core.management.base import BaseCommand, CommandError

from approvals.models import Program, Region
from common.errors import FundError
from disbursement.services import Progress, batch_build

from ._progress import printer, user


class Command(BaseCommand):
    help = "Build a draft payout batch of every owed award of a program (filters optional)."

    def add_arguments(self, parser):
        parser.add_argument("program", help="program code")
        parser.add_argument("--user", required=True, help="the finance officer building it")
        parser.add_argument("--cycle", default="")
        parser.add_argument("--region", help="12-digit division code (this region and below)")
        parser.add_argument("--retry-unchanged", action="store_true")

    def handle(self, *args, **options):
        try:
            program = Program.objects.get(code=options["program"])
            region = Region.objects.get(code=options["region"]) if options["region"] else None
            batch = batch_build(
                program=program,
                cycle=options["cycle"],
                region=region,
                retry_unchanged=options["retry_unchanged"],
                actor=user(options["user"]),
                progress=Progress(callback=printer(self, "build_batch")),
            )
        except (Program.DoesNotExist, Region.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        except FundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"batch PB{batch.pk}: {batch.count} payments, {batch.total}")
