"""PDF rendering with WeasyPrint, shared by every app (receipts, letters, public lists).

Chinese text needs a CJK font on the machine (Debian ``fonts-noto-cjk``; ``make`` installs it);
``libharfbuzz-subset0`` makes writing about four times faster by embedding only the glyphs used.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext


def render_pdf(template: str, context: dict, *, language: str = "zh-hans") -> bytes:
    """The PDF of ``template``, signed with the fund office's key when one is configured
    (common.pdfsign): every PDF fundapp issues is, so none can be altered unnoticed."""
    from weasyprint import HTML  # imported late: loading pango costs ~0.3 s

    from . import pdfsign

    with translation.override(language):
        html = render_to_string(template, context)
        reason = gettext("Issued by %(org)s") % {
            "org": getattr(settings, "FUND_ORGANISATION_NAME", "") or "fundapp"
        }
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdfsign.sign(pdf, reason=reason)


def qr_data_uri(text: str, *, scale: int = 3) -> str:
    """A QR code as an SVG data URI that WeasyPrint embeds (segno is pure Python)."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
