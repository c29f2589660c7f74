"""The collection's printed documents: receipts, pledge reminder letters, the thank-you list."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from common.pdf import qr_data_uri, render_pdf
from common.people import person_name
from common.publicurl import public_url

from .models import Donation, Receipt
from .selectors import PledgeRow, ThankYouList


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF to download, for the screens and the API alike."""
    response = HttpResponse(content, content_type="application/pdf")
    # A series may be Chinese: the helper writes filename* (RFC 6266) for non-ASCII names.
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def receipt_short_code(receipt: Receipt) -> str:
    """The receipt's code in the short verification address: its check code (12 characters,
    0-9 and A-F), which alone finds the receipt and proves the paper is ours."""
    return receipt.check_code


def receipt_verify_url(receipt: Receipt, request=None) -> str:
    """``<PUBLIC_BASE_URL>/r/<check code>``: short, typeable, nothing percent-encoded (a series
    may be Chinese, so the series never goes into the address)."""
    return public_url(f"/r/{receipt_short_code(receipt)}", request)


def _figures(money) -> str:
    return f"{money.amount:,.2f}"


# The receipt is bilingual on paper (Chinese first), whoever prints it.
CHANNEL_NAMES = {
    "wechat": "微信支付 WeChat Pay",
    "alipay": "支付宝 Alipay",
    "pos": "POS刷卡 POS (bank card terminal)",
}


def receipt_pdf(receipt: Receipt, request=None) -> bytes:
    url = receipt_verify_url(receipt, request)
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
