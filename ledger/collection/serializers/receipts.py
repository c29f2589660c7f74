"""JSON shapes of receipts and their void requests (``/api/collection/receipts/``,
``/api/collection/void-requests/``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import ReceiptStatus, ReceiptType, VoidRequestStatus
from ._fields import FundCodeField, MoneyAmountField, username_field


class ReceiptSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("Series and number: ZJ2025-00000007."))
    series = serializers.CharField(source="book.series", read_only=True)
    number = serializers.IntegerField(read_only=True)
    receipt_type = serializers.ChoiceField(
        source="type", choices=ReceiptType.choices, read_only=True
    )
    payer_name = serializers.CharField(read_only=True)
    payer_credit_code = serializers.CharField(read_only=True)
    public_payer = serializers.CharField(
        read_only=True, help_text=_("As the public verification page shows the payer.")
    )
    fund = FundCodeField(read_only=True)
    project = serializers.CharField(read_only=True)
    amount = MoneyAmountField(read_only=True)
    currency = serializers.CharField(source="amount_currency", read_only=True)
    amount_in_words = serializers.CharField(
        read_only=True, help_text=_("The amount in Chinese capitals (大写金额).")
    )
    issued_on = serializers.DateField(read_only=True)
    issued_by = username_field("issued_by")
    check_code = serializers.CharField(read_only=True)
    entry = serializers.IntegerField(source="entry.seq", read_only=True)
    status = serializers.ChoiceField(choices=ReceiptStatus.choices, read_only=True)
    void_reason = serializers.CharField(read_only=True)
    voided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class VoidRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    receipt = serializers.CharField(source="receipt.code", read_only=True)
    receipt_void = serializers.BooleanField(source="receipt.is_void", read_only=True)
    reason = serializers.CharField(
        max_length=300, help_text=_("Why the receipt is to be voided (required).")
    )
    requested_by = username_field("requested_by")
    requested_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=VoidRequestStatus.choices, read_only=True)
    decided_by = username_field("decided_by")
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_note = serializers.CharField(read_only=True)


class VoidApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VoidRejectSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, help_text=_("Why the void is refused (required)."))
