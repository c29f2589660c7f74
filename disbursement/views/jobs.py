"""Long jobs on the screens (build, export, import, cycle generation): starting one from a
form, answering the form once it has run, and the job's own page with its progress bar.

Jobs run eagerly in-process unless a broker is set. When the job has already finished by the
time ``start_job`` returns, the view answers at once (``after_job``: the result page, or the form
with the refusal); otherwise it sends the user to the job's page, whose progress bar polls
``progress.json``. A job is seen by the person who started it and by the roles holding
``disbursement.view_any_job``.

A job whose process died is marked ``interrupted`` by the reaper; its page says so and offers a
retry (``job_retry``) to whoever may start that kind of job and watch this one
(``services.job_may_retry``; ``services.job_reopen`` checks it again and audits it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.errors import FundError, status_for
from common.filters import query_id
from common.permissions import holds_perm, permission_required

from .. import selectors
from ..models import JobProgress, JobStatus
from ..services import held_text, job_may_retry
from ..tasks import job_retry as retry_job
from ..tasks import job_submit
from .common import VIEW_ANY_JOB, VIEW_JOB

HELD_SHOWN = 10  # beneficiaries named in the message after a cycle's generation
JOB_LABELS = selectors.JOB_LABELS
# The page stops polling: the job ended, or stopped and waits for a retry.
STOPPED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.INTERRUPTED)


def start_job(request, kind: str, **params) -> JobProgress:
    """Start a ``kind`` job for the signed-in user (``disbursement.tasks.job_submit``)."""
    return job_submit(kind, actor=request.user, **params)


def job_for(request, pk: int) -> JobProgress:
    """The job, for the user who started it or one who may watch any job (403 otherwise)."""
    job = get_object_or_404(selectors.jobs_with_creator(), pk=pk)
    user = request.user
    if job.created_by_id != user.pk and not holds_perm(user, VIEW_ANY_JOB):
        raise PermissionDenied
    return job


def own_failed_job(request, kind: str) -> JobProgress | None:
    """The failed ``kind`` job named by ``?job=``, when the user started it: its form shows the
    refusal again with what was typed."""
    job_id = query_id(request.GET.get("job"))
    if job_id is None:
        return None
    return selectors.own_failed_job(request.user, job_id=job_id, kind=kind)


def job_urls(job: JobProgress) -> dict[str, str]:
    """Where a job's outcome is seen: ``result`` (done), ``back`` (the screen it came from),
    ``download`` (an export's file)."""
    params, result = job.params or {}, job.result or {}
    urls: dict[str, str] = {}
    batch_id = params.get("batch_id") or result.get("batch_id")
    if batch_id:
        urls["back"] = urls["result"] = reverse("payouts:batch", args=[batch_id])
    if job.kind == "build_batch":
        urls["back"] = f"{reverse('payouts:batch-new')}?job={job.pk}"
    elif job.kind == "export_batch" and result.get("export_id"):
        urls["download"] = reverse("payouts:export-download", args=[result["export_id"]])
    elif job.kind == "generate_cycle":
        program_id = selectors.cycle_program_id(params.get("cycle_id"))
        query = f"?program={program_id}" if program_id is not None else ""
        urls["back"] = urls["result"] = f"{reverse('payouts:cycles')}{query}"
    if job.status != JobStatus.DONE:
        urls.pop("result", None)
    return urls


def job_done_message(job: JobProgress) -> str:
    """What a finished job made, in a sentence for the user."""
    result = job.result or {}
    if job.kind == "build_batch":
        return _("Batch PB%(id)s built: %(n)s payments. A finance supervisor must approve it.") % {
            "id": result.get("batch_id"),
            "n": result.get("count"),
        }
    if job.kind == "export_batch":
        return _(
            "Bank file %(name)s written (%(rows)s payments, now marked sent). Download it from "
            "the list of exports."
        ) % {"name": result.get("filename"), "rows": result.get("rows")}
    if job.kind == "import_results":
        return _(
            "Bank results imported: %(paid)s paid, %(failed)s failed, %(already)s already recorded."
        ) % {
            "paid": result.get("paid"),
            "failed": result.get("failed"),
            "already": result.get("already"),
        }
    if job.kind == "generate_cycle":
        done = _("%(n)s entitlements generated (%(already)s were there before).") % {
            "n": result.get("created"),
            "already": result.get("already"),
        }
        if result.get("held_count"):
            shown = result.get("held") or []
            done += " " + _(
                "%(n)s beneficiaries left out, each already awarded in this program and cycle "
                "(one award per person): %(list)s."
            ) % {
                "n": result["held_count"],
                "list": "; ".join(held_text(h) for h in shown[:HELD_SHOWN])
                + ("; …" if result["held_count"] > min(len(shown), HELD_SHOWN) else ""),
            }
        return done
    return _("Done.")


def after_job(
    request, job: JobProgress, on_failure: Callable[[JobProgress], HttpResponse]
) -> HttpResponse:
    """Answer a POST that started ``job``: at once when it already ended, else its page."""
    job.refresh_from_db()
    if job.status == JobStatus.DONE:
        messages.success(request, job_done_message(job))
        return redirect(job_urls(job).get("result") or reverse("payouts:job", args=[job.pk]))
    if job.status == JobStatus.FAILED:
        return on_failure(job)
    return redirect("payouts:job", pk=job.pk)


def job_payload(job: JobProgress) -> dict:
    """The job's progress as ``progress.json`` sends it to the progress bar."""
    urls = job_urls(job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": str(JobStatus(job.status).label),
        "current": job.current,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "finished": job.status in STOPPED,
        "error": job.error,
        "result_url": urls.get("result"),
    }


def job_page(request, job: JobProgress, *, status: int = 200, error: str = "") -> HttpResponse:
    return render(
        request,
        "disbursement/job.html",
        {
            "job": job,
            "label": JOB_LABELS.get(job.kind, job.kind),
            "urls": job_urls(job),
            "problems": (job.result or {}).get("problems") or [],
            "finished": job.status in STOPPED,
            "done_message": job_done_message(job) if job.status == JobStatus.DONE else "",
            "may_retry": job_may_retry(job, request.user),
            "retry_error": error,
        },
        status=status,
    )


@require_safe
@permission_required(VIEW_JOB)
def job_detail(request, pk: int):
    return job_page(request, job_for(request, pk))


@permission_required(VIEW_JOB)
@require_POST
def job_retry(request, pk: int):
    """Retry an interrupted job: it runs again as the person retrying, resuming what the dead
    run left (nothing is booked twice: each job kind is safe to run again)."""
    job = job_for(request, pk)
    try:
        job = retry_job(job, actor=request.user)
    except FundError as exc:
        job.refresh_from_db()
        return job_page(request, job, status=status_for(exc.code), error=str(exc))
    messages.info(
        request, _("The job was started again; what it had already done is not done twice.")
    )
    return after_job(request, job, lambda failed: redirect("payouts:job", pk=failed.pk))


@require_safe
@permission_required(VIEW_JOB)
def job_progress(request, pk: int):
    response = JsonResponse(job_payload(job_for(request, pk)))
    response["Cache-Control"] = "no-store"
    return response
