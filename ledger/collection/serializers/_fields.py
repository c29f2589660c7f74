"""The fields the collection's serializers share: a fund by its code, the amount of a
``Money``, the currency beside it, who did it, and the links of a record to its receipt and
journal entry."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ...serializers import CURRENCY_CHOICES, AmountField


class FundCodeField(TextField):
    """A fund by its code. Reads the related fund; writes hand the code to the service as it is,
    so an unknown or closed fund gets the service's own ``unknown_fund`` refusal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("Fund code, e.g. RELIEF."))
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.code


class MoneyAmountField(AmountField):
    """The amount of a ``Money``: read as a 2-decimal string, written as ``AmountField``."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", _('Positive decimal string with at most 2 places: "1200.00".')
        )
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value.amount)


def currency_field(**kwargs) -> serializers.ChoiceField:
    """The currency beside an amount: read from ``amount_currency``, CNY when not sent."""
    return serializers.ChoiceField(
        choices=CURRENCY_CHOICES,
        source="amount_currency",
        default=settings.DEFAULT_CURRENCY,
        help_text=_("ISO code; the fund must hold it."),
        **kwargs,
    )


def username_field(user: str) -> TextField:
    """Who did it, by username; null when the system itself did (a management command)."""
    return TextField(source=f"{user}.username", read_only=True, allow_null=True)


class ReceiptLinkMixin(serializers.Serializer):
    receipt = TextField(
        source="receipt.code", read_only=True, help_text=_("Receipt code: series-number.")
    )
    receipt_void = serializers.BooleanField(
        source="receipt.is_void", read_only=True, help_text=_("True once the receipt is void.")
    )
    entry = serializers.IntegerField(
        source="entry.seq", read_only=True, help_text=_("Number of the journal entry posted.")
    )
