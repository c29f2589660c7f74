"""JSON shapes of recoveries (money paid in error claimed back), their refunds, and a batch's
post-payment sample check; and the requests that propose, decide, refund, write off, draw and
record."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.serializers import enum, money_amount
from common.api import TextField
from ledger.serializers import money_field

from ..models import (
    PaymentStatus,
    Recovery,
    RecoveryReason,
    RecoveryRefund,
    RecoveryStatus,
    RefundMethod,
    SampleCheck,
    SampleCheckLine,
    SampleOutcome,
)
from .common import REASON_MAX, username_field


class RefundSerializer(serializers.ModelSerializer):
    amount = money_amount("amount")
    currency = TextField(source="amount_currency", read_only=True)
    method = enum(RefundMethod.choices, read_only=True)
    entry = serializers.IntegerField(source="entry.seq", read_only=True)
    recorded_by = username_field()

    class Meta:
        model = RecoveryRefund
        fields = [
            "number",
            "amount",
            "currency",
            "received_on",
            "method",
            "bank_reference",
            "note",
            "entry",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class RecoverySerializer(serializers.ModelSerializer):
    label = TextField(source="__str__", read_only=True)
    payment = TextField(source="payment.reference", read_only=True)
    batch = serializers.IntegerField(source="payment.batch_id", read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    person_name = TextField(source="person.name", read_only=True)
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = money_amount("amount")
    currency = TextField(source="amount_currency", read_only=True)
    refunded = money_field(source="refunded_sum")
    owed = serializers.SerializerMethodField(
        help_text=_("Still owed back, two decimals (0.00 unless open).")
    )
    status = enum(RecoveryStatus.choices, read_only=True)
    reason_code = enum(RecoveryReason.choices, read_only=True)
    entry = serializers.IntegerField(source="entry.seq", read_only=True, allow_null=True)
    created_by = username_field()
    decided_by = username_field()
    written_off_by = username_field()
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "label",
            "payment",
            "batch",
            "person",
            "person_name",
            "program",
            "fund",
            "amount",
            "currency",
            "refunded",
            "owed",
            "status",
            "reason_code",
            "reason_text",
            "decision_text",
            "decision_reference",
            "entry",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
            "written_off_by",
            "written_off_at",
            "write_off_reason",
            "refunds",
        ]
        read_only_fields = fields

    def get_owed(self, recovery) -> str:
        if recovery.status != RecoveryStatus.OPEN:
            return "0.00"
        return f"{recovery.amount.amount - recovery.refunded_sum:.2f}"


def _amount_in() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=15, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=True
    )


class RecoveryProposeSerializer(serializers.Serializer):
    payment = serializers.IntegerField(help_text=_("Id of a paid payment of your region."))
    amount = _amount_in()
    reason_code = enum(RecoveryReason.choices)
    reason_text = TextField(max_length=REASON_MAX)
    decision_reference = TextField(max_length=100, required=False, default="")


class RecoveryDecisionSerializer(serializers.Serializer):
    decision_text = TextField(max_length=REASON_MAX)
    decision_reference = TextField(max_length=100, required=False, default="")


class RefundCreateSerializer(serializers.Serializer):
    amount = _amount_in()
    received_on = serializers.DateField(required=False, help_text=_("Default: today."))
    method = enum(RefundMethod.choices, required=False, default=RefundMethod.BANK)
    bank_reference = TextField(max_length=64, required=False, default="")
    note = TextField(max_length=500, required=False, default="")


class RecoveryWriteOffSerializer(serializers.Serializer):
    reason = TextField(max_length=REASON_MAX)


class SampleLineSerializer(serializers.ModelSerializer):
    payment = TextField(source="payment.reference", read_only=True)
    payee_name = TextField(source="payment.payee_name", read_only=True)
    payment_status = enum(PaymentStatus.choices, source="payment.status", read_only=True)
    outcome = enum(SampleOutcome.choices, read_only=True)
    checked_by = username_field()

    class Meta:
        model = SampleCheckLine
        fields = [
            "id",
            "payment",
            "payee_name",
            "payment_status",
            "outcome",
            "note",
            "checked_by",
            "checked_at",
        ]
        read_only_fields = fields


class SampleCheckSerializer(serializers.ModelSerializer):
    drawn_by = username_field()
    lines = SampleLineSerializer(many=True, read_only=True)

    class Meta:
        model = SampleCheck
        fields = ["batch", "seed", "population", "size", "drawn_by", "drawn_at", "lines"]
        read_only_fields = fields


class SampleDrawSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text=_("Id of a batch of your region paid by the bank."))


class SampleRecordSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Id of a line of the sample."))
    outcome = enum([(o.value, o.label) for o in SampleOutcome if o.value])
    note = TextField(max_length=500, required=False, default="")
