"""Jobs: ``JobProgress`` is the progress row a screen polls while a long job (cycle
generation, batch build, export, result import) runs in Celery or in-process.

A job survives the death of the process running it:

* **Heartbeat.** While it runs, the job's progress reporter writes ``heartbeat_at`` (with each
  progress step, and on its own at most every ``JOB_HEARTBEAT_INTERVAL`` seconds).
* **Interrupted.** The reaper (``disbursement.services.jobs_reap``: ``manage.py reap_jobs``, a
  Celery beat entry, and every worker as it starts) marks a ``running`` job whose heartbeat is
  older than ``JOB_HEARTBEAT_TIMEOUT`` as ``interrupted``; a live job's heartbeat is fresh, so
  it is never touched.
* **Attempts.** ``attempt`` counts the retries a person asked for (1 for the first run): a
  message of an earlier attempt that the broker delivers again finds the number changed and
  does nothing. ``runs`` counts how often a worker started the job (a redelivery after a dead
  worker adds one).
* **Input.** An import's file is kept, encrypted, in ``input_enc`` until the job ends, so that a
  retry can read it again; it is emptied when the job is done or failed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import user_fk


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    INTERRUPTED = "interrupted", _("interrupted")


# The job ended: nothing will move it any more (an interrupted job waits for a retry).
FINISHED_STATUSES = (JobStatus.DONE, JobStatus.FAILED)


class JobProgress(models.Model):
    """The progress of one long job, polled by a page: ``current`` of ``total`` done."""

    kind = models.CharField(_("job"), max_length=30)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    current = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = user_fk(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    interrupted_at = models.DateTimeField(_("found interrupted at"), null=True, blank=True)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    runs = models.PositiveIntegerField(_("times started"), default=0)
    input_enc = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        # Everyone sees the jobs they started; this lets a role that oversees the others
        # (disbursement/roles.py) watch any of them.
        permissions = [("view_any_job", _("Can watch every payout job"))]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]
        constraints = [
            models.CheckConstraint(condition=models.Q(attempt__gte=1), name="job_attempt_from_1"),
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="job_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.current}/{self.total} {self.status}"

    @property
    def percent(self) -> int:
        return (
            100 if self.status == JobStatus.DONE else int(100 * self.current / max(self.total, 1))
        )
