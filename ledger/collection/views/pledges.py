"""Pledge screens: the list with each pledge's standing (with its download), recording a pledge,
writing a pledge off, the reminder letter of an overdue pledge."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from djmoney.money import Money

from common.errors import FundError
from common.exports import export_or_none
from common.filters import query_id
from common.permissions import holds_perm, permission_required

from .. import documents, selectors, services
from ..forms import PledgeFilterForm, PledgeForm, ReasonForm
from ..models import Donor, Pledge, PledgeStatus
from ._common import list_context, page_of


@require_safe
@permission_required("ledger.view_pledge")
def pledges(request):
    form = PledgeFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.pledge_rows(
        today=timezone.localdate(),
        status=data.get("status") or None,
        fund=data.get("fund"),
        kind=data.get("kind") or None,
        donor=data.get("donor") or "",
    )
    download = export_or_none(
        request,
        title=_("Pledges"),
        headers=[
            _("Kind"),
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
                r.pledge.get_kind_display(),
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
        list_context(
            request,
            form,
            page_of(request, rows),
            can_add=holds_perm(request.user, "ledger.add_pledge"),
            can_write_off=holds_perm(request.user, "ledger.write_off_pledge"),
            can_pay_donation=holds_perm(request.user, "ledger.add_donation"),
            can_pay_allocation=holds_perm(request.user, "ledger.add_allocation"),
        ),
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.view_pledge", "ledger.add_pledge")
def pledge_new(request):
    """Record a pledge (nothing is booked). The form's hidden key makes a double submit record
    once; what is wrong with one field is said next to it, and what was typed stays."""
    error = None
    if request.method == "GET":
        initial = PledgeForm.initial_data()
        if donor := Donor.objects.filter(pk=query_id(request.GET.get("donor")) or 0).first():
            initial["donor"] = donor.pk
        form = PledgeForm(initial=initial)
    else:
        form = PledgeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                pledge = services.pledge_create(
                    kind=data["kind"],
                    donor=data["donor"],
                    fund=data["fund"],
                    amount=Money(data["amount"], data["currency"]),
                    pledged_on=data["pledged_on"],
                    due_date=data["due_date"],
                    note=data["note"],
                    idempotency_key=data["idempotency_key"],
                    actor=request.user,
                )
            except FundError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _("The pledge of %(donor)s is recorded, due %(due)s.")
                    % {"donor": pledge.donor.name, "due": pledge.due_date.isoformat()},
                )
                return redirect("collection:pledges")
    return render(
        request,
        "ledger/collection/pledge_form.html",
        {"form": form, "error": error},
        status=400 if error or form.errors else 200,
    )


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
        {
            "form": form,
            "row": selectors.pledge_row(pledge, today=timezone.localdate()),
            "error": error,
        },
        status=400 if error or form.errors else 200,
    )


@require_safe
@permission_required("ledger.view_pledge")
def pledge_reminder(request, pk: int):
    pledge = get_object_or_404(Pledge.objects.select_related("donor", "fund"), pk=pk)
    row = selectors.pledge_row(pledge, today=timezone.localdate())
    if row.status != PledgeStatus.OVERDUE:
        messages.error(request, _("Only an overdue pledge gets a reminder letter."))
        return redirect("collection:pledges")
    content = documents.pledge_reminder_pdf(row, today=timezone.localdate())
    return documents.pdf_response(content, f"reminder-{pledge.pk}.pdf")
