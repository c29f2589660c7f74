"""Receipt screens: the list (with its download), a receipt's PDF, and voiding: asking for it,
the list of requests, a supervisor's decision."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.errors import FundError
from common.exports import export_or_none
from common.permissions import holds_perm, permission_required

from .. import documents, selectors, services
from ..forms import DecisionForm, ReasonForm, ReceiptFilterForm
from ..models import Receipt, ReceiptVoidRequest, VoidRequestStatus
from ._common import list_context, page_of


@require_safe
@permission_required("ledger.view_receipt")
def receipts(request):
    form = ReceiptFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        rows = selectors.receipts().none()  # the errors show next to the fields
    else:
        data = form.cleaned_data if form.is_bound else {}
        rows = selectors.receipts(
            status=data.get("status") or None,
            type=data.get("type") or None,
            text=data.get("q") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            amount=data.get("amount"),
        )
    download = export_or_none(
        request,
        title=_("Receipts"),
        headers=[
            _("Receipt"),
            _("Type"),
            _("Date"),
            _("Payer"),
            _("Fund"),
            _("Amount"),
            _("Currency"),
            _("Status"),
            _("Reason for voiding"),
        ],
        rows=lambda: (
            [
                r.code,
                r.get_type_display(),
                r.issued_on,
                r.payer_name,
                r.fund.code,
                r.amount.amount,
                str(r.amount.currency),
                r.get_status_display(),
                r.void_reason,
            ]
            for r in rows
        ),
    )
    if download is not None:
        return download
    page = page_of(request, rows)
    pending = selectors.receipts_awaiting_void([r.pk for r in page.object_list])
    return render(
        request,
        "ledger/collection/receipts.html",
        list_context(request, form, page, pending=pending),
    )


@require_safe
@permission_required("ledger.view_receipt")
def receipt_pdf(request, pk: int):
    receipt = get_object_or_404(Receipt.objects.select_related("book", "fund", "issued_by"), pk=pk)
    return documents.pdf_response(
        documents.receipt_pdf(receipt, request), f"receipt-{receipt.code}.pdf"
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_receiptvoidrequest")
def void_request_new(request, pk: int):
    receipt = get_object_or_404(Receipt.objects.select_related("book", "fund"), pk=pk)
    error = None
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.receipt_void_request(
                receipt=receipt, reason=form.cleaned_data["reason"], actor=request.user
            )
        except FundError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Voiding receipt %(code)s is asked; a supervisor must approve it.")
                % {"code": receipt.code},
            )
            return redirect("collection:void-requests")
    return render(
        request,
        "ledger/collection/void_request_form.html",
        {"form": form, "receipt": receipt, "error": error},
        status=400 if error or form.errors else 200,
    )


@require_safe
@permission_required("ledger.view_receiptvoidrequest")
def void_requests(request):
    can_approve = holds_perm(request.user, "ledger.approve_receipt_void")
    page = page_of(request, selectors.void_requests())
    items = [
        {
            "request": r,
            "can_decide": can_approve
            and r.status == VoidRequestStatus.PENDING
            and r.requested_by_id != request.user.pk,
            "own": r.requested_by_id == request.user.pk,
        }
        for r in page.object_list
    ]
    return render(
        request,
        "ledger/collection/void_requests.html",
        {"page": page, "items": items, "query": "", "decision_form": DecisionForm()},
    )


@require_POST
@permission_required("ledger.approve_receipt_void")
def void_decide(request, pk: int, decision: str):
    void_request = get_object_or_404(ReceiptVoidRequest, pk=pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        if decision == "approve":
            receipt = services.receipt_void_approve(
                request=void_request, note=note, actor=request.user
            )
            messages.success(request, _("Receipt %(code)s is void.") % {"code": receipt.code})
        else:
            services.receipt_void_reject(request=void_request, note=note, actor=request.user)
            messages.success(request, _("The void request is rejected."))
    except FundError as exc:
        messages.error(request, str(exc))
    return redirect("collection:void-requests")
