"""``python manage.py run_scheduler``: run the scheduled jobs (close ended notices, the daily
overdue reminder, reap dead long jobs, the ledger checkpoint) in this process, without cron and
without a broker. ``make demo`` starts it beside ``runserver``; with a broker, ``celery -A
fundapp beat`` does the same work and this command is not needed (running both is harmless:
each slot runs once, ``fundapp.scheduler``). ``--once`` runs the due jobs and exits (for a
cron line or a test)."""

from __future__ import annotations

import signal
import threading
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fundapp import scheduler


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Run the scheduled jobs in this process (no cron, no broker needed)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the due jobs once and exit.")
        parser.add_argument(
            "--poll", type=float, default=30.0, help="Seconds between two looks (default 30)."
        )
        parser.add_argument(
            "--now",
            type=_moment,
            default=None,
            help="With --once: treat this moment (YYYY-MM-DDTHH:MM) as now.",
        )

    def _report(self, done: dict) -> None:
        for name, outcome in done.items():
            if outcome is not None:
                self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {name}: {outcome}")

    def handle(self, *args, once=False, poll=30.0, now=None, **options):
        if now is not None and not once:
            raise CommandError("--now only goes with --once.")
        jobs = ", ".join(
            f"{e.name} every {int(e.every.total_seconds())} s" for e in scheduler.schedule()
        )
        if once:
            self._report(scheduler.tick(now=now))
            return
        self.stdout.write(f"scheduler: {jobs}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        scheduler.run_forever(stop=stop, poll=poll, on_run=self._report)
        self.stdout.write("scheduler: stopped")
