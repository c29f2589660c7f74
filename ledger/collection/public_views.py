"""The collection's public pages (no login): receipt verification and the thank-you list.

They show only what DOMAIN.md allows: a receipt's number, date, amount, payer (a person masked
or "anonymous") and whether it is valid; a thank-you list of units by name and people masked
or anonymous. Looking a receipt up needs its check code too, so nobody can walk the numbers;
and each try of a check code is counted like the other public look-ups (``common.throttle``:
per address for the form, per (address, receipt number) for one receipt's code).
"""

from __future__ import annotations

import hmac
import re

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common import throttle
from common.clientip import client_ip
from common.exports import export_response

from ..models import Fund, Period
from .documents import thank_you_pdf
from .selectors import receipt_by_check_code, receipt_by_code, thank_you_list


@require_GET
def receipt_verify(request, code: str):
    check = (request.GET.get("c") or "").strip().upper()
    if check and (refusal := throttle.public_try("receipt-verify", client_ip(request), code)):
        return throttle.public_refusal_response(request, refusal)
    receipt = receipt_by_code(code) if check else None
    # Compare in constant time; an unknown number and a wrong check code look the same.
    if receipt is not None and not hmac.compare_digest(receipt.check_code, check):
        receipt = None
    return render(
        request,
        "ledger/public/receipt_verify.html",
        {"code": code, "check": check, "receipt": receipt, "tried": bool(check)},
        status=200 if receipt is not None or not check else 404,
    )


# What a person may type for a check code: case, blanks and dashes do not matter; the letters
# O and I, which a check code never holds, are read as the digits they look like.
_TYPED_NOISE = re.compile(r"[\s-]+")


def normalise_short_code(typed: str) -> str:
    return _TYPED_NOISE.sub("", typed).upper().replace("O", "0").replace("I", "1")


@require_GET
def receipt_short(request, code: str):
    """``/r/<check code>``, the short address printed on a receipt: the same check as
    ``receipt_verify``, found by the check code alone (which is what makes walking impossible)."""
    receipt = receipt_by_check_code(normalise_short_code(code))
    return render(
        request,
        "ledger/public/receipt_verify.html",
        {"code": code, "check": "", "receipt": receipt, "tried": True, "short": True},
        status=200 if receipt is not None else 404,
    )


@require_GET
def thank_you(request):
    periods = list(Period.objects.order_by("-start"))
    today = timezone.localdate()
    period = next((p for p in periods if p.code == request.GET.get("period")), None) or next(
        (p for p in periods if p.start <= today <= p.end), periods[0] if periods else None
    )
    funds = list(Fund.objects.filter(is_active=True).order_by("code"))
    fund = next((f for f in funds if f.code == request.GET.get("fund")), None)
    listing = thank_you_list(period=period, fund=fund) if period is not None else None
    fmt = (request.GET.get("format") or "").lower()
    if listing is not None and fmt == "pdf":
        response = HttpResponse(thank_you_pdf(listing), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="thank-you-{period.code}.pdf"'
        return response
    if listing is not None and fmt in ("csv", "xlsx"):
        return export_response(
            fmt=fmt,
            title=_("Thank-you list %(period)s") % {"period": period.code},
            headers=[_("Donor"), _("Date"), _("Fund"), _("Amount"), _("Currency")],
            rows=[
                (r.name, r.received_on, r.fund_name, r.amount.amount, str(r.amount.currency))
                for r in listing.rows
            ],
        )
    return render(
        request,
        "ledger/public/thank_you.html",
        {"listing": listing, "periods": periods, "period": period, "funds": funds, "fund": fund},
    )
