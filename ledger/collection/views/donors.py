"""Donor screens: the register (with its download), adding a donor, the look-up as you type."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from common.errors import FundError
from common.exports import export_or_none
from common.permissions import permission_required

from .. import selectors, services
from ..exceptions import InvalidCreditCode
from ..forms import DonorEditForm, DonorFilterForm, DonorForm
from ..models import Donor
from ._common import list_context, page_of

LOOKUP_LIMIT = 15


@require_safe
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


@require_safe
@permission_required("ledger.view_donor")
def donors(request):
    form = DonorFilterForm(request.GET or None)
    text = form.cleaned_data.get("q", "") if form.is_valid() else ""
    rows = selectors.donors(text)
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
        request,
        "ledger/collection/donors.html",
        list_context(request, form, page_of(request, rows)),
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


@require_http_methods(["GET", "POST"])
@permission_required("ledger.view_donor", "ledger.change_donor")
def donor_edit(request, pk: int):
    """Correct a donor's name, credit code, anonymity, phone or address (audited, with a reason
    for a new name or code); a save over someone else's change is refused (409)."""
    donor = get_object_or_404(Donor, pk=pk)
    initial = {
        "seen": services.donor_fingerprint(donor),
        "name": donor.name,
        "credit_code": donor.credit_code,
        "anonymous": donor.anonymous,
        "phone": donor.phone,
        "address": donor.address,
    }
    form = DonorEditForm(request.POST or None, initial=initial, kind=donor.kind)
    error, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.donor_update(
                    donor=donor,
                    name=data["name"],
                    credit_code=data.get("credit_code"),
                    anonymous=data.get("anonymous"),
                    phone=data["phone"],
                    address=data["address"],
                    reason=data["reason"],
                    seen=data["seen"],
                    actor=request.user,
                )
            except InvalidCreditCode as exc:
                form.add_error("credit_code", str(exc))
            except FundError as exc:
                error, status = str(exc), exc.status
            else:
                messages.success(request, _("Donor %(name)s corrected.") % {"name": data["name"]})
                return redirect("collection:donors")
    return render(
        request,
        "ledger/collection/donor_edit.html",
        {"form": form, "error": error, "donor": donor},
        status=status,
    )
