"""JSON shapes of the relief-case API's cases: list and detail (members, history, approvals,
reservation), the filing body, the bodies of each review step, approve-many and the reviewer's
queue."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import TextField
from ledger.serializers import MAX_AMOUNT_DIGITS, AmountField

from ..api_filters import households_in_scope, people_in_scope
from ..models import (
    Case,
    CaseApproval,
    CaseHistory,
    CaseState,
    ObjectionStatus,
    Program,
    Relation,
)
from .fields import MAX_IDS, REASON_MAX, ScopedPrimaryKeyField, enum, money_amount


class CaseSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = TextField(source="program.name", read_only=True)
    head_name = serializers.SerializerMethodField()
    region = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("Village code.")
    )
    village = TextField(source="region.name", read_only=True)
    amount = money_amount("amount")
    currency = TextField(source="amount_currency", read_only=True)
    state = enum(CaseState.choices, read_only=True)
    state_label = TextField(source="get_state_display", read_only=True)
    current_tier = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Order of the tier the case waits at.")
    )
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "program",
            "program_name",
            "household",
            "head_name",
            "cycle",
            "region",
            "village",
            "amount",
            "currency",
            "state",
            "state_label",
            "current_tier",
            "tier_since",
            "filed_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_head_name(self, case: Case) -> str:
        head = case.household.head
        return head.name if head else ""


class CaseMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person.id")
    name = TextField(source="person.name")
    relation = enum(Relation.choices, source="person.relation")
    id_number_masked = TextField(source="person.id_number_masked")


class CaseHistorySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Null when the system acted (e.g. close_notices)."),
    )
    data = serializers.JSONField(read_only=True, help_text=_("Details of the step."))

    class Meta:
        model = CaseHistory
        fields = ["at", "actor", "from_state", "to_state", "tier", "decision", "comment", "data"]
        read_only_fields = fields


class CaseApprovalSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseApproval
        fields = ["tier_order", "user", "at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    members = CaseMemberSerializer(source="memberships", many=True, read_only=True)
    missing_items = serializers.ListField(
        child=TextField(),
        read_only=True,
        help_text=_("What the returning tier asked for."),
    )
    returned_by_tier = serializers.IntegerField(read_only=True, allow_null=True)
    award_entry = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the ledger entry booking the award."),
    )
    cancel_entry = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the ledger entry reversing the award."),
    )
    reserved = serializers.SerializerMethodField(
        help_text=_(
            "Amount reserved in the program's fund (in the case's currency) while on notice or "
            "under re-investigation; null when none."
        )
    )
    open_objections = serializers.SerializerMethodField()
    history = CaseHistorySerializer(many=True, read_only=True, help_text=_("Oldest first."))
    approvals = CaseApprovalSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "members",
            "missing_items",
            "returned_by_tier",
            "reason",
            "submitted_at",
            "approved_at",
            "final_at",
            "award_entry",
            "cancel_entry",
            "reserved",
            "open_objections",
            "history",
            "approvals",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.DecimalField(max_digits=MAX_AMOUNT_DIGITS, decimal_places=2, allow_null=True)
    )
    def get_reserved(self, case: Case) -> str | None:
        active = [r for r in case.reservations.all() if r.active]
        return f"{active[0].amount.amount:.2f}" if active else None

    def get_open_objections(self, case: Case) -> int:
        return sum(1 for o in case.objections.all() if o.status == ObjectionStatus.OPEN)


class CaseCreateSerializer(serializers.Serializer):
    program = serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.all(), help_text=_("Program code.")
    )
    household = ScopedPrimaryKeyField(scope=households_in_scope, help_text=_("Household id."))
    cycle = TextField(max_length=7, help_text=_('"2026" or "2026-11".'))
    members = ScopedPrimaryKeyField(
        scope=people_in_scope,
        many=True,
        required=False,
        help_text=_("Ids of the beneficiaries; every member of the household when left out."),
    )
    requested_amount = AmountField(
        required=False,
        help_text=_('For programs paying the requested amount: a decimal string, "800.00".'),
    )
    comment = TextField(max_length=REASON_MAX, required=False, allow_blank=True)


class CommentSerializer(serializers.Serializer):
    comment = TextField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class ReturnSerializer(CommentSerializer):
    missing_items = serializers.ListField(
        child=TextField(max_length=200),
        min_length=1,
        max_length=50,
        help_text=_("Everything missing, all at once."),
    )


class ReasonSerializer(serializers.Serializer):
    reason = TextField(
        max_length=REASON_MAX, help_text=_("Required: written out, it is kept with the case.")
    )


class ApproveManySerializer(CommentSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**53),
        min_length=1,
        max_length=MAX_IDS,
        help_text=_("Case ids; each is approved on its own."),
    )

    def validate_ids(self, ids):
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("A case is listed twice."))
        return ids


class ApproveResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = TextField(allow_null=True, help_text=_("Null for an unknown id."))
    ok = serializers.BooleanField(help_text=_("True when this case was approved."))
    state = enum(CaseState.choices, allow_null=True, help_text=_("The case's state now."))
    message = TextField(help_text=_("Why it was refused; empty when approved."))


class ApproveManyResultSerializer(serializers.Serializer):
    approved = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = ApproveResultSerializer(many=True, help_text=_("One per id, in the order sent."))


class QueueRowSerializer(serializers.Serializer):
    case = CaseSerializer()
    tier = serializers.IntegerField(source="tier.order", help_text=_("Order of the tier."))
    tier_name = TextField(source="tier.name")
    waiting_since = serializers.DateTimeField()
    days_waiting = serializers.IntegerField()
    due_on = serializers.DateField(
        allow_null=True,
        help_text=_(
            "Last day of the tier's review deadline (working days); null: no deadline, or it "
            "cannot be counted (see deadline_unknown)."
        ),
    )
    overdue = serializers.BooleanField(help_text=_("Past the tier's review deadline."))
    deadline_unknown = TextField(
        help_text=_("Why the deadline cannot be counted (the calendar lacks the year), or empty.")
    )


class AcknowledgementSerializer(serializers.Serializer):
    number = TextField(help_text=_("The case number."))
    lookup_code = TextField(
        help_text=_(
            "The applicant's look-up code (10 characters; printed as two groups of 5): with "
            "the number it opens the public status page. Hand it to the applicant only."
        )
    )
    status_url = TextField(help_text=_("The public status page."))
