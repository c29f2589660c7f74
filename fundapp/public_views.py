"""Public pages of the site itself.

* The public's front door (issue 14, point 10): one page at /public/ that leads to every public
  page — notices and their archive, annual confirmation lists, the thank-you list, the receipt
  check, objections and one's own case status — reached from the login page and from ``/`` by a
  visitor who is not signed in. It shows no data of its own: each page it links to applies its
  own rules (masking, limits).
* The fund office's signing certificate and the check of a PDF the fund issued (issue 15,
  point 5; common.pdfsign).
* The chain heads published when periods closed and the check of a printed one against the live
  books (issue 15, point 4)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from common import pdfsign, throttle
from common.clientip import client_ip
from common.uploads import UploadRefused, check_document, size_validator
from ledger.models import GENESIS_HASH, JournalEntry, PublishedCheckpoint


class PdfCheckForm(forms.Form):
    document = forms.FileField(
        label=_("PDF issued by the fund"),
        help_text=_("A notice, thank-you list, receipt or letter downloaded from this site."),
        validators=[size_validator("document")],
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        try:
            kind = check_document(upload)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        if kind != "application/pdf":
            raise forms.ValidationError(_("This is not a PDF file."))
        return upload


@require_http_methods(["GET", "HEAD", "POST"])
def verify_pdf(request):
    if not pdfsign.configured():
        raise Http404
    result = None
    form = PdfCheckForm()
    if request.method == "POST":
        refusal = throttle.public_try("verify-pdf", client_ip(request))
        if refusal is not None:
            return throttle.public_refusal_response(request, refusal)
        form = PdfCheckForm(request.POST, request.FILES)
        if form.is_valid():
            result = pdfsign.verify(form.cleaned_data["document"].read())
    return render(
        request,
        "fundapp/public/verify_pdf.html",
        {"form": form, "result": result, "fingerprint": pdfsign.fingerprint()},
    )


@require_safe
def signing_certificate(request):
    pem = pdfsign.certificate_pem()
    if not pem:
        raise Http404
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="fund-office-signing-cert.pem"'
    return response


class CheckpointForm(forms.Form):
    seq = forms.IntegerField(label=_("Entry number"), min_value=0, max_value=10**15)
    hash = forms.RegexField(
        label=_("Hash"),
        regex=r"^\s*[0-9a-fA-F]{12,64}\s*$",
        help_text=_("As printed: the whole hash, or at least its first 12 characters."),
        error_messages={"invalid": _("A hash is 12 to 64 characters 0-9 and a-f.")},
    )

    def clean_hash(self):
        return self.cleaned_data["hash"].strip().lower()


@require_safe
def checkpoints(request):
    """Every published checkpoint, and (``?seq=&hash=``) the check of one kept outside: does
    the live chain still pass through it?"""
    result = None
    form = CheckpointForm(request.GET or None)
    if request.GET:
        refusal = throttle.public_try("checkpoint", client_ip(request))
        if refusal is not None:
            return throttle.public_refusal_response(request, refusal)
        if form.is_valid():
            seq, given = form.cleaned_data["seq"], form.cleaned_data["hash"]
            now = (
                GENESIS_HASH
                if seq == 0
                else JournalEntry.objects.filter(seq=seq).values_list("hash", flat=True).first()
            )
            result = {
                "seq": seq,
                "found": now is not None,
                "matches": now is not None and now.startswith(given),
            }
    published = PublishedCheckpoint.objects.select_related("period").order_by("-seq", "-id")[:120]
    return render(
        request,
        "fundapp/public/checkpoints.html",
        {"form": form, "result": result, "published": published},
    )


# A receipt as printed: <series>-<number> (a series may hold dashes; the number only digits).
RECEIPT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,40}-[0-9]{1,10}$")


@require_safe
def public_index(request):
    return render(
        request,
        "fundapp/public_index.html",
        {"code": "", "check": "", "pdf_signing": pdfsign.configured()},
    )


@require_safe
def receipt_check(request):
    """The index's receipt form: a typed number and check code go to the receipt's own
    verification page (the page a receipt's QR code opens), which does the check."""
    code = re.sub(r"\s+", "", request.GET.get("code", "")).upper()
    check = re.sub(r"\s+", "", request.GET.get("c", "")).upper()
    errors = {}
    if not RECEIPT_CODE.match(code):
        errors["code_error"] = gettext("Type the receipt number as printed, e.g. JZ2026-00000001.")
    if not check:
        errors["check_error"] = gettext("Type the check code printed on the receipt.")
    if errors:
        return render(
            request,
            "fundapp/public_index.html",
            {"code": code, "check": check, "pdf_signing": pdfsign.configured(), **errors},
            status=400,
        )
    url = reverse("public:receipt-verify", args=[code])
    return redirect(f"{url}?{urlencode({'c': check})}")
