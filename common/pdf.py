"""PDF rendering with WeasyPrint, shared by every app (receipts, letters, public lists).

Chinese text needs a CJK font on the machine (Debian ``fonts-noto-cjk``; ``make`` installs it);
``libharfbuzz-subset0`` makes writing about four times faster by embedding only the glyphs used.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template: str, context: dict, *, language: str = "zh-hans") -> bytes:
    from weasyprint import HTML  # imported late: loading pango costs ~0.3 s

    with translation.override(language):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def qr_data_uri(text: str, *, scale: int = 3) -> str:
    """A QR code as an SVG data URI that WeasyPrint embeds (segno is pure Python)."""
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
