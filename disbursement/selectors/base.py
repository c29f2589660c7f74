"""Small helpers every payout read shares: amounts to the cent, the late-payment threshold."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def late_days_setting() -> int:
    """Days after which an unpaid award counts as late (``PAYOUT_LATE_DAYS``, default 30)."""
    return int(getattr(settings, "PAYOUT_LATE_DAYS", 30))


def cents(value) -> Decimal:
    """``value`` (a number, a database sum, None for nothing) as a Decimal to the cent."""
    return Decimal(value or 0).quantize(CENT)
