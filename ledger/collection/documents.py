"""The collection's printed documents: receipts, pledge reminder letters, the thank-you list."""

from __future__ import annotations

import os
from datetime import date

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode

from common.pdf import qr_data_uri, render_pdf
from common.people import person_name

from .models import Donation, Receipt
from .selectors import PledgeRow, ThankYouList


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF to download, for the screens and the API alike."""
    response = HttpResponse(content, content_type="application/pdf")
    # A series may be Chinese: the helper writes filename* (RFC 6266) for non-ASCII names.
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def public_base_url() -> str:
    return (
        getattr(settings, "PUBLIC_BASE_URL", "") or os.environ.get("PUBLIC_BASE_URL", "")
    ).rstrip("/") or ("http://127.0.0.1:8000")


def receipt_verify_url(receipt: Receipt) -> str:
    path = reverse("public:receipt-verify", kwargs={"code": receipt.code})
    return f"{public_base_url()}{path}?{urlencode({'c': receipt.check_code})}"


def _figures(money) -> str:
    return f"{money.amount:,.2f}"


# The receipt is bilingual on paper (Chinese first), whoever prints it.
CHANNEL_NAMES = {
    "wechat": "微信支付 WeChat Pay",
    "alipay": "支付宝 Alipay",
    "pos": "POS刷卡 POS (bank card terminal)",
}


def receipt_pdf(receipt: Receipt) -> bytes:
    url = receipt_verify_url(receipt)
    # A WeChat Pay / Alipay / POS donation: the channel and its transaction reference, so the
    # payer can match the receipt to the payment record on their phone or card slip.
    donation = Donation.objects.filter(receipt=receipt).only("method", "channel_ref").first()
    channel = CHANNEL_NAMES.get(donation.method, "") if donation and donation.channel_ref else ""
    officer = person_name(receipt.issued_by) if receipt.issued_by else "—"
    return render_pdf(
        "ledger/pdf/receipt.html",
        {
            "receipt": receipt,
            "qr": qr_data_uri(url),
            "verify_url": url,
            "amount_figures": f"¥{_figures(receipt.amount)}"
            if str(receipt.amount.currency) == "CNY"
            else _figures(receipt.amount),
            "payee": getattr(settings, "FUND_ORGANISATION_NAME", "")
            or "县人口与计划生育救助公益金管理委员会",
            "officer": officer,
            "channel": channel,
            "channel_ref": donation.channel_ref if channel else "",
        },
    )


def pledge_reminder_pdf(row: PledgeRow, *, today: date) -> bytes:
    return render_pdf(
        "ledger/pdf/pledge_reminder.html",
        {
            "row": row,
            "today": today,
            "payee": getattr(settings, "FUND_ORGANISATION_NAME", "")
            or "县人口与计划生育救助公益金管理委员会",
        },
    )


def thank_you_pdf(listing: ThankYouList) -> bytes:
    return render_pdf("ledger/pdf/thank_you.html", {"listing": listing})
