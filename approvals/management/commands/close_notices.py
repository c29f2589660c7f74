"""``python manage.py close_notices``: close the public notices whose period has ended and make
final every case on them with no open objection (the award booked in the ledger).

Idempotent and safe from cron any number of times, even two at once: a notice is closed by a
conditional UPDATE, and a case becomes final under the ledger's posting lock with the award's
idempotency key ``award:<case id>``, so a second run finds nothing left to do.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from approvals.services import notices_close


class Command(BaseCommand):
    help = "Close ended public notices and finalise their cases that have no open objection."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Treat this day (YYYY-MM-DD) as today (default: today in TIME_ZONE).",
        )

    def handle(self, *args, today=None, **options):
        def progress(index, total, case):
            self.stdout.write(f"[{index}/{total}] {case.number}")

        report = notices_close(today=today, progress=progress)
        for notice in report.notices_closed:
            self.stdout.write(f"closed notice {notice} ({notice.starts_on} - {notice.ends_on})")
        for case in report.finalised:
            self.stdout.write(f"final: {case.number} {case.amount} (entry {case.award_entry.seq})")
        for case, code in report.held:
            self.stdout.write(f"held: {case.number} has open objection {code}")
        for case, message in report.failed:
            self.stderr.write(f"failed: {case.number}: {message}")
        self.stdout.write(
            self.style.SUCCESS(
                f"close_notices: {len(report.notices_closed)} notices closed, "
                f"{len(report.finalised)} cases final, {len(report.held)} held by objections, "
                f"{len(report.failed)} failed"
            )
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} cases could not be made final; see above.")
