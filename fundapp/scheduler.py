"""Scheduled jobs that run without cron: closing ended notices, the daily overdue reminders, the
reaper of dead long jobs, the ledger's checkpoint and the daily verification of the whole ledger.

One list of jobs, two ways to run it:

* **with a broker** (``CELERY_BROKER_URL``): ``celery -A fundapp beat`` sends the task
  ``fundapp.scheduled_job`` with the job's name at the intervals of ``CELERY_BEAT_SCHEDULE``
  (``fundapp/settings.py``), and a worker runs it;
* **without one** (the demo, a small office on one machine): ``manage.py run_scheduler`` runs the
  same entries of ``CELERY_BEAT_SCHEDULE`` in its own process (``make demo`` starts it beside
  ``runserver``).

Why our own loop rather than APScheduler or django-q2: the schedule is four fixed intervals
already written for Celery beat; reading that one table keeps a single schedule, where
APScheduler would need a second copy of it plus its own job store for cross-process safety,
and django-q2 a cluster, its own tables and a broker of its own. What a library would add —
exactly once across processes — is one conditional UPDATE here (below).

**Each slot runs once, whoever schedules it.** Time is cut into slots of the job's interval,
aligned on local midnight (``TIME_ZONE``): a daily job's slot is the local day, an hourly
one's the local hour. Before running, a scheduler moves the job's ``ScheduledJob.last_slot``
forward with ``UPDATE ... WHERE last_slot < slot``; the database gives that row to one
scheduler only, so two beats, beat beside ``run_scheduler``, or two demo servers run each slot
once. A run that fails is recorded (``last_ok``, ``last_outcome``) and tried again in the next
slot. The jobs themselves are also safe to run twice (``notices_close`` closes a notice by a
conditional UPDATE and makes a case final under the posting lock with the award's idempotency
key; the reminder is written once per day), so even a slot claimed twice books nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from .models import ScheduledJob

logger = logging.getLogger(__name__)

TASK_NAME = "fundapp.scheduled_job"
# Slots are counted from a local midnight, so that a slot of a whole number of hours starts on
# the hour and a daily slot on the day.
_ORIGIN = datetime(2000, 1, 1)


def _close_notices(now: datetime) -> str:
    from approvals.services import notices_close

    report = notices_close(today=timezone.localdate(now))
    return (
        f"{len(report.notices_closed)} notices closed, {len(report.finalised)} cases final, "
        f"{len(report.held)} held by objections, {len(report.failed)} failed"
    )


def _overdue_reminders(now: datetime) -> str:
    from .reminders import overdue_reminders

    counts = overdue_reminders(today=timezone.localdate(now))
    return ", ".join(f"{key} {value}" for key, value in counts.items())


def _reap_jobs(now: datetime) -> str:
    from disbursement.services import jobs_reap

    return f"{len(jobs_reap(now=now))} jobs marked interrupted"


def _ledger_checkpoint(now: datetime) -> str:
    from ledger import checkpoints

    written = checkpoints.record()
    return "head unchanged" if written is None else f"checkpoint at entry {written.seq}"


# The jobs by name; their intervals are the CELERY_BEAT_SCHEDULE entries naming them.
def _verify_ledger(now: datetime) -> str:
    from ledger.verification import record_run, verify_ledger

    report = verify_ledger()
    record_run(report, source="schedule", started_at=now)
    if not report.ok:  # recorded as a failed run as well as in the kept outcome
        raise RuntimeError(f"the ledger has {report.problem_count} problem(s): verify_ledger")
    return f"{report.entries} entries verified, no problems"


JOBS: dict[str, Callable[[datetime], str]] = {
    "close-notices": _close_notices,
    "overdue-reminders": _overdue_reminders,
    "reap-jobs": _reap_jobs,
    "ledger-checkpoint": _ledger_checkpoint,
    "verify-ledger": _verify_ledger,
}


@dataclass(frozen=True)
class Entry:
    name: str
    every: timedelta


def schedule() -> list[Entry]:
    """The jobs ``CELERY_BEAT_SCHEDULE`` runs through ``fundapp.scheduled_job``, with their
    intervals: the one schedule both beat and ``run_scheduler`` follow."""
    entries = []
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry.get("task") != TASK_NAME:
            continue
        (name,) = entry["args"]
        entries.append(Entry(name=name, every=timedelta(seconds=float(entry["schedule"]))))
    return entries


def interval(name: str) -> timedelta:
    for entry in schedule():
        if entry.name == name:
            return entry.every
    raise KeyError(f"{name!r} is not in CELERY_BEAT_SCHEDULE")


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the slot ``now`` falls in: slots of ``every`` counted from a local
    midnight (see the module docstring)."""
    local = timezone.localtime(now).replace(tzinfo=None)
    step = max(1, int(every.total_seconds()))
    seconds = int((local - _ORIGIN).total_seconds())
    start = _ORIGIN + timedelta(seconds=seconds - seconds % step)
    return timezone.make_aware(start)


def claim(name: str, slot: datetime, *, now: datetime) -> bool:
    """Take ``slot`` of job ``name`` for this run: True for exactly one caller per slot."""
    ScheduledJob.objects.get_or_create(name=name)
    taken = (
        ScheduledJob.objects.filter(name=name)
        .filter(Q(last_slot__isnull=True) | Q(last_slot__lt=slot))
        .update(last_slot=slot, last_started_at=now, last_finished_at=None)
    )
    return taken == 1


def run_job(name: str, *, now: datetime | None = None) -> str | None:
    """Run job ``name`` if its current slot has not been run yet; its outcome, or None when
    another scheduler had the slot. A job that raises is recorded as failed (and logged), not
    raised: the next slot tries again."""
    job = JOBS[name]
    now = now or timezone.now()
    slot = slot_start(now, interval(name))
    if not claim(name, slot, now=now):
        return None
    try:
        outcome, ok = job(now), True
    except Exception as exc:
        logger.exception("scheduled job %s failed", name)
        outcome, ok = f"failed: {exc}", False
    ScheduledJob.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_outcome=outcome[:2000], last_ok=ok
    )
    return outcome


def tick(*, now: datetime | None = None) -> dict[str, str | None]:
    """Run every scheduled job whose slot is new; {job: outcome or None (not due / taken)}."""
    now = now or timezone.now()
    return {entry.name: run_job(entry.name, now=now) for entry in schedule()}


def run_forever(
    *, stop: threading.Event, poll: float = 30.0, on_run: Callable | None = None
) -> None:
    """Tick every ``poll`` seconds until ``stop`` is set (``manage.py run_scheduler``)."""
    while not stop.is_set():
        close_old_connections()
        try:
            done = tick()
        except Exception:  # the database away for a moment must not end the scheduler
            logger.exception("scheduler tick failed")
        else:
            if on_run is not None:
                on_run({name: out for name, out in done.items() if out is not None})
        close_old_connections()
        stop.wait(poll)
