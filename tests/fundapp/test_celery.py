"""The Celery app: in-process (eager) without a broker; with Redis, a real worker answers."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from fundapp.celery import app, ping

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def test_without_a_broker_tasks_run_in_process():
    # given no CELERY_BROKER_URL (the default)
    assert not settings.CELERY_BROKER_URL
    assert app.conf.task_always_eager

    # when a task is sent, then it ran already, in this process
    result = ping.delay()
    assert result.successful()
    assert result.get(timeout=1) == "pong"


def test_the_app_reads_the_celery_settings_and_finds_the_tasks():
    # given Django's settings, then the app's configuration comes from the CELERY_ names
    assert app.main == "fundapp"
    assert app.conf.timezone == settings.TIME_ZONE
    assert app.conf.task_eager_propagates is True
    # and the app is the one Django loads with the project (so @shared_task binds to it)
    import fundapp

    assert fundapp.celery_app is app
    assert "fundapp.ping" in app.tasks


def _redis_up() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def test_a_real_worker_runs_a_task_through_redis():
    if not _redis_up():
        # CI starts Redis (.ci/run), so there its absence is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail("Redis is not answering on 127.0.0.1:6379 (.ci/run should start it)")
        pytest.skip("needs Redis on 127.0.0.1:6379 (.ci/run starts it)")

    # given a worker on a queue of its own, with Redis as broker and result store (database 15,
    # so nothing else on this Redis is touched)
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/15"
    queue = f"test-{uuid.uuid4().hex}"
    env = {**os.environ, "DEBUG": "1", "CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "fundapp",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = Celery("fundapp-test-client", broker=url, backend=url)
    try:
        # when a task is sent by name, as another process would
        result = client.send_task("fundapp.ping", queue=queue)

        # then the worker ran it and the answer came back through Redis
        assert result.get(timeout=60) == "pong"
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        client.close()
    assert worker.returncode is not None, output


def test_tasks_are_acknowledged_late_and_given_back_when_their_worker_dies():
    # given the project's settings, a task is acknowledged when it ends and requeued when its
    # worker process dies; a worker holds one message at a time
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    # Redis gives a dead worker's unacknowledged message out again after the visibility timeout,
    # and looks for such messages often enough for it
    options = app.conf.broker_transport_options
    assert options["visibility_timeout"] == settings.BROKER_VISIBILITY_TIMEOUT == 1800
    assert 1 <= options["unacked_restore_interval"] <= 60
    assert options["unacked_restore_throttle"] == 1
    # and beat runs the reaper of interrupted jobs, through the task that runs each slot once
    # (fundapp.scheduler: beat and run_scheduler share the schedule)
    entry = app.conf.beat_schedule["reap-jobs"]
    assert entry == {
        "task": "fundapp.scheduled_job",
        "args": ("reap-jobs",),
        "schedule": settings.JOB_REAP_INTERVAL,
    }
    from disbursement import tasks
    from fundapp import tasks as site_tasks

    assert site_tasks.scheduled_job.name in app.tasks  # a shared task, bound to this app
    assert tasks.reap_jobs_task.name in app.tasks


def test_a_worker_starting_reaps_the_jobs_whose_worker_died(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from disbursement.models import JobProgress
    from fundapp.celery import _reap_jobs_at_start

    # given a job whose worker died long ago
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = JobProgress.objects.create(
        kind="export_batch", status="running", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    # when a worker signals it is ready, then the job is marked interrupted
    _reap_jobs_at_start(sender=None)
    job.refresh_from_db()
    assert job.status == "interrupted"
