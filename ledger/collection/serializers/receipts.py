"""JSON shapes of receipts and their void requests (``/api/collection/receipts/``,
``/api/collection/void-requests/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ..models import ReceiptStatus, ReceiptType, VoidRequestStatus
from ._fields import FundCodeField, MoneyAmountField, username_field


class ReceiptSerializer(serializers.Serializer):
    code = TextField(read_only=True, help_text=_("Series and number: ZJ2025-00000007."))
    series = TextField(source="book.series", read_only=True)
    number = serializers.IntegerField(read_only=True)
    receipt_type = serializers.ChoiceField(
        source="type", choices=ReceiptType.choices, read_only=True
    )
    payer_name = TextField(read_only=True)
    payer_credit_code = TextField(read_only=True)
    public_payer = TextField(
        read_only=True, help_text=_("As the public verification page shows the payer.")
    )
    fund = FundCodeField(read_only=True)
    project = TextField(read_only=True)
    amount = MoneyAmountField(read_only=True)
    currency = TextField(source="amount_currency", read_only=True)
    amount_in_words = TextField(
        read_only=True, help_text=_("The amount in Chinese capitals (大写金额).")
    )
    issued_on = serializers.DateField(read_only=True)
    issued_by = username_field("issued_by")
    check_code = TextField(read_only=True)
    entry = serializers.IntegerField(source="entry.seq", read_only=True)
    status = serializers.ChoiceField(choices=ReceiptStatus.choices, read_only=True)
    void_reason = TextField(read_only=True)
    voided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class VoidRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    receipt = TextField(source="receipt.code", read_only=True)
    receipt_void = serializers.BooleanField(source="receipt.is_void", read_only=True)
    reason = TextField(max_length=300, help_text=_("Why the receipt is to be voided (required)."))
    requested_by = username_field("requested_by")
    requested_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=VoidRequestStatus.choices, read_only=True)
    decided_by = username_field("decided_by")
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_note = TextField(read_only=True)


class VoidApproveSerializer(serializers.Serializer):
    note = TextField(max_length=300, required=False, allow_blank=True, default="")


class VoidRejectSerializer(serializers.Serializer):
    note = TextField(max_length=300, help_text=_("Why the void is refused (required)."))
