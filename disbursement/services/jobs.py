"""The life of a long job's row (``JobProgress``), so that a job survives the death of the
process running it.

* ``job_claim``: a worker (or the web process, eagerly) takes the job before running it, in one
  conditional UPDATE: a ``queued`` or ``interrupted`` job of the same ``attempt``, or a
  ``running`` one whose heartbeat stopped (its worker died and the broker delivered the task
  again). A job finished, superseded by a retry, or running with a fresh heartbeat elsewhere is
  not run twice.
* ``job_finish``: the first run to end a job writes its outcome; a later one changes nothing.
* ``jobs_reap``: marks ``interrupted`` every ``running`` job whose heartbeat is older than
  ``JOB_HEARTBEAT_TIMEOUT`` (and, without a broker, every ``queued`` one: nothing will ever run
  it), audited. A live job is never touched: its heartbeat is fresh, and on PostgreSQL a job
  row locked by a live transaction is skipped.
* ``job_reopen``: a person's retry of an interrupted job: the same permission as starting it,
  the same scope (a batch in their region), ``attempt`` plus one, audited. The task is sent
  again by ``disbursement.tasks.job_retry``, and the service runs again as the person who
  retried, so its own rules (maker-checker included) apply to them.

Each job kind is safe to run again (see each task's docstring in ``disbursement.tasks``): what
it already booked is found by its idempotency keys or its unique rows, never booked twice.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals import crypto
from common import metrics
from common.permissions import holds_perm
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidState, NotAllowed
from ..models import FINISHED_STATUSES, JobProgress, JobStatus
from ._common import heartbeat_timeout, require_perm

# The permission that starts each kind of job (and so retries it).
JOB_PERMISSIONS = {
    "build_batch": "disbursement.build_payoutbatch",
    "export_batch": "disbursement.export_payoutbatch",
    "import_results": "disbursement.import_bankresults",
    "generate_cycle": "disbursement.generate_cycle",
}
VIEW_ANY_JOB = "disbursement.view_any_job"

RUN, BUSY, OVER = "run", "busy", "over"


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True))


def _stale(cutoff) -> Q:
    """A job that should be running but has shown no sign of life since ``cutoff``."""
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    stale = Q(status=JobStatus.RUNNING) & silent
    if _eager():
        # In-process jobs run as soon as their request commits: one still queued after the
        # timeout belongs to a process that died first. With a broker, a queued job may only be
        # waiting for a free worker (its message is kept by the broker).
        stale |= Q(status=JobStatus.QUEUED) & silent
    return stale


def job_claim(job_id: int, *, attempt: int = 1) -> str:
    """Take the job for this run: ``RUN`` (go), ``BUSY`` (alive elsewhere: try later) or
    ``OVER`` (finished, superseded by a retry, or gone: do nothing)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=heartbeat_timeout())
    claimable = Q(status__in=[JobStatus.QUEUED, JobStatus.INTERRUPTED]) | (
        Q(status=JobStatus.RUNNING)
        & (Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
    )
    taken = JobProgress.objects.filter(claimable, pk=job_id, attempt=attempt).update(
        status=JobStatus.RUNNING, heartbeat_at=now, runs=F("runs") + 1, error=""
    )
    if taken:
        return RUN
    job = JobProgress.objects.filter(pk=job_id).only("status", "attempt").first()
    if job is None or job.attempt != attempt or job.status in FINISHED_STATUSES:
        return OVER
    return BUSY


def job_finish(job_id: int, *, result: dict | None = None, error: str = "") -> None:
    """Record the job's outcome (done, or failed with ``error``) and drop its kept input. The
    first run to finish decides: a job already done or failed is left as it is."""
    status = JobStatus.FAILED if error else JobStatus.DONE
    finished = (
        JobProgress.objects.filter(pk=job_id)
        .exclude(status__in=FINISHED_STATUSES)
        .update(
            status=status,
            result=result or {},
            error=error,
            finished_at=timezone.now(),
            input_enc="",
        )
    )
    if finished:
        kind = JobProgress.objects.filter(pk=job_id).values_list("kind", flat=True).first()
        metrics.JOBS.labels(kind or "", str(status)).inc()


def jobs_reap(*, now=None, timeout: float | None = None) -> list[int]:
    """Mark interrupted every job whose heartbeat stopped; return their ids (see the module
    docstring). Run by ``manage.py reap_jobs``, the Celery beat entry and each worker's start."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=heartbeat_timeout() if timeout is None else timeout)
    reaped: list[int] = []
    with transaction.atomic():
        found = JobProgress.objects.filter(_stale(cutoff)).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # A row locked by another transaction belongs to a live job (a transaction dies
            # with its connection): skip it rather than wait for it.
            found = found.select_for_update(skip_locked=True)
        for job in found.only("pk", "kind", "status", "heartbeat_at", "runs", "attempt"):
            changed = (
                JobProgress.objects.filter(_stale(cutoff), pk=job.pk)
                .exclude(status__in=FINISHED_STATUSES)
                .update(status=JobStatus.INTERRUPTED, interrupted_at=now)
            )
            if not changed:
                continue
            reaped.append(job.pk)
            audit(
                actor=None,
                action=AuditAction.JOB_INTERRUPT,
                obj=job,
                kind=job.kind,
                was=job.status,
                heartbeat_at=job.heartbeat_at.isoformat() if job.heartbeat_at else None,
                attempt=job.attempt,
                runs=job.runs,
            )
    return reaped


def job_may_retry(job: JobProgress, user) -> bool:
    """Whether ``user`` may press retry on ``job`` (the page shows the button only then)."""
    if job.status != JobStatus.INTERRUPTED or not getattr(user, "pk", None):
        return False
    if job.created_by_id != user.pk and not holds_perm(user, VIEW_ANY_JOB):
        return False
    perm = JOB_PERMISSIONS.get(job.kind)
    return bool(perm) and holds_perm(user, perm)


def _check_scope(job: JobProgress, actor) -> None:
    from ..selectors import batches_for_user

    batch_id = (job.params or {}).get("batch_id")
    if batch_id and not batches_for_user(actor).filter(pk=batch_id).exists():
        raise NotAllowed(
            _("The job's batch PB%(batch)s lies outside your region.") % {"batch": batch_id}
        )


def job_reopen(*, job: JobProgress, actor) -> JobProgress:
    """Queue an interrupted job again for ``actor`` (see the module docstring): checked,
    ``attempt`` + 1, audited, in one transaction. The caller sends the task once it commits."""
    perm = JOB_PERMISSIONS.get(job.kind)
    if perm is None:
        raise InvalidState(_("This kind of job cannot be retried."))
    require_perm(actor, perm)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A job is retried by a person: sign in."))
    with transaction.atomic():
        job = JobProgress.objects.select_for_update().get(pk=job.pk)
        if job.created_by_id != actor.pk and not holds_perm(actor, VIEW_ANY_JOB):
            raise NotAllowed(
                _("Only the person who started this job, or a supervisor of jobs, may retry it.")
            )
        if job.status != JobStatus.INTERRUPTED:
            raise InvalidState(
                _("Only an interrupted job can be retried; this one is %(status)s.")
                % {"status": JobStatus(job.status).label}
            )
        _check_scope(job, actor)
        if job.kind == "import_results" and not job.input_enc:
            raise InvalidState(
                _(
                    "The result file of this import is no longer kept: import it again from "
                    "the batch's page (what was already booked is not booked twice)."
                )
            )
        previous = job.attempt
        job.attempt = previous + 1
        job.status = JobStatus.QUEUED
        job.heartbeat_at = timezone.now()
        job.error = ""
        job.save(update_fields=["attempt", "status", "heartbeat_at", "error"])
        audit(
            actor=actor,
            action=AuditAction.JOB_RETRY,
            obj=job,
            kind=job.kind,
            attempt=job.attempt,
            started_by=job.created_by_id,
            runs=job.runs,
            current=job.current,
            total=job.total,
        )
    return job


def job_input_keep(content_b64: str) -> str:
    """The encrypted copy of a job's input file kept on its row until it ends (``input_enc``)."""
    return crypto.encrypt(content_b64)


def job_input(job: JobProgress) -> str:
    """The job's kept input file, base64 (as the task takes it)."""
    text = crypto.decrypt(job.input_enc)
    base64.b64decode(text, validate=True)  # a damaged copy fails here, not half-way in a task
    return text
