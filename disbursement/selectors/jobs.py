"""Long jobs (build, export, import, cycle generation) as their pages read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from common.permissions import holds_perm

from ..models import JobProgress, JobStatus

# What each kind of job is doing, as its page's title and the home page's list name it.
JOB_LABELS = {
    "build_batch": gettext_lazy("Building a payout batch"),
    "export_batch": gettext_lazy("Writing the bank payment file"),
    "import_results": gettext_lazy("Importing the bank's result file"),
    "generate_cycle": gettext_lazy("Generating a cycle's entitlements"),
}
INTERRUPTED_SHOWN = 5  # jobs named on the home page


def job_label(kind: str) -> str:
    return str(JOB_LABELS.get(kind, kind))


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


@dataclass
class InterruptedJobs:
    count: int = 0
    jobs: list[JobProgress] = field(default_factory=list)  # the newest, at most INTERRUPTED_SHOWN


def interrupted_jobs_for(user) -> InterruptedJobs:
    """The interrupted jobs ``user`` may watch (their own; every one with
    ``disbursement.view_any_job``), for the home page's line."""
    if not holds_perm(user, "disbursement.view_jobprogress"):
        return InterruptedJobs()
    found = JobProgress.objects.filter(status=JobStatus.INTERRUPTED)
    if not holds_perm(user, "disbursement.view_any_job"):
        found = found.filter(created_by=user)
    jobs = list(found.select_related("created_by").order_by("-id")[:INTERRUPTED_SHOWN])
    for job in jobs:
        job.label = job_label(job.kind)
    count = len(jobs) if len(jobs) < INTERRUPTED_SHOWN else found.count()
    return InterruptedJobs(count=count, jobs=jobs)
