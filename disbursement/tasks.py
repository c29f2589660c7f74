"""Long payout jobs as Celery tasks: cycle generation, batch build, bank file export, result
import.

Each runs against a ``JobProgress`` row created by ``job_submit`` (the page polls it: ``current``
of ``total``, then ``done`` with a result or ``failed`` with the error's message). Without a
broker the tasks run eagerly in-process (``CELERY_TASK_ALWAYS_EAGER``); with
``CELERY_BROKER_URL`` they run on a worker. Arguments are ids and plain values, never model
instances, so they serialise as JSON. A refusal of the domain (``FundError``: not enough
money, a bad result file...) ends the job as ``failed`` with its message and is not retried;
anything else is recorded and re-raised.
"""

from __future__ import annotations

import base64
import os
from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from common.errors import FundError

from .models import BankLayout, Cycle, ExportLog, JobProgress, PayoutBatch
from .services import (
    Progress,
    batch_build,
    batch_export,
    cycle_generate,
    export_dir,
    job_finish,
    results_import,
)


def _actor(actor_id):
    return get_user_model().objects.get(pk=actor_id) if actor_id else None


def _run(job_id: int, work) -> dict:
    progress = Progress(job_id)
    try:
        result = work(progress)
    except FundError as exc:
        job_finish(job_id, error=str(exc), result={"code": exc.code, **_problems(exc)})
        return {"error": str(exc)}
    except Exception as exc:
        job_finish(job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    job_finish(job_id, result=result)
    return result


def _problems(exc) -> dict:
    problems = getattr(exc, "problems", None)
    return {"problems": problems[:200]} if problems else {}


@shared_task(name="disbursement.generate_cycle")
def generate_cycle_task(job_id: int, cycle_id: int, actor_id: int | None = None) -> dict:
    def work(progress):
        report = cycle_generate(
            cycle=Cycle.objects.get(pk=cycle_id), actor=_actor(actor_id), progress=progress
        )
        return {
            "created": report.created,
            "total": str(report.total.amount),
            "already": report.already,
            "held": report.held,
            "held_count": report.held_count,
        }

    return _run(job_id, work)


@shared_task(name="disbursement.build_batch")
def build_batch_task(job_id: int, actor_id: int, program_id: int, **filters) -> dict:
    from approvals.models import Program, Region

    def work(progress):
        region_id = filters.pop("region_id", None)
        for name in ("final_from", "final_to"):
            if isinstance(filters.get(name), str):  # dates travel as ISO text
                filters[name] = date.fromisoformat(filters[name])
        batch = batch_build(
            program=Program.objects.get(pk=program_id),
            region=Region.objects.get(pk=region_id) if region_id else None,
            actor=_actor(actor_id),
            progress=progress,
            **filters,
        )
        return {"batch_id": batch.pk, "count": batch.count, "total": str(batch.total.amount)}

    return _run(job_id, work)


@shared_task(name="disbursement.export_batch")
def export_batch_task(
    job_id: int, batch_id: int, layout_id: int, fmt: str, actor_id: int | None
) -> dict:
    def work(progress):
        result = batch_export(
            batch=PayoutBatch.objects.get(pk=batch_id),
            layout=BankLayout.objects.get(pk=layout_id),
            fmt=fmt,
            actor=_actor(actor_id),
            progress=progress,
        )
        folder = export_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{result.log.pk}-{result.filename}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(result.content)
        ExportLog.objects.filter(pk=result.log.pk).update(file_path=str(path))
        return {"export_id": result.log.pk, "filename": result.filename, "rows": result.log.rows}

    return _run(job_id, work)


@shared_task(name="disbursement.import_results")
def import_results_task(
    job_id: int,
    batch_id: int,
    layout_id: int,
    content_b64: str,
    filename: str,
    actor_id: int | None,
    value_date: str | None = None,
) -> dict:
    def work(progress):
        imp = results_import(
            batch=PayoutBatch.objects.get(pk=batch_id),
            layout=BankLayout.objects.get(pk=layout_id),
            content=base64.b64decode(content_b64),
            filename=filename,
            actor=_actor(actor_id),
            value_date=date.fromisoformat(value_date) if value_date else None,
            progress=progress,
        )
        return {
            "import_id": imp.pk,
            "paid": imp.paid_count,
            "failed": imp.failed_count,
            "already": imp.already_count,
        }

    return _run(job_id, work)


TASKS = {
    "generate_cycle": generate_cycle_task,
    "build_batch": build_batch_task,
    "export_batch": export_batch_task,
    "import_results": import_results_task,
}


def job_submit(kind: str, *, actor, **kwargs) -> JobProgress:
    """Create the progress row and start the job (eagerly, or on a worker via the broker).

    Call it outside a transaction: the row must be committed before a worker looks for it, so
    the task is sent once the current transaction (if any) commits.
    """
    task = TASKS[kind]
    params = {k: v for k, v in kwargs.items() if k != "content_b64"}
    job = JobProgress.objects.create(
        kind=kind, params=params, created_by=actor if getattr(actor, "pk", None) else None
    )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    transaction.on_commit(lambda: task.delay(job.pk, actor_id=actor_id, **kwargs))
    return job
