"""The Celery application for long jobs (batch exports, large notice PDFs, cycle generation).

Configured from Django's settings, every ``CELERY_*`` name (``fundapp/settings.py``). With
``CELERY_BROKER_URL`` set (Redis), tasks go to workers started with::

    celery -A fundapp worker -l info

Without it ``CELERY_TASK_ALWAYS_EAGER`` is on and ``.delay()`` runs the task in-process, so the
embedded default (SQLite, no Redis) still works; callers do not need to know which.
Apps define their tasks in ``<app>/tasks.py`` and are found by ``autodiscover_tasks``.
"""

import os

from celery import Celery

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
