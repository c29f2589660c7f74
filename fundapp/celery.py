"""The Celery application for long jobs (batch exports, large notice PDFs, cycle generation).

Configured from Django's settings, every ``CELERY_*`` name (``fundapp/settings.py``). With
``CELERY_BROKER_URL`` set (Redis), tasks go to workers started with::

    celery -A fundapp worker -l info

Without it ``CELERY_TASK_ALWAYS_EAGER`` is on and ``.delay()`` runs the task in-process, so the
embedded default (SQLite, no Redis) still works; callers do not need to know which.
Apps define their tasks in ``<app>/tasks.py`` and are found by ``autodiscover_tasks``.

Tasks are acknowledged late and given back when their worker dies (``CELERY_TASK_ACKS_LATE``,
``CELERY_TASK_REJECT_ON_WORKER_LOST``); every worker, as it starts, marks interrupted the jobs
whose heartbeat stopped (their worker died: ``disbursement.services.jobs_reap``), and the beat
schedule (``celery -A fundapp beat``) runs the same reaper every ``JOB_REAP_INTERVAL`` seconds.
"""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundapp.settings")

app = Celery("fundapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _in_process_without_broker(sender: Celery, **kwargs) -> None:
    # Eager mode never sends a message, but Celery still prepares a producer for its default
    # broker (amqp://localhost) and logs a warning about it; the in-memory transport is silent.
    if not sender.conf.broker_url:
        sender.conf.broker_url = "memory://localhost/"


@app.task(name="fundapp.ping")
def ping() -> str:
    """A task that does nothing but answer: proves a worker (or eager mode) is reachable."""
    return "pong"


@worker_ready.connect
def _reap_jobs_at_start(sender=None, **kwargs) -> None:
    """A worker starting may be the one replacing a dead worker: tell at once about the jobs that
    died with it (the broker gives their tasks to a worker again; a person may also retry)."""
    from disbursement.services import jobs_reap

    try:
        reaped = jobs_reap()
    except Exception:  # a reaper that fails must not stop the worker; beat runs it again
        logging.getLogger(__name__).exception("reaping interrupted jobs at worker start failed")
        return
    if reaped:
        logging.getLogger(__name__).warning("jobs found interrupted at worker start: %s", reaped)
