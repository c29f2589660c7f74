"""``manage.py import_bank_results BATCH_ID LAYOUT FILE --user OFFICER``: import the bank's
result file, printing a progress line. Run it again after an interruption: it resumes."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.errors import FundError
from disbursement.exceptions import BankFileRejected
from disbursement.models import BankLayout, PayoutBatch
from disbursement.services import Progress, results_import

from ._progress import printer, user


class Command(BaseCommand):
    help = "Import a bank result file for an exported batch (the whole file, or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int, help="batch id")
        parser.add_argument("layout", help="bank layout name")
        parser.add_argument("file", help="the result file (CSV or Excel)")
        parser.add_argument("--user", required=True, help="the finance officer importing it")
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument(
            "--value-date",
            type=date.fromisoformat,
            default=None,
            help="the day the bank paid (YYYY-MM-DD) when the file has no value-date column",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            imp = results_import(
                batch=PayoutBatch.objects.get(pk=options["batch"]),
                layout=BankLayout.objects.get(name=options["layout"]),
                content=path.read_bytes(),
                filename=path.name,
                actor=user(options["user"]),
                progress=Progress(callback=printer(self, "import_bank_results")),
                chunk_size=options["chunk_size"],
                value_date=options["value_date"],
            )
        except (PayoutBatch.DoesNotExist, BankLayout.DoesNotExist, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except BankFileRejected as exc:
            for problem in exc.problems:
                self.stderr.write(problem["message"])
            raise CommandError(str(exc)) from exc
        except FundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{path.name}: {imp.paid_count} paid, {imp.failed_count} failed, "
            f"{imp.already_count} already recorded"
        )
