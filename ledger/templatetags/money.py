"""How amounts look on every screen: always with their currency, as ``CNY 1,234.50``.

One format for every language and currency (the ISO code first, then the figure with
thousands separators and two decimals), so an amount is never shown without its currency and
never mistaken for another currency's.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from djmoney.money import Money

register = template.Library()

CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if isinstance(value, Money):
        value = value.amount
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        return None


def format_amount(value) -> str:
    """``1234.5`` -> ``1,234.50``; blank for nothing."""
    number = _decimal(value)
    if number is None:
        return ""
    if number == 0:
        number = abs(number)  # never show "-0.00"
    return f"{number:,.2f}"


def format_money(value, currency: str | None = None) -> str:
    """A Money, or a figure plus a currency code, as ``CNY 1,234.50``."""
    if isinstance(value, Money):
        currency = str(value.currency)
    figure = format_amount(value)
    if not figure:
        return ""
    return f"{currency} {figure}" if currency else figure


@register.filter(name="money")
def money_filter(value, currency: str | None = None) -> str:
    """``{{ balance|money }}`` for a Money, ``{{ figure|money:"CNY" }}`` for a figure."""
    return format_money(value, currency)


@register.filter(name="amount")
def amount_filter(value) -> str:
    """The figure alone, for tables whose rows or header already name the currency."""
    return format_amount(value)


# The sign the public reads for the yuan; other currencies keep their code.
CURRENCY_SIGNS = {"CNY": "¥"}


def format_public_money(value, currency: str | None = None) -> str:
    """An amount as the public reads it on paper: ``¥5,000.00`` for yuan (``-¥300.00`` when
    negative), ``USD 1,234.50`` for another currency."""
    if isinstance(value, Money):
        currency = str(value.currency)
    number = _decimal(value)
    if number is None:
        return ""
    figure = format_amount(abs(number))
    sign = "-" if number < 0 else ""
    symbol = CURRENCY_SIGNS.get(currency or "")
    if symbol:
        return f"{sign}{symbol}{figure}"
    return f"{currency} {sign}{figure}" if currency else f"{sign}{figure}"


@register.filter(name="public_money")
def public_money_filter(value, currency: str | None = None) -> str:
    """``{{ amount|public_money }}``: ``¥5,000.00`` on public and printed documents."""
    return format_public_money(value, currency)


@register.filter
def is_negative(value) -> bool:
    number = _decimal(value)
    return number is not None and number < 0
