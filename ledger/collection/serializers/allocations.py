"""JSON shape of an allocation (``/api/collection/allocations/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ..models import DIRECT_METHODS, AllocationKind, Pledge, ReceiptType
from ._fields import (
    FundCodeField,
    MoneyAmountField,
    ReceiptLinkMixin,
    currency_field,
    username_field,
)


class AllocationSerializer(ReceiptLinkMixin):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=AllocationKind.choices)
    source_name = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The paying department (the pledge's donor when a pledge is given)."),
    )
    source_credit_code = TextField(max_length=30, required=False, allow_blank=True, default="")
    fund = FundCodeField()
    amount = MoneyAmountField()
    currency = currency_field()
    method = serializers.ChoiceField(choices=[(m.value, m.label) for m in DIRECT_METHODS])
    received_on = serializers.DateField()
    document_no = TextField(max_length=100, required=False, allow_blank=True, default="")
    receipt_type = serializers.ChoiceField(
        choices=ReceiptType.choices,
        source="receipt.type",
        default=ReceiptType.SETTLEMENT,
        help_text=_(
            "Always settlement: budget money never gets a donation receipt (asking for one is "
            "refused with code wrong_receipt_type)."
        ),
    )
    pledge = serializers.PrimaryKeyRelatedField(
        queryset=Pledge.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Id of the mandated-contribution pledge this pays, if any."),
    )
    recorded_by = username_field("recorded_by")
    recorded_at = serializers.DateTimeField(read_only=True)
