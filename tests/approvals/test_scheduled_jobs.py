"""Scheduled jobs that just run (issue 14, point 4): the beat schedule holds close_notices, the
overdue reminder and the reaper; without a broker `run_scheduler` runs the same schedule in its
own process; each slot runs once however many schedulers run."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from approvals import services
from approvals.models import CaseState, Notice, NoticeStatus
from fundapp import scheduler
from fundapp.models import ScheduledJob
from fundapp.tasks import scheduled_job
from ledger.audit import AuditAction
from ledger.books import ensure_default_books
from ledger.models import Account, AuditEvent, ChainHead, Fund, JournalEntry

from .factories import fund_money, make_household, make_program, make_staff, make_world


def _at(day, hour=0, minute=30):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _on_notice(drive, new_case):
    case = drive(new_case(), "on_notice")
    return case, case.notice_items.get().notice


def _award_entries(case):
    return JournalEntry.objects.filter(idempotency_key=f"award:{case.pk}").count()


def test_the_beat_schedule_runs_the_jobs_through_the_slot_task():
    # given the settings' beat schedule
    beat = settings.CELERY_BEAT_SCHEDULE
    # then close_notices, the overdue reminder and the reaper are in it, each through the one
    # task that runs a slot once, at the intervals the scheduler reads too
    for name in ("close-notices", "overdue-reminders", "reap-jobs"):
        assert beat[name]["task"] == scheduler.TASK_NAME
        assert tuple(beat[name]["args"]) == (name,)
        assert name in scheduler.JOBS
    assert {e.name for e in scheduler.schedule()} >= {
        "close-notices",
        "overdue-reminders",
        "reap-jobs",
    }
    assert scheduler.interval("close-notices") == timedelta(hours=1)
    assert scheduler.interval("overdue-reminders") == timedelta(days=1)
    # and a worker finds the task beat sends (autodiscovered from fundapp/tasks.py)
    assert "fundapp" in {name.split(".")[0] for name in settings.INSTALLED_APPS}
    assert scheduled_job.name == scheduler.TASK_NAME


def test_slots_are_counted_from_local_midnight():
    day = timezone.localdate()
    assert scheduler.slot_start(_at(day, 13, 47), timedelta(hours=1)) == _at(day, 13, 0)
    assert scheduler.slot_start(_at(day, 13, 47), timedelta(days=1)) == _at(day, 0, 0)
    assert scheduler.slot_start(_at(day, 0, 0), timedelta(days=1)) == _at(day, 0, 0)


def test_the_scheduler_closes_an_ended_notice_without_cron(drive, new_case):
    # given a case on a notice
    case, notice = _on_notice(drive, new_case)
    # when the scheduler looks on the notice's last evening: nothing closes
    scheduler.tick(now=_at(notice.ends_on, 23, 0))
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE
    # when it looks again after midnight (a new slot of the hourly job)
    out = scheduler.tick(now=_at(notice.ends_on + timedelta(days=1), 0, 5))
    # then the notice is closed and the case final, its award booked
    assert "1 notices closed, 1 cases final" in out["close-notices"]
    notice.refresh_from_db()
    case.refresh_from_db()
    assert notice.status == NoticeStatus.CLOSED
    assert case.state == CaseState.FINAL
    assert _award_entries(case) == 1
    job = ScheduledJob.objects.get(name="close-notices")
    assert job.last_ok is True and job.last_finished_at is not None


def test_run_scheduler_loop_with_an_advanced_clock_makes_the_case_final(
    drive, new_case, monkeypatch
):
    # given a case on notice, and the clock moved past the notice's end
    case, notice = _on_notice(drive, new_case)
    later = _at(notice.ends_on + timedelta(days=1), 8, 0)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    # (the test's transaction must stay open: the loop's connection recycling is a no-op here)
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)
    stop = threading.Event()
    ran = []

    def after_tick(done):
        ran.append(done)
        stop.set()

    # when the scheduler's loop runs (the process make demo starts beside runserver)
    scheduler.run_forever(stop=stop, poll=0, on_run=after_tick)
    # then it closed the notice on its own
    assert "close-notices" in ran[0]
    case.refresh_from_db()
    assert case.state == CaseState.FINAL


def test_run_scheduler_once_from_the_command_line(drive, new_case, capsys):
    case, notice = _on_notice(drive, new_case)
    when = _at(notice.ends_on + timedelta(days=1), 1, 0)
    call_command("run_scheduler", "--once", "--now", when.isoformat())
    assert "close-notices: 1 notices closed, 1 cases final" in capsys.readouterr().out
    case.refresh_from_db()
    assert case.state == CaseState.FINAL


def test_a_slot_already_run_is_not_run_again(drive, new_case):
    # given the close job ran in this hour's slot
    case, notice = _on_notice(drive, new_case)
    when = _at(notice.ends_on + timedelta(days=1), 2, 10)
    assert scheduler.run_job("close-notices", now=when) is not None
    # when a second scheduler (another beat, another demo process) asks for the same slot
    # then it does not run, and the next slot runs again (finding nothing left to do)
    assert scheduler.run_job("close-notices", now=when + timedelta(minutes=20)) is None
    again = scheduler.run_job("close-notices", now=when + timedelta(hours=1))
    assert again.startswith("0 notices closed, 0 cases final")
    assert AuditEvent.objects.filter(action=AuditAction.NOTICE_CLOSE).count() == 1
    assert _award_entries(case) == 1


def test_the_beat_task_runs_the_slot_once(drive, new_case, monkeypatch):
    case, notice = _on_notice(drive, new_case)
    later = _at(notice.ends_on + timedelta(days=1), 3, 0)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    first = scheduled_job.apply(args=["close-notices"]).get()
    second = scheduled_job.apply(args=["close-notices"]).get()
    assert first.startswith("1 notices closed") and second is None
    case.refresh_from_db()
    assert case.state == CaseState.FINAL


def test_a_failing_job_is_recorded_and_tried_in_the_next_slot(db, monkeypatch):
    calls = []

    def broken(now):
        calls.append(now)
        raise RuntimeError("database away")

    monkeypatch.setitem(scheduler.JOBS, "close-notices", broken)
    now = timezone.now()
    assert scheduler.run_job("close-notices", now=now) == "failed: database away"
    job = ScheduledJob.objects.get(name="close-notices")
    assert job.last_ok is False and "database away" in job.last_outcome
    scheduler.run_job("close-notices", now=now + timedelta(hours=1))
    assert len(calls) == 2


def test_the_overdue_reminder_is_recorded_once_a_day(drive, new_case):
    # given a case waiting at the village tier whose deadline ran out long ago
    case = drive(new_case(), "in_review")
    tier = case.program.tiers.get(order=case.current_tier)
    tier.review_days = 1
    tier.save()
    day = timezone.localdate() + timedelta(days=20)
    # when the daily job runs twice that day and once the next day
    scheduler.run_job("overdue-reminders", now=_at(day, 0, 10))
    scheduler.run_job("overdue-reminders", now=_at(day, 9, 0))
    scheduler.run_job("overdue-reminders", now=_at(day + timedelta(days=1), 0, 10))
    # then one reminder per day is in the audit trail, counting the overdue review
    events = AuditEvent.objects.filter(action=AuditAction.OVERDUE_REMINDER).order_by("id")
    assert [e.object_id for e in events] == [day.isoformat(), (day + timedelta(1)).isoformat()]
    assert events[0].data["reviews_overdue"] == 1


# --------------------------------------------------------------------------------------------
# two schedulers at the same moment (PostgreSQL: real concurrent connections)
# --------------------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_close_the_notice_once(make_user):
    # given a case on a notice that ended yesterday (built and committed for real)
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)
    world = make_world()
    program = make_program()
    fund_money(5000)
    worker = make_staff(make_user, "case_worker", world.village_a1, "w")
    household = make_household(worker, world.village_a1)
    case = services.case_file(program=program, household=household, cycle="2026", actor=worker)
    case = services.case_submit(case=case, actor=worker)
    for region, name in ((world.village_a1, "v"), (world.town_a, "t"), (world.county, "c")):
        case = services.case_approve(
            case=case, actor=make_staff(make_user, "reviewer", region, f"r{name}")
        )
    services.notice_publish(
        program=program,
        region=world.village_a1,
        cycle="2026",
        cases=[case],
        actor=make_staff(make_user, "reviewer", world.town_a, "pub"),
    )
    notice = Notice.objects.get()
    when = _at(notice.ends_on + timedelta(days=1), 0, 15)

    # when two schedulers run the job in the same slot at the same moment
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            outcomes.append(scheduler.run_job("close-notices", now=when))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # then exactly one ran it, and the notice was closed and the award booked once
    assert errors == []
    assert sorted(o is None for o in outcomes) == [False, True]
    case.refresh_from_db()
    assert case.state == CaseState.FINAL
    assert AuditEvent.objects.filter(action=AuditAction.NOTICE_CLOSE).count() == 1
    assert _award_entries(case) == 1
