"""Public pages of the site itself: the fund office's signing certificate and the check of a
PDF the fund issued (issue 15, point 5; common.pdfsign)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from common import pdfsign, throttle
from common.clientip import client_ip
from common.uploads import UploadRefused, check_document, size_validator


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


def _limit() -> throttle.Limit:
    return throttle.Limit(
        "public:verify-pdf",
        settings.PUBLIC_LOOKUP_LIMIT,
        settings.PUBLIC_LOOKUP_WINDOW_MINUTES * 60,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def verify_pdf(request):
    if not pdfsign.configured():
        raise Http404
    result = None
    form = PdfCheckForm()
    if request.method == "POST":
        limit = _limit()
        if throttle.hit(limit, client_ip(request)):
            return render(
                request,
                "approvals/public/throttled.html",
                {"minutes": limit.minutes},
                status=429,
            )
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
