"""JSON shapes of the entry requests (manual entries and reversals by four eyes), the bodies that
ask for, approve, reject and withdraw them, and the accounting periods with what is still open
in them."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import TextField

from ..models import EntryRequest, EntryRequestAttachment, Period, RequestKind, RequestStatus
from .entries import LineInputSerializer
from .fields import CurrencyTotalSerializer, money_field


class RequestLineSerializer(serializers.Serializer):
    account = TextField(help_text=_("Account code."))
    fund = TextField(help_text=_("Fund code."))
    side = TextField(help_text=_("D (debit) or C (credit)."))
    amount = money_field()
    currency = TextField()
    memo = TextField(allow_blank=True)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where to download it."))

    class Meta:
        model = EntryRequestAttachment
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: EntryRequestAttachment) -> str:
        return reverse(
            "ledger-api:request-document",
            kwargs={"pk": attachment.request_id, "attachment_id": attachment.pk},
        )


class EntryRequestSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices, read_only=True)
    status = serializers.ChoiceField(
        choices=RequestStatus.choices,
        read_only=True,
        help_text=_("pending until a second person approves (posted) or rejects it."),
    )
    lines = serializers.SerializerMethodField(
        help_text=_("The lines asked for (empty for a reversal: the mirror of 'reverses').")
    )
    reverses = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the entry a reversal request reverses."),
    )
    made_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    entry = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the entry posted when the request was approved."),
    )
    totals = serializers.SerializerMethodField(help_text=_("Total debits per currency."))
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = EntryRequest
        fields = [
            "id",
            "kind",
            "status",
            "date",
            "memo",
            "reason",
            "lines",
            "reverses",
            "totals",
            "made_by",
            "made_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "entry",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestLineSerializer(many=True))
    def get_lines(self, request: EntryRequest) -> list[dict]:
        rows = [{**row, "amount": Decimal(row["amount"])} for row in request.lines or []]
        return RequestLineSerializer(rows, many=True).data

    @extend_schema_field(CurrencyTotalSerializer(many=True))
    def get_totals(self, request: EntryRequest) -> list[dict]:
        from ..services.requests import request_totals

        rows = [{"currency": c, "amount": v} for c, v in sorted(request_totals(request).items())]
        return CurrencyTotalSerializer(rows, many=True).data


class EntryRequestCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    memo = TextField(max_length=500, required=False, allow_blank=True, default="")
    reason = TextField(
        max_length=1000,
        help_text=_("Why the entry is needed; the approver and the auditor read it."),
    )
    lines = LineInputSerializer(many=True, min_length=2, max_length=500)


class ReversalRequestSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text=_("Date of the reversing entry; today when left out.")
    )
    memo = TextField(max_length=500, required=False, allow_blank=True, default="")
    reason = TextField(
        max_length=1000,
        help_text=_("Why the entry must be reversed; the approver and the auditor read it."),
    )


class ApproveSerializer(serializers.Serializer):
    note = TextField(max_length=1000, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = TextField(
        max_length=1000, help_text=_("Why the request is rejected; its maker reads it.")
    )


class AttachUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        help_text=_("PDF, JPEG or PNG documents (recognised by their content)."),
    )


class RequestQuerySerializer(serializers.Serializer):
    show = serializers.ChoiceField(
        choices=["waiting", "mine", "pending", "all"],
        required=False,
        default="all",
        help_text=_(
            "waiting: pending requests made by someone else (for approvers); mine: the caller's "
            "own; pending: every pending one; all (the default)."
        ),
    )


class OpenItemSerializer(serializers.Serializer):
    label = TextField()
    count = serializers.IntegerField()
    url = TextField(allow_blank=True)


class PeriodSerializer(serializers.ModelSerializer):
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Period
        fields = ["code", "start", "end", "status", "closed_at", "closed_by"]
        read_only_fields = fields


class PeriodDetailSerializer(PeriodSerializer):
    open_items = serializers.SerializerMethodField(
        help_text=_("What is still open in the period (listed before closing it).")
    )

    class Meta(PeriodSerializer.Meta):
        fields = [*PeriodSerializer.Meta.fields, "open_items"]
        read_only_fields = fields

    @extend_schema_field(OpenItemSerializer(many=True))
    def get_open_items(self, period: Period) -> list[dict]:
        from ..periods_open_items import open_items

        rows = [{"label": str(i.label), "count": i.count, "url": i.url} for i in open_items(period)]
        return OpenItemSerializer(rows, many=True).data


class PeriodCloseSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "true once the caller has seen the period's open items (GET the period); without "
            "it a period with open items is refused (409 period_open_items)."
        ),
    )
