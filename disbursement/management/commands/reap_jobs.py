"""``manage.py reap_jobs``: mark interrupted every long job whose heartbeat stopped (its process
died), so that its page offers a retry and the home page says so. Safe to run at any time and
as often as wanted (from cron when no Celery beat runs): a live job is never touched."""

from django.core.management.base import BaseCommand, CommandError

from disbursement.models import JobProgress
from disbursement.services import heartbeat_timeout, jobs_reap


class Command(BaseCommand):
    help = (
        "Mark interrupted the long jobs whose heartbeat is older than JOB_HEARTBEAT_TIMEOUT "
        "(their worker or web process died)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            help="seconds of silence after which a job counts as dead "
            "(default: JOB_HEARTBEAT_TIMEOUT)",
        )

    def handle(self, *args, **options):
        timeout = options["timeout"]
        if timeout is not None and timeout <= 0:
            raise CommandError("--timeout must be a positive number of seconds")
        reaped = jobs_reap(timeout=timeout)
        seconds = heartbeat_timeout() if timeout is None else timeout
        if not reaped:
            self.stdout.write(f"no job silent for more than {seconds:g} s")
            return
        for job in JobProgress.objects.filter(pk__in=reaped).order_by("pk"):
            self.stdout.write(
                f"job {job.pk} ({job.kind}, {job.current}/{job.total}) interrupted: "
                f"last heartbeat {job.heartbeat_at:%Y-%m-%d %H:%M:%S}"
                if job.heartbeat_at
                else f"job {job.pk} ({job.kind}) interrupted: no heartbeat"
            )
        self.stdout.write(f"{len(reaped)} job(s) marked interrupted")
