"""What the collection still has open in an accounting period, for the period's closing page
(``ledger.periods_open_items``; registered by ``ledger.apps``): receipt voids waiting for a
second person, and cash on hand not yet deposited at the period's end."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, DecimalField, F, Sum, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import chart
from ..models import JournalLine, Period
from ..periods_open_items import OpenItem
from .models import ReceiptVoidRequest, VoidRequestStatus


def voids_pending(period: Period) -> list[OpenItem]:
    """Void requests still pending for receipts issued in the period."""
    count = ReceiptVoidRequest.objects.filter(
        status=VoidRequestStatus.PENDING,
        receipt__issued_on__gte=period.start,
        receipt__issued_on__lte=period.end,
    ).count()
    return [
        OpenItem(
            _("receipt voids waiting for approval"), count, reverse("collection:void-requests")
        )
    ]


def cash_not_deposited(period: Period) -> list[OpenItem]:
    """Funds (per currency) holding cash on hand at the end of the period's last day."""
    signed = Case(
        When(side="D", then=F("amount")),
        default=-F("amount"),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    rows = (
        JournalLine.objects.filter(
            account__code=chart.CASH, entry__status="posted", entry__date__lte=period.end
        )
        .values("fund_id", "amount_currency")
        .annotate(on_hand=Sum(signed))
    )
    count = sum(1 for row in rows if (row["on_hand"] or Decimal(0)) > 0)
    return [
        OpenItem(
            _("funds with cash on hand not yet deposited at the bank"),
            count,
            reverse("collection:cash-held"),
        )
    ]


__all__ = ["cash_not_deposited", "voids_pending"]
