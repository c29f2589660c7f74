"""``manage.py export_batch BATCH_ID LAYOUT OUT --user OFFICER``: write an approved batch's bank
payment file (it holds whole account numbers: write it somewhere private)."""

import os

from django.core.management.base import BaseCommand, CommandError

from common.errors import FundError
from disbursement.models import BankLayout, PayoutBatch
from disbursement.services import Progress, batch_export

from ._progress import printer, user


class Command(BaseCommand):
    help = "Export an approved payout batch as the bank's payment file (CSV or Excel)."

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int, help="batch id")
        parser.add_argument("layout", help="bank layout name")
        parser.add_argument("out", help="file to write")
        parser.add_argument("--format", default="csv", choices=["csv", "xlsx"])
        parser.add_argument("--user", required=True, help="the finance officer exporting it")

    def handle(self, *args, **options):
        try:
            result = batch_export(
                batch=PayoutBatch.objects.get(pk=options["batch"]),
                layout=BankLayout.objects.get(name=options["layout"]),
                fmt=options["format"],
                actor=user(options["user"]),
                progress=Progress(callback=printer(self, "export_batch")),
            )
        except (PayoutBatch.DoesNotExist, BankLayout.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        except FundError as exc:
            raise CommandError(str(exc)) from exc
        fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(result.content)
        self.stdout.write(
            f"{options['out']}: {result.log.rows} payments, {result.log.total}, "
            f"sha256 {result.log.sha256}"
        )
