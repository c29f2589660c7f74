"""``fundapp.scheduled_job``: the task Celery beat sends for each scheduled job
(``CELERY_BEAT_SCHEDULE``); it runs the job only if its slot is not taken yet
(``fundapp.scheduler``), so two beats, or beat beside ``run_scheduler``, run each slot once."""

from __future__ import annotations

from celery import shared_task

from . import scheduler


@shared_task(name=scheduler.TASK_NAME)
def scheduled_job(name: str) -> str | None:
    return scheduler.run_job(name)
