"""Building blocks of the ledger API's serializers, shared with the money-in, relief-case and
payouts APIs: amounts read and written as decimal strings, the currencies, and a total per
currency."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

MAX_AMOUNT_DIGITS = 18  # JournalLine.amount: max_digits=18, decimal_places=2
MAX_BALANCE_DIGITS = 20  # balances add many amounts


def money_field(**kwargs) -> serializers.DecimalField:
    """A read-only amount: a string with exactly two decimals ("1200.00")."""
    return serializers.DecimalField(
        max_digits=MAX_BALANCE_DIGITS,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        **kwargs,
    )


class AmountField(serializers.DecimalField):
    """An amount sent by a client: a decimal string with at most two places.

    JSON numbers are refused on purpose: a client that sends 0.1 as a float has already lost
    the exact value before we see it.
    """

    default_error_messages = {
        "not_a_string": _('Send the amount as a string with a decimal point, e.g. "1200.00".'),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MAX_AMOUNT_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            Decimal(data.strip())
        except InvalidOperation:
            self.fail("invalid")
        return super().to_internal_value(data)


CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class CurrencyTotalSerializer(serializers.Serializer):
    currency = TextField()
    amount = money_field()
