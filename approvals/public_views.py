"""Public relief-case pages (no login): current notices (and their A4 PDF for the village
board), the objection form and its status look-up, and the self-service case status page (case
number + the look-up code printed on the applicant's acknowledgement).

They show only what DOMAIN.md allows: notices and their lines come from
``selectors.public_notices`` (``Notice.public_fields`` / ``NoticeItem.public_fields``), the
status page from ``selectors.case_status_public`` (status and next step, nothing else). The
objection form and both look-ups are throttled per client address (``common.clientip``: the
proxy's X-Forwarded-For only from a configured trusted proxy), per form, and the case look-up
also per (address, case number), in the shared cache (``common.throttle``), so the limits hold
across every worker.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from common import throttle
from common.clientip import client_ip
from common.errors import FundError
from common.pdf import render_pdf

from . import selectors, services
from .forms import ObjectionForm, ObjectionStatusForm, PublicStatusForm
from .models import NoticeItem


def throttled(request, scope: str, number: str | None = None) -> throttle.Refusal | None:
    """Count one try of the public form ``scope`` from this address (and of ``number`` when the
    form looks one up); the refusal when a limit is used up (``common.throttle.public_try``)."""
    return throttle.public_try(scope, client_ip(request), number)


def _too_many(request, refusal: throttle.Refusal):
    return throttle.public_refusal_response(request, refusal)


def _open_notice(notice_id: int) -> dict:
    notice = next((n for n in selectors.public_notices() if n["id"] == notice_id), None)
    if notice is None:
        raise Http404
    return notice


@require_GET
def notices(request):
    return render(request, "approvals/public/notices.html", {"notices": selectors.public_notices()})


@require_GET
def notice_archive(request):
    """Every notice and addendum published in the archive's years, open or closed, by program,
    year and region, with what changed (lines taken off after an objection, corrections,
    addenda). Only what a notice showed when it was published (DOMAIN.md)."""
    program = (request.GET.get("program") or "").strip()[:20]
    region = (request.GET.get("region") or "").strip()[:12]
    raw_year = (request.GET.get("year") or "").strip()
    year = (
        int(raw_year) if raw_year.isascii() and raw_year.isdigit() and len(raw_year) == 4 else None
    )
    return render(
        request,
        "approvals/public/notice_archive.html",
        {
            "notices": selectors.public_notice_archive(program=program, year=year, region=region),
            "choices": selectors.archive_choices(),
            "chosen": {"program": program, "year": year, "region": region},
            "years_kept": selectors.archive_years(),
        },
    )


@require_GET
def notice_pdf(request, notice_id: int):
    notice = _open_notice(notice_id)
    pdf = render_pdf(
        "approvals/pdf/notice.html", {"notice": notice, "printed_on": timezone.localdate()}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice_id}.pdf"'
    return response


def objection_filing(
    request, form, file: Callable[[dict, str], object], *, scope: str = "objection"
) -> HttpResponse:
    """The one filing and answer of every public objection form (a line of a case notice here,
    a row of an annual-confirmation list in disbursement): each attempt counts against the
    per-address form limit in the shared cache (429 past it), a valid form is handed to
    ``file(cleaned_data, client address)`` — the service, which checks the input and the
    per-notice caps per address and per contact in the database — and answers with the
    tracking code (201). A refusal shows next to the form, in the user's language, with what
    was typed kept; nothing is filed."""
    if request.method == "POST":
        # Each form counts on its own (``scope``): a confirmation objection does not use up the
        # case objection form's tries (issue 14, point 12).
        if refusal := throttled(request, scope):
            return _too_many(request, refusal)
        if form.is_valid():
            try:
                objection = file(form.cleaned_data, client_ip(request))
            except FundError as exc:
                form.add_error(None, exc.message)
            else:
                return render(
                    request,
                    "approvals/public/objection_filed.html",
                    {"code": objection.tracking_code},
                    status=201,
                )
    return render(request, "approvals/public/objection_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def objection_new(request):
    choices = [
        (item["id"], f"{n['program']} · {n['region']} · {item['name'] or '—'} · {item['amount']}")
        for n in selectors.public_notices()
        for item in n["items"]
    ]
    initial = {"item": request.GET.get("item")} if request.GET.get("item") else None
    form = ObjectionForm(request.POST or None, item_choices=choices, initial=initial)

    def file(data: dict, ip: str):
        return services.objection_file(
            notice_item=NoticeItem.objects.get(pk=data["item"]),
            contact=data["contact"],
            name=data["name"],
            text=data["text"],
            ip=ip,
        )

    return objection_filing(request, form, file)


@require_GET
def objection_status(request):
    form = ObjectionStatusForm(request.GET or None)
    result, tried = None, False
    if form.is_bound:
        if refusal := throttled(request, "objection-status"):
            return _too_many(request, refusal)
        if form.is_valid():
            tried = True
            result = selectors.objection_status_public(form.cleaned_data["code"])
    return render(
        request,
        "approvals/public/objection_status.html",
        {"form": form, "result": result, "tried": tried},
        status=404 if tried and result is None else 200,
    )


@require_http_methods(["GET", "POST"])
def case_status(request):
    # POST keeps the ID digits out of URLs and server logs.
    form = PublicStatusForm(request.POST or None)
    result, tried = None, False
    if request.method == "POST":
        raw = (request.POST.get("number") or "").strip().upper()[:40]
        # Per form and per (address, case number): the form's limit alone would let one address
        # try one case's codes every window, for ever; the number's keeps that to a few.
        if refusal := throttled(request, "case-status", raw or None):
            return _too_many(request, refusal)
        if form.is_valid():
            number = form.cleaned_data["number"].strip().upper()
            tried = True
            result = selectors.case_status_public(number, form.cleaned_data["code"])
    return render(
        request,
        "approvals/public/status.html",
        {"form": form, "result": result, "tried": tried},
        status=404 if tried and result is None else 200,
    )
