"""Long payout jobs as Celery tasks: cycle generation, batch build, bank file export, result
import.

Each runs against a ``JobProgress`` row created by ``job_submit`` (the page polls it: ``current``
of ``total``, then ``done`` with a result or ``failed`` with the error's message). Without a
broker the tasks run eagerly in-process (``CELERY_TASK_ALWAYS_EAGER``); with
``CELERY_BROKER_URL`` they run on a worker. Arguments are ids and plain values, never model
instances, so they serialise as JSON. A refusal of the domain (``FundError``: not enough
money, a bad result file...) ends the job as ``failed`` with its message and is not retried;
anything else is recorded and re-raised.

Surviving death. The tasks are acknowledged late (``CELERY_TASK_ACKS_LATE``) and given back to
the broker when their worker dies (``CELERY_TASK_REJECT_ON_WORKER_LOST``; a worker killed whole
leaves its message unacknowledged, and Redis hands it out again after the visibility timeout).
So a task may run again, and every one is safe to run again:

* a run first claims its job (``services.job_claim``): a job already finished, or retried since
  (another ``attempt``), is left alone; one running elsewhere with a fresh heartbeat is tried
  again later (``BUSY``), so two runs of one job never overlap while both are alive;
* each kind's own way to run again without a second money effect is in its docstring.

A person's retry of a job the reaper found interrupted is ``job_retry``.
"""

from __future__ import annotations

import base64
import os
from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from common.errors import FundError

from .models import BankLayout, Cycle, ExportLog, JobProgress, PayoutBatch
from .services import (
    Progress,
    batch_build,
    batch_export,
    cycle_generate,
    export_dir,
    heartbeat_timeout,
    job_claim,
    job_finish,
    job_input,
    job_input_keep,
    job_reopen,
    jobs_reap,
    results_import,
)
from .services.jobs import BUSY, OVER


def _actor(actor_id):
    return get_user_model().objects.get(pk=actor_id) if actor_id else None


def _run(task, job_id: int, attempt: int, work, *, atomic: bool = False) -> dict:
    """Claim the job, run ``work(progress)``, record its outcome.

    ``atomic``: the work is one transaction of the service; the job's outcome is written in that
    same transaction, so a run killed after it commits cannot leave a job that did its work but
    reads ``running`` (a second run would then find the work done but no record of it)."""
    claim = job_claim(job_id, attempt=attempt)
    if claim == OVER:
        return {"skipped": "finished or retried"}
    if claim == BUSY:
        if task.request.is_eager:
            return {"skipped": "running elsewhere"}
        # Delivered again while the first run is alive (a job longer than the broker's
        # visibility timeout): look again once its heartbeat could have stopped.
        raise task.retry(countdown=heartbeat_timeout(), max_retries=None)
    progress = Progress(job_id)
    try:
        if atomic:
            with transaction.atomic():
                result = work(progress)
                job_finish(job_id, result=result)
        else:
            result = work(progress)
    except FundError as exc:
        job_finish(job_id, error=str(exc), result={"code": exc.code, **_problems(exc)})
        return {"error": str(exc)}
    except Exception as exc:
        job_finish(job_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if not atomic:
        job_finish(job_id, result=result)
    return result


def _problems(exc) -> dict:
    problems = getattr(exc, "problems", None)
    return {"problems": problems[:200]} if problems else {}


@shared_task(bind=True, name="disbursement.generate_cycle")
def generate_cycle_task(
    self, job_id: int, cycle_id: int, actor_id: int | None = None, attempt: int = 1
) -> dict:
    """Generate a cycle's entitlements. Safe to run again: the generation is one transaction
    (the job's outcome is written in it), so a run killed half-way leaves nothing; and a second
    generation books nothing new (``(cycle, enrolment)`` is unique, each booking has the key
    ``entitlement:<cycle>:<enrolment>``)."""

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

    return _run(self, job_id, attempt, work, atomic=True)


@shared_task(bind=True, name="disbursement.build_batch")
def build_batch_task(
    self, job_id: int, actor_id: int, program_id: int, attempt: int = 1, **filters
) -> dict:
    """Build a payout batch. Safe to run again: the build is one transaction with the job's
    outcome in it, so a run killed half-way leaves no batch and the next one builds it whole;
    once committed, the job reads done and is not run again. An award already in a batch is
    never put in a second one (its live payment is unique in the database)."""
    from approvals.models import Program, Region

    def work(progress):
        options = dict(filters)
        region_id = options.pop("region_id", None)
        for name in ("final_from", "final_to"):
            if isinstance(options.get(name), str):  # dates travel as ISO text
                options[name] = date.fromisoformat(options[name])
        batch = batch_build(
            program=Program.objects.get(pk=program_id),
            region=Region.objects.get(pk=region_id) if region_id else None,
            actor=_actor(actor_id),
            progress=progress,
            **options,
        )
        return {"batch_id": batch.pk, "count": batch.count, "total": str(batch.total.amount)}

    return _run(self, job_id, attempt, work, atomic=True)


@shared_task(bind=True, name="disbursement.export_batch")
def export_batch_task(
    self,
    job_id: int,
    batch_id: int,
    layout_id: int,
    fmt: str,
    actor_id: int | None,
    attempt: int = 1,
) -> dict:
    """Write the bank payment file. Safe to run again: it moves no money (it marks the
    payments sent, which a second run finds done), and exporting again is allowed until the
    bank's results are imported, logged again; a run killed before the file reached the disk
    leaves an export log without a stored file, and the next run writes a new one."""

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

    return _run(self, job_id, attempt, work)


@shared_task(bind=True, name="disbursement.import_results")
def import_results_task(
    self,
    job_id: int,
    batch_id: int,
    layout_id: int,
    content_b64: str,
    filename: str,
    actor_id: int | None,
    value_date: str | None = None,
    attempt: int = 1,
) -> dict:
    """Import the bank's result file. Resumable: the file is recorded by its sha256 and applied
    in chunks, each its own transaction; a second run of the same file starts after the last
    chunk committed, and each payment's booking has the key ``pay:<payment id>`` (a payment is
    booked only while it is ``sent``), so nothing is booked twice."""

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

    return _run(self, job_id, attempt, work)


@shared_task(name="disbursement.reap_jobs")
def reap_jobs_task() -> dict:
    """Mark interrupted every job whose heartbeat stopped (the beat schedule runs it every
    ``JOB_REAP_INTERVAL`` seconds; every worker also runs the reaper as it starts)."""
    return {"interrupted": jobs_reap()}


TASKS = {
    "generate_cycle": generate_cycle_task,
    "build_batch": build_batch_task,
    "export_batch": export_batch_task,
    "import_results": import_results_task,
}


def _send(job: JobProgress, *, actor_id: int | None, kwargs: dict) -> None:
    task, job_id, attempt = TASKS[job.kind], job.pk, job.attempt
    transaction.on_commit(lambda: task.delay(job_id, actor_id=actor_id, attempt=attempt, **kwargs))


def job_submit(kind: str, *, actor, **kwargs) -> JobProgress:
    """Create the progress row and start the job (eagerly, or on a worker via the broker).

    Call it outside a transaction: the row must be committed before a worker looks for it, so
    the task is sent once the current transaction (if any) commits. An import's file is not in
    ``params``; an encrypted copy is kept on the row until the job ends, for a retry.
    """
    params = {k: v for k, v in kwargs.items() if k != "content_b64"}
    job = JobProgress.objects.create(
        kind=kind,
        params=params,
        created_by=actor if getattr(actor, "pk", None) else None,
        heartbeat_at=timezone.now(),
        input_enc=job_input_keep(kwargs["content_b64"]) if "content_b64" in kwargs else "",
    )
    _send(job, actor_id=actor.pk if getattr(actor, "pk", None) else None, kwargs=kwargs)
    return job


def job_retry(job: JobProgress, *, actor) -> JobProgress:
    """Run an interrupted job again for ``actor`` (``services.job_reopen`` checks and audits
    it): the same task with the job's parameters, as ``actor``, under the next ``attempt``.
    What the first run did is found, not done again (each task's docstring says how)."""
    job = job_reopen(job=job, actor=actor)
    kwargs = dict(job.params or {})
    if job.kind == "import_results":
        kwargs["content_b64"] = job_input(job)
    _send(job, actor_id=actor.pk, kwargs=kwargs)
    return job
