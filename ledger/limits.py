"""Ceilings on the amount of one document, per kind (a donation, an allocation, a pledge, a cash
deposit, a manual journal entry, an award).

A figure pasted into the wrong field (an account number into an amount) must be refused with a
clear message before anything is receipted or posted. One ceiling per kind of document: the
administrator may raise or lower it in the admin (``AmountCeiling``); without a row the default
below applies. Forms, API and services all call ``check_ceiling``.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from djmoney.money import Money

from .exceptions import AmountTooLarge
from .models import AmountCeiling, DocumentKind

DEFAULT_CEILING = Decimal("100000000.00")


def ceiling_for(kind: str) -> Decimal:
    """The largest amount one document of ``kind`` may carry."""
    DocumentKind(kind)  # an unknown kind is a programming error: ValueError
    row = AmountCeiling.objects.filter(kind=kind).values_list("ceiling", flat=True).first()
    return row if row is not None else DEFAULT_CEILING


def check_ceiling(kind: str, amount: Decimal | Money) -> None:
    """Refuse ``amount`` when it is above the ceiling of ``kind`` (``AmountTooLarge``)."""
    value = amount.amount if isinstance(amount, Money) else amount
    ceiling = ceiling_for(kind)
    if value is not None and value > ceiling:
        raise AmountTooLarge(
            _(
                "The amount %(amount)s is above the ceiling of %(ceiling)s for one %(kind)s. "
                "Check the figure; if it is right, ask the administrator to raise the ceiling."
            )
            % {
                "amount": f"{value:,.2f}",
                "ceiling": f"{ceiling:,.2f}",
                "kind": DocumentKind(kind).label,
            }
        )


__all__ = ["DEFAULT_CEILING", "ceiling_for", "check_ceiling"]
