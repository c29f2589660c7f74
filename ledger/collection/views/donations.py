"""Donation screens: fast entry, one donation, the list (with its download)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from djmoney.money import Money

from common.errors import FundError
from common.exports import export_or_none
from common.filters import query_id
from common.permissions import permission_required

from .. import selectors, services
from ..forms import DonationFilterForm, DonationForm
from ..models import Donation, Donor, Pledge, PledgeKind
from ._common import list_context, page_of

FILTERS = ("date_from", "date_to", "fund", "method", "receipt_status", "donor")


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donation")
def donation_new(request):
    """Fast entry. The hidden key makes a double submit record once; the receipt page follows."""
    error = None
    if request.method == "GET":
        initial = DonationForm.initial_data()
        donor = Donor.objects.filter(pk=query_id(request.GET.get("donor")) or 0).first()
        if donor is not None:
            initial["donor"] = donor.pk
        pledge = Pledge.objects.filter(
            pk=query_id(request.GET.get("pledge")) or 0, kind=PledgeKind.DONATION
        ).first()
        if pledge is not None:  # "pay this pledge" from the pledge list
            initial.update(donor=pledge.donor_id, fund=pledge.fund_id, pledge=pledge.pk)
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
                    channel_ref=data["channel_ref"],
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


@require_safe
@permission_required("ledger.view_donation")
def donation_detail(request, pk: int):
    donation = get_object_or_404(
        Donation.objects.select_related("donor", "fund", "receipt__book", "entry", "pledge"),
        pk=pk,
    )
    return render(request, "ledger/collection/donation_detail.html", {"donation": donation})


@require_safe
@permission_required("ledger.view_donation")
def donations(request):
    form = DonationFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        rows = selectors.donations().none()
    elif form.is_valid():
        rows = selectors.donations(**{name: form.cleaned_data.get(name) for name in FILTERS})
    else:
        rows = selectors.donations()
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
            _("Transaction reference"),
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
                d.channel_ref,
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
        list_context(request, form, page_of(request, rows)),
    )
