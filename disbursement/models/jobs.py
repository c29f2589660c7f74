"""Jobs: ``JobProgress`` is the progress row a screen polls while a long job (cycle
generation, batch build, export, result import) runs in Celery or in-process.
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


class JobProgress(models.Model):
    """The progress of one long job, polled by a page: ``current`` of ``total`` done."""

    kind = models.CharField(_("job"), max_length=30)
    status = models.CharField(
        _("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED
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

    class Meta:
        ordering = ["-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        # Everyone sees the jobs they started; this lets a role that oversees the others
        # (disbursement/roles.py) watch any of them.
        permissions = [("view_any_job", _("Can watch every payout job"))]

    def __str__(self) -> str:
        return f"{self.kind} {self.current}/{self.total} {self.status}"

    @property
    def percent(self) -> int:
        return (
            100 if self.status == JobStatus.DONE else int(100 * self.current / max(self.total, 1))
        )
