"""The public's front door (issue 14, point 10): one page at /public/ that leads to every
public page — notices and their archive, annual confirmation lists, the thank-you list, the
receipt check, objections and one's own case status — reached from the login page and from
``/`` by a visitor who is not signed in. It shows no data of its own: each page it links to
applies its own rules (masking, limits)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

# A receipt as printed: <series>-<number> (a series may hold dashes; the number only digits).
RECEIPT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,40}-[0-9]{1,10}$")


@require_safe
def public_index(request):
    return render(request, "fundapp/public_index.html", {"code": "", "check": ""})


@require_safe
def receipt_check(request):
    """The index's receipt form: a typed number and check code go to the receipt's own
    verification page (the page a receipt's QR code opens), which does the check."""
    code = re.sub(r"\s+", "", request.GET.get("code", "")).upper()
    check = re.sub(r"\s+", "", request.GET.get("c", "")).upper()
    errors = {}
    if not RECEIPT_CODE.match(code):
        errors["code_error"] = _("Type the receipt number as printed, e.g. JZ2026-00000001.")
    if not check:
        errors["check_error"] = _("Type the check code printed on the receipt.")
    if errors:
        return render(
            request,
            "fundapp/public_index.html",
            {"code": code, "check": check, **errors},
            status=400,
        )
    url = reverse("public:receipt-verify", args=[code])
    return redirect(f"{url}?{urlencode({'c': check})}")
