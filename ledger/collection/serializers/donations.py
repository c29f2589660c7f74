"""JSON shape of a donation (``/api/collection/donations/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ..models import Donor, PaymentMethod, Pledge
from ._fields import (
    FundCodeField,
    MoneyAmountField,
    ReceiptLinkMixin,
    currency_field,
    username_field,
)


class DonationSerializer(ReceiptLinkMixin):
    id = serializers.IntegerField(read_only=True)
    donor = serializers.PrimaryKeyRelatedField(
        queryset=Donor.objects.all(), help_text=_("Donor id.")
    )
    donor_name = TextField(source="donor.name", read_only=True)
    fund = FundCodeField()
    amount = MoneyAmountField()
    currency = currency_field()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    channel_ref = TextField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "WeChat Pay, Alipay and POS (method wechat, alipay, pos): the channel's transaction "
            "reference, required; empty for bank, cash and cheque."
        ),
    )
    settled = serializers.SerializerMethodField(
        help_text=_("For a channel donation: whether the channel has settled it to the bank.")
    )
    received_on = serializers.DateField()
    project = TextField(max_length=200, required=False, allow_blank=True, default="")
    pledge = serializers.PrimaryKeyRelatedField(
        queryset=Pledge.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Id of the donor's pledge this pays, if any."),
    )
    recorded_by = username_field("recorded_by")
    recorded_at = serializers.DateTimeField(read_only=True)

    def get_settled(self, obj) -> bool | None:
        if not getattr(obj, "channel_ref", ""):
            return None
        return hasattr(obj, "settlement_line")
