"""Reads of the payment channels (WeChat Pay, Alipay, POS): the reconciliation per channel.

For each channel: what its clearing account holds (the stored balances, per currency), the
donations it has not settled yet (which that balance should equal), the lines of its settlement
files that match no donation (exceptions: money at the bank the books do not know), and the
fees it has taken. The clearing balance less the unsettled donations is the difference to
explain; it is zero when the books and the channel agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from .. import chart
from ..models import Balance
from .models import (
    CHANNEL_METHODS,
    ChannelSettlementLine,
    ChannelStatement,
    Donation,
    PaymentMethod,
    ReceiptStatus,
)

ZERO = Decimal("0.00")


@dataclass
class ChannelPosition:
    channel: str
    label: str
    account_code: str
    clearing: dict[str, Decimal] = field(default_factory=dict)
    unsettled: dict[str, Decimal] = field(default_factory=dict)
    unsettled_count: int = 0
    exceptions: dict[str, Decimal] = field(default_factory=dict)
    exception_count: int = 0
    settled_gross: dict[str, Decimal] = field(default_factory=dict)
    fees: dict[str, Decimal] = field(default_factory=dict)
    settled_count: int = 0

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.clearing) | set(self.unsettled) | set(self.exceptions))

    @property
    def difference(self) -> dict[str, Decimal]:
        """Clearing balance less unsettled donations, per currency (zero when reconciled)."""
        return {
            cur: self.clearing.get(cur, ZERO) - self.unsettled.get(cur, ZERO)
            for cur in sorted(set(self.clearing) | set(self.unsettled))
        }

    @property
    def reconciled(self) -> bool:
        return all(v == 0 for v in self.difference.values()) and not self.exception_count


def unsettled_channel_donations(channel: str | None = None) -> QuerySet[Donation]:
    """Valid channel donations the channel has not settled yet, oldest first."""
    rows = Donation.objects.filter(
        method__in=[channel] if channel else list(CHANNEL_METHODS),
        settlement_line__isnull=True,
    ).exclude(receipt__status=ReceiptStatus.VOID)
    return rows.select_related("donor", "fund", "receipt__book").order_by("received_on", "id")


def channel_exceptions(channel: str | None = None) -> QuerySet[ChannelSettlementLine]:
    """Settled transactions with no donation, newest file first."""
    rows = ChannelSettlementLine.objects.filter(donation__isnull=True)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.select_related("statement").order_by("-statement_id", "id")


def channel_statements() -> QuerySet[ChannelStatement]:
    return (
        ChannelStatement.objects.select_related("imported_by")
        .annotate(line_count=Count("lines"), fee_total=Sum("lines__fee"))
        .order_by("-imported_at", "-id")
    )


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def channel_positions() -> list[ChannelPosition]:
    """One position per channel (a fixed handful of grouped queries, whatever the history)."""
    positions = {
        method: ChannelPosition(method, PaymentMethod(method).label, chart.CLEARING[method])
        for method in CHANNEL_METHODS
    }
    by_code = {code: method for method, code in chart.CLEARING.items()}
    for code, currency, total in (
        Balance.objects.filter(account__code__in=list(by_code))
        .values_list("account__code", "currency")
        .annotate(total=Sum("balance"))
    ):
        positions[by_code[code]].clearing[currency] = _q(total)
    for method, currency, total, count in (
        unsettled_channel_donations()
        .order_by()
        .values_list("method", "amount_currency")
        .annotate(total=Sum("amount"), n=Count("id"))
    ):
        positions[method].unsettled[currency] = _q(total)
        positions[method].unsettled_count += count
    for is_exception in (True, False):
        for channel, currency, gross, fee, count in (
            ChannelSettlementLine.objects.filter(donation__isnull=is_exception)
            .order_by()
            .values_list("channel", "currency")
            .annotate(gross=Sum("gross"), fee=Sum("fee"), n=Count("id"))
        ):
            pos = positions[channel]
            if is_exception:
                pos.exceptions[currency] = _q(gross)
                pos.exception_count = count
            else:
                pos.settled_gross[currency] = _q(gross)
                pos.fees[currency] = _q(fee)
                pos.settled_count = count
    return list(positions.values())


__all__ = [
    "ChannelPosition",
    "channel_exceptions",
    "channel_positions",
    "channel_statements",
    "unsettled_channel_donations",
]
