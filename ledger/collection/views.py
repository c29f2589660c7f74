"""The money-in screens for finance officers and supervisors, under /collection/.

Each view parses its input with a form from ``ledger.collection.forms``, checks the role
permission (``common.permissions``: anonymous -> login, wrong role -> 403), calls one service
or selector and renders. A ``FundError`` from a service is shown on the form with what was
typed kept. Lists download as xlsx or CSV with ``?format=xlsx|csv`` (needs
``ledger.export_ledger``), with money as numbers and the currency in its own column.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from djmoney.money import Money

from common.errors import FundError
from common.exports import export_or_none, query_without
from common.permissions import permission_required

from . import documents, imports, selectors, services
from .forms import (
    AllocationForm,
    CashDepositForm,
    DecisionForm,
    DonationFilterForm,
    DonationForm,
    DonorFilterForm,
    DonorForm,
    ImportForm,
    PledgeFilterForm,
    ReasonForm,
    ReceiptFilterForm,
)
from .models import (
    Allocation,
    CashDeposit,
    Donation,
    Donor,
    Pledge,
    PledgeStatus,
    Receipt,
    ReceiptVoidRequest,
    VoidRequestStatus,
)

PAGE_SIZE = 50
LOOKUP_LIMIT = 15


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _list_context(request, form, page, **extra) -> dict:
    return {
        "form": form,
        "page": page,
        "query": query_without(request, "page", "format"),
        "export_query": query_without(request, "format"),
        **extra,
    }


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


# --------------------------------------------------------------------------------------------
# donors
# --------------------------------------------------------------------------------------------
@permission_required("ledger.view_donor")
def donor_lookup(request):
    """Name, code and id of matching donors, for the entry form's look-up as you type."""
    donors = selectors.donor_search(request.GET.get("q", ""), limit=LOOKUP_LIMIT)
    return JsonResponse(
        {
            "results": [
                {"id": d.pk, "name": d.name, "code": d.credit_code, "kind": d.kind} for d in donors
            ]
        }
    )


@permission_required("ledger.view_donor")
def donors(request):
    form = DonorFilterForm(request.GET or None)
    text = form.cleaned_data.get("q", "") if form.is_valid() else ""
    rows = Donor.objects.order_by("name", "id")
    if text:
        rows = selectors.donor_search(text, limit=1000)
    download = export_or_none(
        request,
        title=_("Donors"),
        headers=[
            _("Name"),
            _("Kind"),
            _("Credit code"),
            _("Anonymous"),
            _("Phone"),
            _("Address"),
        ],
        rows=lambda: (
            [
                d.name,
                d.get_kind_display(),
                d.credit_code,
                _("yes") if d.anonymous else _("no"),
                d.phone,
                d.address,
            ]
            for d in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request, "ledger/collection/donors.html", _list_context(request, form, _page(request, rows))
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donor")
def donor_new(request):
    error = None
    form = DonorForm(request.POST or None, initial={"kind": "unit"})
    if request.method == "POST" and form.is_valid():
        try:
            donor = services.donor_create(**form.cleaned_data, actor=request.user)
        except FundError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Donor %(name)s is added.") % {"name": donor.name})
            url = request.POST.get("next") or ""
            if url == "donation":
                return redirect(f"{reverse('collection:donation-new')}?donor={donor.pk}")
            return redirect("collection:donors")
    return render(
        request,
        "ledger/collection/donor_form.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=400 if error else 200,
    )


# --------------------------------------------------------------------------------------------
# donations
# --------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donation")
def donation_new(request):
    """Fast entry. The hidden key makes a double submit record once; the receipt page follows."""
    error = None
    if request.method == "GET":
        initial = DonationForm.initial_data()
        donor = Donor.objects.filter(pk=request.GET.get("donor") or 0).first()
        if donor is not None:
            initial["donor"] = donor.pk
        form = DonationForm(initial=initial)
    else:
        form = DonationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                donation = services.donation_record(
                    donor=data["donor"],
                    fund=data["fund"],
                    amount=Money(data["amount"], data["currency"]),
                    method=data["method"],
                    received_on=data["received_on"],
                    idempotency_key=data["idempotency_key"],
                    project=data["project"],
                    pledge=data["pledge"],
                    actor=request.user,
                )
            except FundError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _("Donation recorded; receipt %(code)s is issued.")
                    % {"code": donation.receipt.code},
                )
                return redirect("collection:donation", pk=donation.pk)
    return render(
        request,
        "ledger/collection/donation_form.html",
        {"form": form, "error": error},
        status=400 if error or form.errors else 200,
    )


@permission_required("ledger.view_donation")
def donation_detail(request, pk: int):
    donation = get_object_or_404(
        Donation.objects.select_related("donor", "fund", "receipt__book", "entry", "pledge"),
        pk=pk,
    )
    return render(request, "ledger/collection/donation_detail.html", {"donation": donation})


@permission_required("ledger.view_donation")
def donations(request):
    form = DonationFilterForm(request.GET or None)
    rows = Donation.objects.select_related("donor", "fund", "receipt__book").order_by(
        "-received_on", "-id"
    )
    if form.is_bound and not form.is_valid():
        rows = rows.none()
    elif form.is_valid():
        data = form.cleaned_data
        if data.get("date_from"):
            rows = rows.filter(received_on__gte=data["date_from"])
        if data.get("date_to"):
            rows = rows.filter(received_on__lte=data["date_to"])
        if data.get("fund"):
            rows = rows.filter(fund=data["fund"])
        if data.get("method"):
            rows = rows.filter(method=data["method"])
        if data.get("receipt_status"):
            rows = rows.filter(receipt__status=data["receipt_status"])
    download = export_or_none(
        request,
        title=_("Donations"),
        headers=[
            _("Date received"),
            _("Donor"),
            _("Credit code"),
            _("Fund"),
            _("Amount"),
            _("Currency"),
            _("Method"),
            _("Project"),
            _("Receipt"),
            _("Receipt status"),
        ],
        rows=lambda: (
            [
                d.received_on,
                d.donor.name,
                d.donor.credit_code,
                d.fund.code,
                d.amount.amount,
                str(d.amount.currency),
                d.get_method_display(),
                d.project,
                d.receipt.code,
                d.receipt.get_status_display(),
            ]
            for d in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/donations.html",
        _list_context(request, form, _page(request, rows)),
    )


# --------------------------------------------------------------------------------------------
# receipts and voiding
# --------------------------------------------------------------------------------------------
@permission_required("ledger.view_receipt")
def receipts(request):
    form = ReceiptFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.receipts(status=data.get("status") or None, type=data.get("type") or None)
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
    page = _page(request, rows)
    pending = set(
        ReceiptVoidRequest.objects.filter(
            receipt__in=[r.pk for r in page.object_list], status=VoidRequestStatus.PENDING
        ).values_list("receipt_id", flat=True)
    )
    return render(
        request,
        "ledger/collection/receipts.html",
        _list_context(request, form, page, pending=pending),
    )


@permission_required("ledger.view_receipt")
def receipt_pdf(request, pk: int):
    receipt = get_object_or_404(Receipt.objects.select_related("book", "fund", "issued_by"), pk=pk)
    return _pdf(documents.receipt_pdf(receipt), f"receipt-{receipt.code}.pdf")


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


@permission_required("ledger.view_receiptvoidrequest")
def void_requests(request):
    # Pending first (they wait for someone), then the most recent.
    rows = ReceiptVoidRequest.objects.select_related(
        "receipt__book", "receipt__fund", "requested_by", "decided_by"
    ).order_by(
        Case(When(status=VoidRequestStatus.PENDING, then=0), default=1),
        "-requested_at",
        "-id",
    )
    can_approve = request.user.has_perm("ledger.approve_receipt_void")
    page = _page(request, rows)
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


# --------------------------------------------------------------------------------------------
# pledges
# --------------------------------------------------------------------------------------------
@permission_required("ledger.view_pledge")
def pledges(request):
    form = PledgeFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.pledge_rows(
        today=timezone.localdate(), status=data.get("status") or None, fund=data.get("fund")
    )
    download = export_or_none(
        request,
        title=_("Pledges"),
        headers=[
            _("Donor"),
            _("Fund"),
            _("Pledged on"),
            _("Due date"),
            _("Amount"),
            _("Paid"),
            _("Outstanding"),
            _("Currency"),
            _("Status"),
            _("Days overdue"),
        ],
        rows=lambda: (
            [
                r.pledge.donor.name,
                r.pledge.fund.code,
                r.pledge.pledged_on,
                r.pledge.due_date,
                r.pledge.amount.amount,
                r.paid.amount,
                r.outstanding.amount,
                str(r.pledge.amount.currency),
                PledgeStatus(r.status).label,
                r.days_overdue,
            ]
            for r in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/pledges.html",
        _list_context(
            request,
            form,
            _page(request, rows),
            can_write_off=request.user.has_perm("ledger.write_off_pledge"),
        ),
    )


def _pledge_row(pledge: Pledge) -> selectors.PledgeRow:
    rows = selectors.pledge_rows(today=timezone.localdate(), fund=pledge.fund)
    return next(row for row in rows if row.pledge.pk == pledge.pk)


@require_http_methods(["GET", "POST"])
@permission_required("ledger.view_pledge", "ledger.write_off_pledge")
def pledge_write_off(request, pk: int):
    pledge = get_object_or_404(Pledge.objects.select_related("donor", "fund"), pk=pk)
    error = None
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pledge_write_off(
                pledge=pledge, reason=form.cleaned_data["reason"], actor=request.user
            )
        except FundError as exc:
            error = str(exc)
        else:
            messages.success(request, _("The pledge is written off."))
            return redirect("collection:pledges")
    return render(
        request,
        "ledger/collection/pledge_write_off.html",
        {"form": form, "row": _pledge_row(pledge), "error": error},
        status=400 if error or form.errors else 200,
    )


@permission_required("ledger.view_pledge")
def pledge_reminder(request, pk: int):
    pledge = get_object_or_404(Pledge.objects.select_related("donor", "fund"), pk=pk)
    row = _pledge_row(pledge)
    if row.status != PledgeStatus.OVERDUE:
        messages.error(request, _("Only an overdue pledge gets a reminder letter."))
        return redirect("collection:pledges")
    content = documents.pledge_reminder_pdf(row, today=timezone.localdate())
    return _pdf(content, f"reminder-{pledge.pk}.pdf")


# --------------------------------------------------------------------------------------------
# cash
# --------------------------------------------------------------------------------------------
@permission_required("ledger.view_cashdeposit", "ledger.view_balance")
def cash_held(request):
    rows = selectors.cash_held(today=timezone.localdate())
    download = export_or_none(
        request,
        title=_("Cash on hand"),
        headers=[_("Fund"), _("Cash on hand"), _("Currency"), _("Oldest not deposited"), _("Days")],
        rows=lambda: (
            [r.fund.code, r.on_hand, r.currency, r.oldest_undeposited, r.days_held] for r in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/cash_held.html",
        {"cash_held": rows, "export_query": query_without(request, "format")},
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.view_cashdeposit")
def deposits(request):
    """The deposits made, and (for who may record one) the form to record a deposit."""
    error = None
    can_add = request.user.has_perm("ledger.add_cashdeposit")
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = CashDepositForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deposit = services.cash_deposit_record(
                    fund=data["fund"],
                    amount=Money(data["amount"], data["currency"]),
                    deposited_on=data["deposited_on"],
                    idempotency_key=data["idempotency_key"],
                    bank_slip=data["bank_slip"],
                    actor=request.user,
                )
            except FundError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _("Deposit of %(amount)s to the bank is recorded.")
                    % {"amount": deposit.amount},
                )
                return redirect("collection:deposits")
    else:
        form = CashDepositForm(initial=CashDepositForm.initial_data())
    rows = CashDeposit.objects.select_related("fund", "recorded_by").order_by(
        "-deposited_on", "-id"
    )
    download = export_or_none(
        request,
        title=_("Cash deposits"),
        headers=[_("Date deposited"), _("Fund"), _("Amount"), _("Currency"), _("Bank slip")],
        rows=lambda: (
            [d.deposited_on, d.fund.code, d.amount.amount, str(d.amount.currency), d.bank_slip]
            for d in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/deposits.html",
        _list_context(
            request,
            form,
            _page(request, rows),
            error=error,
            can_add=can_add,
            show_errors=request.method == "POST",
        ),
        status=400 if error or (request.method == "POST" and form.errors) else 200,
    )


# --------------------------------------------------------------------------------------------
# allocations
# --------------------------------------------------------------------------------------------
@permission_required("ledger.view_allocation")
def allocations(request):
    rows = Allocation.objects.select_related("fund", "receipt__book").order_by(
        "-received_on", "-id"
    )
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
        _list_context(request, None, _page(request, rows)),
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_allocation")
def allocation_new(request):
    error = None
    if request.method == "GET":
        form = AllocationForm(initial=AllocationForm.initial_data())
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


# --------------------------------------------------------------------------------------------
# bulk import
# --------------------------------------------------------------------------------------------
def _import_page(request, run, template: str):
    """Upload a file, run one import service on it, show its row-by-row report."""
    error = None
    result = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = run(content=upload.read(), filename=upload.name, actor=request.user)
        except FundError as exc:
            error = str(exc)
    return render(
        request,
        template,
        {"form": form, "error": error, "result": result},
        status=400 if error or (result is not None and result.errors) else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donation")
def donation_import(request):
    return _import_page(request, imports.donation_import, "ledger/collection/import.html")


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donor")
def donor_import(request):
    return _import_page(request, imports.donor_import, "ledger/collection/donor_import.html")
