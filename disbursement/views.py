"""Staff screens of payouts, under /payouts/: batches (list, build, detail with the
reconciliation panel, approve, discard, bank file export and download, bank result import),
long jobs with a progress bar, the late-payments report, cycles of recurring programs and
beneficiary enrolments.

Each view checks the role permission (``common.permissions``: anonymous -> login, wrong role ->
403) AND the region: batches, enrolments and late awards are read through
``selectors.batches_for_user`` and the like, so anything outside the user's region is a plain
404 (or is not listed). Every write is one service call or one job (``tasks.job_submit``); a
typed error goes back next to the form, with what the user typed kept.

Long jobs (build, export, import, cycle generation) run eagerly in-process unless a broker is
set. When the job has already finished by the time ``job_submit`` returns, the view answers at
once (the result page, or the form with the refusal); otherwise it sends the user to the job's
page, whose progress bar polls ``progress.json``.
"""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.models import Person, Program
from approvals.selectors import regions_below
from common.errors import FundError, status_for
from common.exports import XLSX_TYPE, export_or_none, query_without
from common.permissions import permission_required
from fundapp.roles import AUDITOR, FINANCE_SUPERVISOR, user_roles

from . import selectors, services
from .exceptions import ExportFileAltered, ExportFileUnavailable
from .forms import (
    BatchBuildForm,
    BatchFilterForm,
    CycleFilterForm,
    CycleOpenForm,
    DiscardForm,
    EnrolForm,
    EnrolmentChangeForm,
    EnrolmentFilterForm,
    ExportForm,
    LateFilterForm,
    ResultImportForm,
)
from .models import (
    BatchStatus,
    Cycle,
    EnrolmentStatus,
    Entitlement,
    ExportFormat,
    ExportLog,
    JobProgress,
    JobStatus,
    Payment,
    PaymentStatus,
)
from .tasks import job_submit

PAGE_SIZE = 50
LATE_SHOWN = 500
PEOPLE_FOUND = 50

VIEW_BATCH = "disbursement.view_payoutbatch"
PERM_BUILD = "disbursement.build_payoutbatch"
PERM_APPROVE = "disbursement.approve_payoutbatch"
PERM_EXPORT = "disbursement.export_payoutbatch"
PERM_IMPORT = "disbursement.import_bankresults"
VIEW_CYCLE = "disbursement.view_cycle"
PERM_GENERATE = "disbursement.generate_cycle"
VIEW_ENROLMENT = "disbursement.view_enrolment"
PERM_ENROL = "disbursement.manage_enrolment"
VIEW_JOB = "disbursement.view_jobprogress"

JOB_LABELS = {
    "build_batch": gettext_lazy("Building a payout batch"),
    "export_batch": gettext_lazy("Writing the bank payment file"),
    "import_results": gettext_lazy("Importing the bank's result file"),
    "generate_cycle": gettext_lazy("Generating a cycle's entitlements"),
}
# Besides the person who started it, these roles may watch any job (they oversee the others).
JOB_WATCHERS = {FINANCE_SUPERVISOR, AUDITOR}


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _money_totals(rows) -> list[tuple[str, Decimal]]:
    """(currency, sum) pairs of (amount, currency) rows, per currency: sums never mix them."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in rows:
        totals[str(currency)] += amount
    return sorted(totals.items())


# --------------------------------------------------------------------------------------------
# jobs
# --------------------------------------------------------------------------------------------
def _job_for(request, pk: int) -> JobProgress:
    job = get_object_or_404(JobProgress.objects.select_related("created_by"), pk=pk)
    user = request.user
    if job.created_by_id != user.pk and not set(user_roles(user)) & JOB_WATCHERS:
        raise PermissionDenied
    return job


def _job_urls(job: JobProgress) -> dict[str, str]:
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
        cycle = Cycle.objects.filter(pk=params.get("cycle_id")).first()
        query = f"?program={cycle.program_id}" if cycle else ""
        urls["back"] = urls["result"] = f"{reverse('payouts:cycles')}{query}"
    if job.status != JobStatus.DONE:
        urls.pop("result", None)
    return urls


def _job_done_message(job: JobProgress) -> str:
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
        return _("%(n)s entitlements generated (%(already)s were there before).") % {
            "n": result.get("created"),
            "already": result.get("already"),
        }
    return _("Done.")


def _after_job(request, job: JobProgress, on_failure):
    """Answer a POST that started ``job``: at once when it already ended, else its page."""
    job.refresh_from_db()
    if job.status == JobStatus.DONE:
        messages.success(request, _job_done_message(job))
        return redirect(_job_urls(job).get("result") or reverse("payouts:job", args=[job.pk]))
    if job.status == JobStatus.FAILED:
        return on_failure(job)
    return redirect("payouts:job", pk=job.pk)


def _job_payload(job: JobProgress) -> dict:
    urls = _job_urls(job)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_label": str(JobStatus(job.status).label),
        "current": job.current,
        "total": job.total,
        "percent": job.percent,
        "message": job.message,
        "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
        "error": job.error,
        "result_url": urls.get("result"),
    }


@permission_required(VIEW_JOB)
@require_GET
def job_detail(request, pk: int):
    job = _job_for(request, pk)
    return render(
        request,
        "disbursement/job.html",
        {
            "job": job,
            "label": JOB_LABELS.get(job.kind, job.kind),
            "urls": _job_urls(job),
            "problems": (job.result or {}).get("problems") or [],
            "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
            "done_message": _job_done_message(job) if job.status == JobStatus.DONE else "",
        },
    )


@permission_required(VIEW_JOB)
@require_GET
def job_progress(request, pk: int):
    response = JsonResponse(_job_payload(_job_for(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------------------------
# batches: list and build
# --------------------------------------------------------------------------------------------
@permission_required(VIEW_BATCH)
@require_GET
def batches(request):
    form = BatchFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.batches_for_user(request.user).order_by("-id")
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("program"):
        rows = rows.filter(program=data["program"])
    download = export_or_none(
        request,
        title=_("Payout batches"),
        headers=[
            _("Batch"),
            _("Program"),
            _("Fund"),
            _("Cycle"),
            _("Region"),
            _("Status"),
            _("Payments"),
            _("Total"),
            _("Currency"),
            _("Built by"),
            _("Built at"),
            _("Approved by"),
            _("Approved at"),
            _("First exported at"),
            _("Closed at"),
        ],
        rows=lambda: (
            [
                str(b),
                b.program.code,
                b.fund.code,
                b.cycle,
                b.region.name if b.region else "",
                b.get_status_display(),
                b.count,
                b.total.amount,
                str(b.total.currency),
                b.built_by.get_username(),
                b.built_at,
                b.approved_by.get_username() if b.approved_by else "",
                b.approved_at,
                b.exported_at,
                b.closed_at,
            ]
            for b in rows.iterator()
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "disbursement/batches.html",
        {
            "form": form,
            "page": _page(request, rows),
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


def _owed_summary(user) -> list[dict]:
    """Per active program: how many final awards and entitlements of the user's region are
    still owed (not in a live payment), and their sum; shown beside the build form."""
    region = selectors.staff_region(user)
    out = []
    for program in Program.objects.filter(is_active=True).order_by("code"):
        row = {"program": program, "count": 0, "totals": defaultdict(Decimal)}
        for qs in (
            selectors.unpaid_cases(program=program, region=region),
            selectors.unpaid_entitlements(program=program, region=region),
        ):
            for item in qs.values("amount_currency").annotate(n=Count("id"), total=Sum("amount")):
                row["count"] += item["n"]
                row["totals"][item["amount_currency"]] += item["total"] or Decimal("0")
        if row["count"]:
            row["totals"] = sorted(row["totals"].items())
            out.append(row)
    return out


def _own_failed_job(request, kind: str) -> JobProgress | None:
    raw = request.GET.get("job") or ""
    if not raw.isdigit():
        return None
    return JobProgress.objects.filter(
        pk=int(raw), kind=kind, status=JobStatus.FAILED, created_by=request.user
    ).first()


@permission_required(VIEW_BATCH, PERM_BUILD)
@require_http_methods(["GET", "POST"])
def batch_new(request):
    region = selectors.staff_region(request.user)
    if region is None:
        raise PermissionDenied(_("Your account has no region; ask the administrator."))
    regions = regions_below(region).order_by("code")
    error, problems, status = None, [], 200
    if request.method == "POST":
        form = BatchBuildForm(request.POST, regions=regions)
        if form.is_valid():
            job = job_submit("build_batch", actor=request.user, **form.job_params())

            def refused(job):
                result = job.result or {}
                status = status_for(result.get("code"))
                return _build_page(request, form, job.error, result.get("problems") or [], status)

            return _after_job(request, job, refused)
        status = 400
    else:
        failed = _own_failed_job(request, "build_batch")
        if failed is not None:
            # The job page links back here: the refusal next to the form, the input kept.
            form = BatchBuildForm(BatchBuildForm.initial_from_job(failed.params), regions=regions)
            form.is_valid()
            error = failed.error
            problems = (failed.result or {}).get("problems") or []
        else:
            form = BatchBuildForm(
                initial={"program": request.GET.get("program") or None}, regions=regions
            )
    return _build_page(request, form, error, problems, status)


def _build_page(request, form, error, problems, status):
    return render(
        request,
        "disbursement/batch_form.html",
        {
            "form": form,
            "error": error,
            "problems": problems,
            "owed": _owed_summary(request.user),
        },
        status=status,
    )


# --------------------------------------------------------------------------------------------
# batch detail and its actions
# --------------------------------------------------------------------------------------------
def _batch_or_404(user, pk: int):
    return get_object_or_404(selectors.batches_for_user(user), pk=pk)


def _payment_rows(batch, status_filter: str):
    qs = Payment.objects.filter(batch=batch).select_related(
        "case", "entitlement__cycle", "entitlement__enrolment__person", "reissue_of"
    )
    if status_filter:
        qs = qs.filter(status=status_filter)
    return qs.order_by("id")


def _export_payments(request, batch):
    status_filter = request.GET.get("status") or ""
    if status_filter not in PaymentStatus.values:
        status_filter = ""
    now = timezone.now()

    def rows():
        for p in _payment_rows(batch, status_filter).iterator(chunk_size=2000):
            days = selectors.payment_days(p)
            yield [
                p.reference,
                _source_label(p),
                p.payee_name,
                p.account_masked,
                p.bank_name,
                p.amount.amount,
                str(p.amount.currency),
                p.get_status_display(),
                p.owed_since,
                p.paid_at,
                days if days is not None else (now - p.owed_since).days,
                p.bank_txn_id,
                p.failure_reason,
                p.charge,
                p.reissue_of.reference if p.reissue_of else "",
            ]

    return export_or_none(
        request,
        title=_("Payments of batch %(batch)s") % {"batch": batch},
        headers=[
            _("Reference"),
            _("Award"),
            _("Account holder"),
            _("Account"),
            _("Bank"),
            _("Amount"),
            _("Currency"),
            _("Status"),
            _("Owed since"),
            _("Paid at"),
            _("Days"),
            _("Bank transaction id"),
            _("Failure reason"),
            _("Bank charge"),
            _("Reissue of"),
        ],
        rows=rows,
    )


def _source_label(payment: Payment) -> str:
    if payment.case_id:
        return payment.case.number
    ent = payment.entitlement
    return f"{ent.cycle.code} · {ent.enrolment.person.name}"


def _detail(request, batch, *, status=200, error=None, problems=None, **forms):
    user = request.user
    batch.refresh_from_db()
    status_filter = request.GET.get("status") or ""
    if status_filter not in PaymentStatus.values:
        status_filter = ""
    page = _page(request, _payment_rows(batch, status_filter))
    late_days = selectors.late_days_setting()
    now = timezone.now()
    rows = []
    for p in page.object_list:
        days = selectors.payment_days(p)
        waiting = days is None
        days = (now - p.owed_since).days if waiting else days
        rows.append({"p": p, "days": days, "waiting": waiting, "late": days > late_days})
    has_imports = batch.imports.exists()
    own = batch.built_by_id == user.pk
    counts = {
        row["status"]: row["n"]
        for row in Payment.objects.filter(batch=batch).values("status").annotate(n=Count("id"))
    }
    context = {
        "batch": batch,
        "page": page,
        "rows": rows,
        "status_filter": status_filter,
        "status_tabs": [
            (value, label, counts[value])
            for value, label in PaymentStatus.choices
            if value in counts
        ],
        "query": query_without(request, "page", "format"),
        "export_query": query_without(request, "format"),
        "rec": selectors.batch_reconciliation(batch),
        "timing": selectors.payment_timeliness(batch=batch),
        "late_days": late_days,
        "exports": batch.exports.select_related("layout", "exported_by"),
        "imports": batch.imports.select_related("layout", "imported_by"),
        "skipped": [s for s in batch.skipped if "reason" in s],
        "skipped_count": next((s["count"] for s in batch.skipped if "count" in s), 0),
        "error": error,
        "problems": problems or [],
        "is_draft": batch.status == BatchStatus.DRAFT,
        "own_batch": own,
        "can_approve": user.has_perm(PERM_APPROVE) and batch.status == BatchStatus.DRAFT,
        "can_discard": user.has_perm(PERM_BUILD) and batch.status == BatchStatus.DRAFT,
        "can_export": user.has_perm(PERM_EXPORT)
        and batch.status in (BatchStatus.APPROVED, BatchStatus.EXPORTED)
        and not has_imports,
        "can_download": user.has_perm(PERM_EXPORT),
        "can_import": user.has_perm(PERM_IMPORT)
        and batch.status in (BatchStatus.EXPORTED, BatchStatus.CLOSED),
        "discard_form": forms.get("discard_form") or DiscardForm(prefix="discard"),
        "export_form": forms.get("export_form") or ExportForm(prefix="export"),
        "import_form": forms.get("import_form") or ResultImportForm(prefix="import"),
    }
    return render(request, "disbursement/batch_detail.html", context, status=status)


@permission_required(VIEW_BATCH)
@require_GET
def batch_detail(request, pk: int):
    batch = _batch_or_404(request.user, pk)
    download = _export_payments(request, batch)
    if download is not None:
        return download
    return _detail(request, batch)


@permission_required(VIEW_BATCH, PERM_APPROVE)
@require_POST
def batch_approve(request, pk: int):
    batch = _batch_or_404(request.user, pk)
    try:
        batch = services.batch_approve(batch=batch, actor=request.user)
    except FundError as exc:
        return _detail(request, batch, status=exc.status, error=exc.message)
    messages.success(
        request,
        _("Batch %(batch)s approved: export the bank file next.") % {"batch": batch},
    )
    return redirect("payouts:batch", pk=batch.pk)


@permission_required(VIEW_BATCH, PERM_BUILD)
@require_POST
def batch_discard(request, pk: int):
    batch = _batch_or_404(request.user, pk)
    form = DiscardForm(request.POST, prefix="discard")
    if not form.is_valid():
        return _detail(request, batch, status=400, discard_form=form)
    try:
        batch = services.batch_discard(
            batch=batch, reason=form.cleaned_data["reason"], actor=request.user
        )
    except FundError as exc:
        return _detail(request, batch, status=exc.status, error=exc.message, discard_form=form)
    messages.success(
        request,
        _("Batch %(batch)s discarded; its awards are owed again.") % {"batch": batch},
    )
    return redirect("payouts:batch", pk=batch.pk)


@permission_required(VIEW_BATCH, PERM_EXPORT)
@require_POST
def batch_export(request, pk: int):
    batch = _batch_or_404(request.user, pk)
    form = ExportForm(request.POST, prefix="export")
    if not form.is_valid():
        return _detail(request, batch, status=400, export_form=form)
    job = job_submit(
        "export_batch",
        actor=request.user,
        batch_id=batch.pk,
        layout_id=form.cleaned_data["layout"].pk,
        fmt=form.cleaned_data["fmt"],
    )
    return _after_job(
        request,
        job,
        lambda job: _detail(
            request,
            batch,
            status=status_for((job.result or {}).get("code")),
            error=job.error,
            export_form=form,
        ),
    )


@permission_required(VIEW_BATCH, PERM_IMPORT)
@require_POST
def batch_import(request, pk: int):
    batch = _batch_or_404(request.user, pk)
    form = ResultImportForm(request.POST, request.FILES, prefix="import")
    if not form.is_valid():
        return _detail(request, batch, status=400, import_form=form)
    upload = form.cleaned_data["file"]
    job = job_submit(
        "import_results",
        actor=request.user,
        batch_id=batch.pk,
        layout_id=form.cleaned_data["layout"].pk,
        content_b64=base64.b64encode(upload.read()).decode("ascii"),
        filename=upload.name[:200],
    )
    return _after_job(
        request,
        job,
        lambda job: _detail(
            request,
            batch,
            status=status_for((job.result or {}).get("code")),
            error=job.error,
            problems=(job.result or {}).get("problems"),
            import_form=ResultImportForm(
                initial={"layout": form.cleaned_data["layout"]}, prefix="import"
            ),
        ),
    )


@permission_required(VIEW_BATCH, PERM_EXPORT)
@require_GET
def export_download(request, pk: int):
    """The bank file an export job wrote, checked against the sha256 logged when it was written.
    Each download is audited: the file holds whole account numbers."""
    log = get_object_or_404(
        ExportLog.objects.filter(batch__in=selectors.batches_for_user(request.user)).select_related(
            "batch"
        ),
        pk=pk,
    )
    try:
        content = services.export_file(log=log, actor=request.user)
    except ExportFileUnavailable as exc:
        raise Http404(str(exc)) from None
    except ExportFileAltered as exc:
        messages.error(request, str(exc))
        return redirect("payouts:batch", pk=log.batch_id)
    content_type = XLSX_TYPE if log.format == ExportFormat.XLSX else "text/csv"
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=log.filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------------------------
# late payments
# --------------------------------------------------------------------------------------------
@permission_required(VIEW_BATCH)
@require_GET
def late(request):
    form = LateFilterForm(request.GET or None, initial={"days": selectors.late_days_setting()})
    data = form.cleaned_data if form.is_valid() else {}
    days = data.get("days")
    days = selectors.late_days_setting() if days is None else days
    program = data.get("program")
    region = selectors.staff_region(request.user)

    def read(limit):
        if region is None or (form.is_bound and not form.is_valid()):
            return []
        return selectors.late_awards(days=days, program=program, region=region, limit=limit)

    status_labels = dict(PaymentStatus.choices)
    download = export_or_none(
        request,
        title=_("Late payments"),
        headers=[
            _("Kind"),
            _("Award"),
            _("Program"),
            _("Household"),
            _("Amount"),
            _("Currency"),
            _("Owed since"),
            _("Days unpaid"),
            _("Last payment"),
        ],
        rows=lambda: (
            [
                _("award") if row.kind == "case" else _("entitlement"),
                row.label,
                row.program,
                row.household_id,
                row.amount,
                row.currency,
                row.owed_since,
                row.days,
                status_labels.get(row.last_status, _("never in a batch")),
            ]
            for row in read(None)
        ),
    )
    if download is not None:
        return download
    rows = read(LATE_SHOWN)
    return render(
        request,
        "disbursement/late.html",
        {
            "form": form,
            "days": days,
            "rows": rows,
            "truncated": len(rows) >= LATE_SHOWN,
            "totals": _money_totals((r.amount, r.currency) for r in rows),
            "oldest": max((r.days for r in rows), default=None),
            "status_labels": status_labels,
            "export_query": query_without(request, "format"),
        },
    )


# --------------------------------------------------------------------------------------------
# cycles
# --------------------------------------------------------------------------------------------
def _require_county(user) -> None:
    if not selectors.covers_whole_county(user):
        raise PermissionDenied(
            _("A cycle covers every village: only county finance staff open or generate it.")
        )


def _cycles_url(program_id) -> str:
    return (
        f"{reverse('payouts:cycles')}?program={program_id}"
        if program_id
        else reverse("payouts:cycles")
    )


def _cycles_page(request, *, open_form=None, error=None, status=200):
    form = CycleFilterForm(request.GET or None)
    program = form.cleaned_data.get("program") if form.is_valid() else None
    return render(
        request,
        "disbursement/cycles.html",
        {
            "form": form,
            "cycles": selectors.cycles_with_counts(program=program),
            "open_form": open_form or CycleOpenForm(initial={"program": program}),
            "can_generate": request.user.has_perm(PERM_GENERATE)
            and selectors.covers_whole_county(request.user),
            "error": error,
        },
        status=status,
    )


@permission_required(VIEW_CYCLE)
@require_GET
def cycles(request):
    if selectors.staff_region(request.user) is None:
        raise PermissionDenied(_("Your account has no region; ask the administrator."))
    return _cycles_page(request)


@permission_required(VIEW_CYCLE, PERM_GENERATE)
@require_POST
def cycle_open(request):
    _require_county(request.user)
    form = CycleOpenForm(request.POST)
    if not form.is_valid():
        return _cycles_page(request, open_form=form, status=400)
    try:
        cycle = services.cycle_open(
            program=form.cleaned_data["program"],
            code=form.cleaned_data["code"],
            actor=request.user,
        )
    except FundError as exc:
        return _cycles_page(request, open_form=form, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Cycle %(code)s of %(program)s is open: generate its entitlements next.")
        % {"code": cycle.code, "program": cycle.program.code},
    )
    return redirect(_cycles_url(cycle.program_id))


@permission_required(VIEW_CYCLE, PERM_GENERATE)
@require_POST
def cycle_generate(request, pk: int):
    _require_county(request.user)
    cycle = get_object_or_404(Cycle, pk=pk)
    job = job_submit("generate_cycle", actor=request.user, cycle_id=cycle.pk)
    return _after_job(
        request,
        job,
        lambda job: _cycles_page(
            request, error=job.error, status=status_for((job.result or {}).get("code"))
        ),
    )


@permission_required(VIEW_CYCLE, PERM_GENERATE)
@require_POST
def cycle_close(request, pk: int):
    _require_county(request.user)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        cycle = services.cycle_close(cycle=cycle, actor=request.user)
    except FundError as exc:
        return _cycles_page(request, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Cycle %(code)s of %(program)s is closed: no more entitlements are generated in it.")
        % {"code": cycle.code, "program": cycle.program.code},
    )
    return redirect(_cycles_url(cycle.program_id))


# --------------------------------------------------------------------------------------------
# enrolments
# --------------------------------------------------------------------------------------------
def _regions_for(user):
    region = selectors.staff_region(user)
    return regions_below(region).order_by("code") if region is not None else None


@permission_required(VIEW_ENROLMENT)
@require_GET
def enrolments(request):
    form = EnrolmentFilterForm(request.GET or None, regions=_regions_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.enrolments_for_user(request.user).order_by("program__code", "id")
    if data.get("program"):
        rows = rows.filter(program=data["program"])
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("region"):
        rows = rows.filter(household__region__code__startswith=data["region"].prefix)
    if data.get("q"):
        rows = rows.filter(person__name__icontains=data["q"].strip())
    download = export_or_none(
        request,
        title=_("Enrolments"),
        headers=[
            _("Program"),
            _("Beneficiary"),
            _("Village"),
            _("Status"),
            _("Enrolled on"),
            _("Effective from"),
            _("Reason"),
        ],
        rows=lambda: (
            [
                e.program.code,
                e.person.name,
                e.household.region.name,
                e.get_status_display(),
                e.enrolled_on,
                e.status_date,
                e.status_reason,
            ]
            for e in rows.iterator()
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "disbursement/enrolments.html",
        {
            "form": form,
            "page": _page(request, rows),
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


ENROLMENT_ACTIONS = {
    "suspend": (services.enrolment_suspend, (EnrolmentStatus.ACTIVE,)),
    "exit": (services.enrolment_exit, (EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED)),
    "reinstate": (services.enrolment_reinstate, (EnrolmentStatus.SUSPENDED,)),
}
ENROLMENT_DONE = {
    "suspend": gettext_lazy("%(name)s is suspended: no new entitlements until reinstated."),
    "exit": gettext_lazy("%(name)s has exited the program: no further entitlements."),
    "reinstate": gettext_lazy("%(name)s is reinstated."),
}


def _enrolment_page(request, enrolment, *, status=200, error=None, action=None, form=None):
    today = timezone.localdate()
    forms = {
        name: form
        if name == action and form is not None
        else EnrolmentChangeForm(prefix=name, initial={"on": today})
        for name in ENROLMENT_ACTIONS
    }
    can_manage = request.user.has_perm(PERM_ENROL)
    actions = [
        {"name": name, "form": forms[name], "label": label}
        for name, label in (
            ("suspend", _("Suspend")),
            ("exit", _("Exit the program")),
            ("reinstate", _("Reinstate")),
        )
        if can_manage and enrolment.status in ENROLMENT_ACTIONS[name][1]
    ]
    entitlements = (
        Entitlement.objects.filter(enrolment=enrolment)
        .select_related("cycle")
        .order_by("-cycle__code")
    )
    last_payment = {
        ent_id: status_value
        for ent_id, status_value in Payment.objects.filter(entitlement__enrolment=enrolment)
        .order_by("id")
        .values_list("entitlement_id", "status")
    }
    labels = dict(PaymentStatus.choices)
    status_labels = dict(EnrolmentStatus.choices)
    return render(
        request,
        "disbursement/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "history": [
                {
                    "h": h,
                    "from": status_labels.get(h.from_status, ""),
                    "to": status_labels.get(h.to_status, h.to_status),
                }
                for h in enrolment.history.select_related("actor").order_by("id")
            ],
            "entitlements": [
                {"e": e, "payment": labels.get(last_payment.get(e.pk), "")} for e in entitlements
            ],
            "actions": actions,
            "error": error,
            "can_see_household": request.user.has_perm("approvals.view_household"),
        },
        status=status,
    )


@permission_required(VIEW_ENROLMENT)
@require_GET
def enrolment_detail(request, pk: int):
    enrolment = get_object_or_404(selectors.enrolments_for_user(request.user), pk=pk)
    return _enrolment_page(request, enrolment)


@permission_required(VIEW_ENROLMENT, PERM_ENROL)
@require_POST
def enrolment_action(request, pk: int, action: str):
    if action not in ENROLMENT_ACTIONS:
        raise Http404
    enrolment = get_object_or_404(selectors.enrolments_for_user(request.user), pk=pk)
    form = EnrolmentChangeForm(request.POST, prefix=action)
    if not form.is_valid():
        return _enrolment_page(request, enrolment, status=400, action=action, form=form)
    call = ENROLMENT_ACTIONS[action][0]
    try:
        enrolment = call(
            enrolment=enrolment,
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
            actor=request.user,
        )
    except FundError as exc:
        return _enrolment_page(
            request, enrolment, status=exc.status, error=exc.message, action=action, form=form
        )
    messages.success(request, ENROLMENT_DONE[action] % {"name": enrolment.person.name})
    return redirect("payouts:enrolment", pk=enrolment.pk)


@permission_required(VIEW_ENROLMENT, PERM_ENROL)
@require_http_methods(["GET", "POST"])
def enrolment_new(request):
    """Find the beneficiary by name (people of the user's region only), pick the recurring
    program, enrol."""
    region = selectors.staff_region(request.user)
    if region is None:
        raise PermissionDenied(_("Your account has no region; ask the administrator."))
    data = request.POST if request.method == "POST" else request.GET
    query = (data.get("q") or "").strip()
    people = Person.objects.none()
    if query:
        found = (
            Person.objects.filter(
                household__region__code__startswith=region.prefix, name__icontains=query
            )
            .order_by("name", "id")
            .values_list("id", flat=True)[:PEOPLE_FOUND]
        )
        people = Person.objects.filter(pk__in=list(found)).select_related("household__region")
    initial = {"q": query, "enrolled_on": timezone.localdate()}
    if request.GET.get("program"):
        initial["program"] = request.GET["program"]
    error = None
    if request.method == "POST":
        form = EnrolForm(request.POST, people=people)
        if form.is_valid():
            try:
                enrolment = services.enrolment_create(
                    program=form.cleaned_data["program"],
                    person=form.cleaned_data["person"],
                    enrolled_on=form.cleaned_data["enrolled_on"],
                    actor=request.user,
                )
            except FundError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("%(name)s is enrolled in %(program)s.")
                    % {"name": enrolment.person.name, "program": enrolment.program.code},
                )
                return redirect("payouts:enrolment", pk=enrolment.pk)
    else:
        form = EnrolForm(initial=initial, people=people)
    return render(
        request,
        "disbursement/enrolment_form.html",
        {"form": form, "error": error, "query": query, "found": people},
        status=400 if request.method == "POST" else 200,
    )
