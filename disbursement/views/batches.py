"""Payout batch screens: the list (and its download), building a batch (a job) beside what is
still owed, a batch's page with its payments and the reconciliation panel (and the payments'
download), approving and discarding.

Every batch is read through ``selectors.batches_for_user``: one outside the user's region is a
plain 404. A typed refusal goes back onto the batch's page (or the build form) with the status
of its code and what the user typed kept. The bank file actions on this page live in
``bankfiles``.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from approvals.models import Person
from approvals.selectors import regions_below
from common.errors import FundError, status_for
from common.exports import export_or_none, query_without
from common.people import person_name
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import BatchBuildForm, BatchFilterForm, DiscardForm, ExportForm, ResultImportForm
from ..models import BatchStatus, Payment, PaymentStatus, PayoutBatch
from .common import (
    PERM_APPROVE,
    PERM_BUILD,
    PERM_CHECK,
    PERM_EXPORT,
    PERM_IMPORT,
    VIEW_BATCH,
    VIEW_RECOVERY,
    page_of,
    region_or_403,
)
from .jobs import after_job, own_failed_job, start_job

OWING_LISTED = 50  # people with an open recovery listed on a batch's page (all are counted)


# --------------------------------------------------------------------------------------------
# list and build
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required(VIEW_BATCH)
def batch_list(request):
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
                person_name(b.built_by),
                b.built_at,
                person_name(b.approved_by),
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
            "page": page_of(request, rows),
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


@permission_required(VIEW_BATCH, PERM_BUILD)
@require_http_methods(["GET", "POST"])
def batch_new(request):
    region = region_or_403(request.user)
    regions = regions_below(region).order_by("code")
    error, problems, status = None, [], 200
    if request.method == "POST":
        form = BatchBuildForm(request.POST, regions=regions)
        if form.is_valid():
            job = start_job(request, "build_batch", **form.job_params())

            def refused(job):
                result = job.result or {}
                status = status_for(result.get("code"))
                return build_page(request, form, job.error, result.get("problems") or [], status)

            return after_job(request, job, refused)
        status = 400
    else:
        failed = own_failed_job(request, "build_batch")
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
    return build_page(request, form, error, problems, status)


def build_page(request, form, error, problems, status):
    """The build form, with a refusal and its problems, beside what the region still owes."""
    return render(
        request,
        "disbursement/batch_form.html",
        {
            "form": form,
            "error": error,
            "problems": problems,
            "owed": selectors.owed_summary(region=selectors.staff_region(request.user)),
        },
        status=status,
    )


# --------------------------------------------------------------------------------------------
# a batch's page and its payments' download
# --------------------------------------------------------------------------------------------
def batch_or_404(user, pk: int) -> PayoutBatch:
    """The batch, when the user's region sees it; 404 otherwise, as for one that is not."""
    return get_object_or_404(selectors.batches_for_user(user), pk=pk)


def status_asked(request) -> str:
    """The payment status ``?status=`` asks for; "" (every status) for none or an unknown one."""
    status_filter = request.GET.get("status") or ""
    return status_filter if status_filter in PaymentStatus.values else ""


def source_label(payment: Payment) -> str:
    """What a payment pays: the award's case number, or the entitlement's cycle and person."""
    if payment.case_id:
        return payment.case.number
    ent = payment.entitlement
    return f"{ent.cycle.code} · {ent.enrolment.person.name}"


def export_payments(request, batch):
    """The batch's payments as a file when ``?format=`` asks for one (else None)."""
    status_filter = status_asked(request)
    now = timezone.now()

    def rows():
        for p in selectors.payment_rows(batch, status_filter).iterator(chunk_size=2000):
            days = selectors.payment_days(p)
            yield [
                p.reference,
                source_label(p),
                p.payee_name,
                p.payee_id_masked,
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
            _("Account holder's ID number (masked)"),
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


def detail_page(request, batch, *, status=200, error=None, problems=None, **forms):
    """The batch's page: its payments (of the status asked for), the reconciliation panel, its
    exports and imports, and the actions the user may take in its state. ``error`` and
    ``problems`` show a refusal; ``forms`` keeps a form the user filled in."""
    user = request.user
    batch.refresh_from_db()
    status_filter = status_asked(request)
    page = page_of(request, selectors.payment_rows(batch, status_filter))
    late_days = selectors.late_days_setting()
    now = timezone.now()
    rows = []
    for p in page.object_list:
        days = selectors.payment_days(p)
        waiting = days is None
        days = (now - p.owed_since).days if waiting else days
        rows.append({"p": p, "days": days, "waiting": waiting, "late": days > late_days})
    imports = selectors.batch_imports(batch)
    has_imports = imports.exists()
    not_received = selectors.not_received_payment_ids(batch)
    for row in rows:
        row["not_received"] = row["p"].pk in not_received
    owing = selectors.batch_open_recoveries(batch)
    sample = selectors.sample_summary(batch)
    own = batch.built_by_id == user.pk
    counts = selectors.payment_status_counts(batch)
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
        "exports": selectors.batch_exports(batch),
        "imports": imports,
        "skipped": [s for s in batch.skipped if "reason" in s],
        "skipped_count": next((s["count"] for s in batch.skipped if "count" in s), 0),
        "error": error,
        "problems": problems or [],
        "is_draft": batch.status == BatchStatus.DRAFT,
        "own_batch": own,
        "can_approve": holds_perm(user, PERM_APPROVE) and batch.status == BatchStatus.DRAFT,
        "can_discard": holds_perm(user, PERM_BUILD) and batch.status == BatchStatus.DRAFT,
        "can_export": holds_perm(user, PERM_EXPORT)
        and batch.status in (BatchStatus.APPROVED, BatchStatus.EXPORTED)
        and not has_imports,
        "can_download": holds_perm(user, PERM_EXPORT),
        "can_import": holds_perm(user, PERM_IMPORT)
        and batch.status in (BatchStatus.EXPORTED, BatchStatus.CLOSED),
        # People paid by this batch who still owe back money paid in error: listed, paid in full.
        "owing_count": len(owing),
        "owing": sorted(
            (r for found in owing.values() for r in found), key=lambda r: (r.person_id, r.id)
        )[:OWING_LISTED],
        "owing_names": dict(
            Person.objects.filter(pk__in=list(owing)[:OWING_LISTED]).values_list("pk", "name")
        ),
        "sample": sample,
        "can_check": holds_perm(user, PERM_CHECK)
        and batch.status in (BatchStatus.EXPORTED, BatchStatus.CLOSED)
        and not own,
        "can_see_recoveries": holds_perm(user, VIEW_RECOVERY),
        "discard_form": forms.get("discard_form") or DiscardForm(prefix="discard"),
        "export_form": forms.get("export_form") or ExportForm(prefix="export"),
        "import_form": forms.get("import_form") or ResultImportForm(prefix="import"),
    }
    return render(request, "disbursement/batch_detail.html", context, status=status)


@require_safe
@permission_required(VIEW_BATCH)
def batch_detail(request, pk: int):
    batch = batch_or_404(request.user, pk)
    download = export_payments(request, batch)
    if download is not None:
        return download
    return detail_page(request, batch)


# --------------------------------------------------------------------------------------------
# approve, discard
# --------------------------------------------------------------------------------------------
@permission_required(VIEW_BATCH, PERM_APPROVE)
@require_POST
def batch_approve(request, pk: int):
    batch = batch_or_404(request.user, pk)
    try:
        batch = services.batch_approve(batch=batch, actor=request.user)
    except FundError as exc:
        return detail_page(request, batch, status=exc.status, error=exc.message)
    messages.success(
        request,
        _("Batch %(batch)s approved: export the bank file next.") % {"batch": batch},
    )
    return redirect("payouts:batch", pk=batch.pk)


@permission_required(VIEW_BATCH, PERM_BUILD)
@require_POST
def batch_discard(request, pk: int):
    batch = batch_or_404(request.user, pk)
    form = DiscardForm(request.POST, prefix="discard")
    if not form.is_valid():
        return detail_page(request, batch, status=400, discard_form=form)
    try:
        batch = services.batch_discard(
            batch=batch, reason=form.cleaned_data["reason"], actor=request.user
        )
    except FundError as exc:
        return detail_page(request, batch, status=exc.status, error=exc.message, discard_form=form)
    messages.success(
        request,
        _("Batch %(batch)s discarded; its awards are owed again.") % {"batch": batch},
    )
    return redirect("payouts:batch", pk=batch.pk)
