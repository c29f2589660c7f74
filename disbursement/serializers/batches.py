"""JSON shapes of payout batches and their payments: a batch (in detail with what was left out,
its reconciliation and timeliness), a payment (account masked), and the requests that build
and discard a batch."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.api_filters import regions_in_scope
from approvals.serializers import ScopedCodeField, enum, money_amount
from common.api import TextField
from ledger.serializers import money_field

from .. import selectors
from ..models import AccountOwner, BatchStatus, Payment, PaymentStatus, PayoutBatch
from .common import REASON_MAX, program_field, username_field


class BatchSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(help_text=_('"PB" and the id, as on the screens.'))
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = TextField(source="program.name", read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("Region the batch was built for; null: the whole county."),
    )
    status = enum(BatchStatus.choices, read_only=True)
    total = money_amount("total")
    currency = TextField(source="total_currency", read_only=True)
    built_by = username_field()
    approved_by = username_field()

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "label",
            "program",
            "program_name",
            "fund",
            "cycle",
            "region",
            "final_from",
            "final_to",
            "status",
            "count",
            "total",
            "currency",
            "built_by",
            "built_at",
            "approved_by",
            "approved_at",
            "exported_at",
            "closed_at",
            "discard_reason",
        ]
        read_only_fields = fields

    def get_label(self, batch: PayoutBatch) -> str:
        return f"PB{batch.pk}"


class ReconciliationSerializer(serializers.Serializer):
    agrees = serializers.BooleanField(help_text=_("True when every sum agrees."))
    currency = TextField()
    payments_count = serializers.IntegerField()
    payments_total = money_field()
    file_rows = serializers.IntegerField(
        allow_null=True, help_text=_("Rows of the latest bank file; null: not exported.")
    )
    file_total = money_field(allow_null=True)
    results_count = serializers.IntegerField(help_text=_("Payments with a result from the bank."))
    results_total = money_field(help_text=_("Amounts the bank reported, paid and failed."))
    results_paid_total = money_field()
    paid_count = serializers.IntegerField()
    paid_total = money_field()
    failed_total = money_field()
    ledger_total = money_field(help_text=_("Awards payable debited by the payment entries."))
    charges_total = money_field(help_text=_("Bank charges, booked as the fund's expense."))
    waiting_count = serializers.IntegerField(help_text=_("Sent, no result yet."))
    waiting_total = money_field()
    differences = serializers.ListField(
        child=TextField(), help_text=_("Each place where the sums differ.")
    )


class TimelinessSerializer(serializers.Serializer):
    paid = serializers.IntegerField(help_text=_("Payments paid."))
    average_days = serializers.DecimalField(
        max_digits=8,
        decimal_places=1,
        coerce_to_string=True,
        allow_null=True,
        help_text=_("Average days from final approval to payment."),
    )
    longest_days = serializers.IntegerField(allow_null=True)
    paid_late = serializers.IntegerField(help_text=_("Paid after more than late_days."))
    late_days = serializers.IntegerField()


class LeftOutSerializer(serializers.Serializer):
    kind = TextField(required=False, help_text=_('"case" or "entitlement".'))
    label = TextField(required=False, help_text=_("Case number or beneficiary."))
    reason = TextField(required=False)
    count = serializers.IntegerField(
        required=False, help_text=_("The last element only: how many were left out in all.")
    )


class BatchDetailSerializer(BatchSerializer):
    left_out = LeftOutSerializer(
        source="skipped",
        many=True,
        read_only=True,
        help_text=_("Awards left out of the batch, with why (listed up to 200)."),
    )
    reconciliation = serializers.SerializerMethodField()
    timeliness = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "left_out", "reconciliation", "timeliness"]
        read_only_fields = fields

    @extend_schema_field(ReconciliationSerializer)
    def get_reconciliation(self, batch: PayoutBatch) -> dict:
        rec = selectors.batch_reconciliation(batch)
        body = {name: getattr(rec, name) for name in ReconciliationSerializer().fields}
        body["agrees"] = rec.agrees
        return ReconciliationSerializer(body).data

    @extend_schema_field(TimelinessSerializer)
    def get_timeliness(self, batch: PayoutBatch) -> dict:
        return TimelinessSerializer(selectors.payment_timeliness(batch=batch)).data


class BatchBuildSerializer(serializers.Serializer):
    program = program_field()
    cycle = TextField(
        max_length=7, required=False, allow_blank=True, default="", help_text=_("Only this cycle.")
    )
    region = ScopedCodeField(
        scope=regions_in_scope,
        required=False,
        help_text=_("Only households of this region and below; default: your region."),
    )
    final_from = serializers.DateField(
        required=False, help_text=_("Only awards final on or after this day.")
    )
    final_to = serializers.DateField(
        required=False, help_text=_("Only awards final on or before this day.")
    )
    retry_unchanged = serializers.BooleanField(
        default=False,
        help_text=_(
            "Reissue failed payments even to an unchanged bank account (the bank's failure was "
            "temporary); by default they wait until the household's account is corrected."
        ),
    )

    def validate(self, data):
        if (
            data.get("final_from")
            and data.get("final_to")
            and data["final_from"] > data["final_to"]
        ):
            raise serializers.ValidationError(
                {"final_to": _("The period's first day must not be after its last day.")}
            )
        return data


class DiscardSerializer(serializers.Serializer):
    reason = TextField(
        max_length=REASON_MAX, help_text=_("Why the batch is discarded; required, kept with it.")
    )


class PaymentSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text=_('"case" (an award) or "entitlement".'))
    case_number = serializers.SerializerMethodField()
    account = TextField(
        source="account_masked",
        read_only=True,
        help_text=_('Last four digits only ("**** 1234").'),
    )
    payee_id_masked = TextField(
        read_only=True,
        help_text=_("The payee's ID number: region and last four characters only."),
    )
    account_owner = enum(AccountOwner.choices, read_only=True)
    amount = money_amount("amount")
    currency = TextField(source="amount_currency", read_only=True)
    status = enum(PaymentStatus.choices, read_only=True)
    reported_amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        allow_null=True,
        help_text=_("The amount in the bank's result file."),
    )
    charge = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        allow_null=True,
        help_text=_("Bank charge, paid by the fund."),
    )
    days_to_payment = serializers.SerializerMethodField(
        help_text=_("Days from final approval to payment; null while unpaid.")
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "reference",
            "kind",
            "case",
            "case_number",
            "entitlement",
            "household",
            "payee",
            "payee_name",
            "payee_id_masked",
            "account",
            "account_owner",
            "bank_name",
            "amount",
            "currency",
            "status",
            "owed_since",
            "paid_at",
            "days_to_payment",
            "bank_txn_id",
            "failure_reason",
            "reported_amount",
            "charge",
            "reissue_of",
        ]
        read_only_fields = fields

    def get_kind(self, payment: Payment) -> str:
        return "case" if payment.case_id else "entitlement"

    def get_case_number(self, payment: Payment) -> str | None:
        return payment.case.number if payment.case_id else None

    def get_days_to_payment(self, payment: Payment) -> int | None:
        return selectors.payment_days(payment)
