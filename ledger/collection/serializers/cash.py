"""JSON shapes of cash deposits and cash held (``/api/collection/cash-deposits/``,
``/api/collection/cash-held/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ...serializers import money_field
from ._fields import FundCodeField, MoneyAmountField, currency_field, username_field


class CashDepositSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    fund = FundCodeField()
    amount = MoneyAmountField()
    currency = currency_field()
    deposited_on = serializers.DateField()
    bank_slip = TextField(max_length=100, required=False, allow_blank=True, default="")
    entry = serializers.IntegerField(source="entry.seq", read_only=True)
    recorded_by = username_field("recorded_by")
    recorded_at = serializers.DateTimeField(read_only=True)


class CashHeldSerializer(serializers.Serializer):
    fund = FundCodeField()
    currency = TextField()
    on_hand = money_field(help_text=_("Cash on hand not yet deposited."))
    oldest_undeposited = serializers.DateField(
        allow_null=True,
        help_text=_("Day the oldest cash still held came in (first in, first out)."),
    )
    days_held = serializers.IntegerField()
    overdue = serializers.BooleanField(
        help_text=_("Cash has waited more than 3 days for the bank.")
    )
