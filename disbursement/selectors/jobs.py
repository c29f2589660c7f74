"""Long jobs (build, export, import, cycle generation) as their pages read them."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import JobProgress, JobStatus


def job_progress(job_id: int) -> JobProgress | None:
    """The job, or None when there is no such job."""
    return JobProgress.objects.filter(pk=job_id).first()


def jobs_with_creator() -> QuerySet[JobProgress]:
    """Every job with the user who started it (who may watch it is the view's check)."""
    return JobProgress.objects.select_related("created_by")


def own_failed_job(user, *, job_id: int, kind: str) -> JobProgress | None:
    """The ``kind`` job ``user`` started that failed, or None (another user's, or not failed):
    a form shows its refusal again, with what was typed."""
    return JobProgress.objects.filter(
        pk=job_id, kind=kind, status=JobStatus.FAILED, created_by=user
    ).first()
