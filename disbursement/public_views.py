"""Public pages of the annual confirmation (no login), composed under /public/ by fundapp: the
confirmed lists posted on notice (running, and kept after the cycle's approval), and one list
with masked names, the village and the outcome — never an ID number, address, age or reason
(DOMAIN.md, "What a notice shows")."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors


@require_GET
def confirmations(request):
    return render(
        request,
        "disbursement/public/confirmations.html",
        {"confirmations": selectors.public_confirmations(), "today": timezone.localdate()},
    )


@require_GET
def confirmation(request, pk: int):
    found = selectors.public_confirmations().filter(pk=pk).first()
    if found is None:
        raise Http404
    return render(
        request,
        "disbursement/public/confirmation.html",
        {
            "confirmation": found,
            "rows": selectors.public_rows(found),
            "running": found.notice_ends_on >= timezone.localdate(),
        },
    )
