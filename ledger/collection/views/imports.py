"""Bulk import screens: upload a donations file or a donor list, see the row-by-row report."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from common.errors import FundError
from common.permissions import permission_required

from .. import services
from ..forms import ImportForm


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
        status=400 if error or form.errors or (result is not None and result.errors) else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donation")
def donation_import(request):
    return _import_page(request, services.donation_import, "ledger/collection/import.html")


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_donor")
def donor_import(request):
    return _import_page(request, services.donor_import, "ledger/collection/donor_import.html")
