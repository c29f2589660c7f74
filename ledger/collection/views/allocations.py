"""Allocation screens: the list (with its download) and recording budget money."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from djmoney.money import Money

from common.errors import FundError
from common.exports import export_or_none
from common.filters import query_id
from common.permissions import permission_required

from .. import selectors, services
from ..forms import AllocationForm
from ..models import AllocationKind, Pledge, PledgeKind
from ._common import list_context, page_of


@require_safe
@permission_required("ledger.view_allocation")
def allocations(request):
    rows = selectors.allocations()
    download = export_or_none(
        request,
        title=_("Allocations"),
        headers=[
            _("Date received"),
            _("Kind"),
            _("Paying department"),
            _("Fund"),
            _("Amount"),
            _("Currency"),
            _("Document number"),
            _("Receipt"),
        ],
        rows=lambda: (
            [
                a.received_on,
                a.get_kind_display(),
                a.source_name,
                a.fund.code,
                a.amount.amount,
                str(a.amount.currency),
                a.document_no,
                a.receipt.code,
            ]
            for a in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/allocations.html",
        list_context(request, None, page_of(request, rows)),
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_allocation")
def allocation_new(request):
    error = None
    if request.method == "GET":
        initial = AllocationForm.initial_data()
        pledge = Pledge.objects.filter(
            pk=query_id(request.GET.get("pledge")) or 0, kind=PledgeKind.CONTRIBUTION
        ).first()
        if pledge is not None:  # "pay this pledge" from the pledge list
            initial.update(
                pledge=pledge.pk,
                fund=pledge.fund_id,
                kind=AllocationKind.DEPARTMENTAL,
                source_name=pledge.donor.name,
                source_credit_code=pledge.donor.credit_code,
            )
        form = AllocationForm(initial=initial)
    else:
        form = AllocationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                allocation = services.allocation_record(
                    kind=data["kind"],
                    source_name=data["source_name"],
                    source_credit_code=data["source_credit_code"],
                    fund=data["fund"],
                    amount=Money(data["amount"], data["currency"]),
                    method=data["method"],
                    received_on=data["received_on"],
                    document_no=data["document_no"],
                    pledge=data["pledge"],
                    idempotency_key=data["idempotency_key"],
                    # The form offers no choice; a crafted request asking for another type
                    # gets the service's refusal, which says why.
                    receipt_type=request.POST.get("receipt_type") or "settlement",
                    actor=request.user,
                )
            except FundError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _("Allocation recorded; settlement receipt %(code)s is issued.")
                    % {"code": allocation.receipt.code},
                )
                return redirect("collection:allocations")
    return render(
        request,
        "ledger/collection/allocation_form.html",
        {"form": form, "error": error},
        status=400 if error or form.errors else 200,
    )
