"""Bank file screens of a batch: export the bank's payment file (a job), download a file an
export wrote (checked against its logged sha256, audited), import the bank's result file (a
job). A refusal goes back onto the batch's page (``batches.detail_page``)."""

from __future__ import annotations

import base64
import io

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST, require_safe

from common.errors import status_for
from common.exports import XLSX_TYPE
from common.permissions import permission_required

from .. import selectors, services
from ..exceptions import ExportFileAltered, ExportFileUnavailable
from ..forms import ExportForm, ResultImportForm
from ..models import ExportFormat
from .batches import batch_or_404, detail_page
from .common import PERM_EXPORT, PERM_IMPORT, VIEW_BATCH
from .jobs import after_job, start_job


@permission_required(VIEW_BATCH, PERM_EXPORT)
@require_POST
def batch_export(request, pk: int):
    batch = batch_or_404(request.user, pk)
    form = ExportForm(request.POST, prefix="export")
    if not form.is_valid():
        return detail_page(request, batch, status=400, export_form=form)
    job = start_job(
        request,
        "export_batch",
        batch_id=batch.pk,
        layout_id=form.cleaned_data["layout"].pk,
        fmt=form.cleaned_data["fmt"],
    )
    return after_job(
        request,
        job,
        lambda job: detail_page(
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
    batch = batch_or_404(request.user, pk)
    form = ResultImportForm(request.POST, request.FILES, prefix="import")
    if not form.is_valid():
        return detail_page(request, batch, status=400, import_form=form)
    upload = form.cleaned_data["file"]
    value_date = form.cleaned_data["value_date"]
    job = start_job(
        request,
        "import_results",
        batch_id=batch.pk,
        layout_id=form.cleaned_data["layout"].pk,
        content_b64=base64.b64encode(upload.read()).decode("ascii"),
        filename=upload.name[:200],
        value_date=value_date.isoformat() if value_date else None,
    )
    return after_job(
        request,
        job,
        lambda job: detail_page(
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


@require_safe
@permission_required(VIEW_BATCH, PERM_EXPORT)
def export_download(request, pk: int):
    """The bank file an export job wrote, checked against the sha256 logged when it was written.
    Each download is audited: the file holds whole account numbers."""
    log = get_object_or_404(selectors.exports_for_user(request.user), pk=pk)
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
