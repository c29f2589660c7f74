"""JSON shapes of the relief-case API's public notices: list, detail with the caller's
region's lines, and the publishing body."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField
from common.workdays import DayCount

from ..api_filters import cases_in_scope, regions_in_scope
from ..models import Notice, NoticeItem, NoticeStatus, Program
from .fields import MAX_IDS, ScopedCodeField, ScopedPrimaryKeyField, enum, money_amount


class NoticeItemSerializer(serializers.ModelSerializer):
    case_number = TextField(source="case.number", read_only=True)
    display_name = TextField(read_only=True, help_text=_("As the public sees it."))
    people_count = serializers.IntegerField(read_only=True, allow_null=True)
    amount = money_amount("amount")
    currency = TextField(source="amount_currency", read_only=True)
    struck = serializers.BooleanField(
        read_only=True, help_text=_("Taken off after an upheld objection or a withdrawal.")
    )

    class Meta:
        model = NoticeItem
        fields = [
            "id",
            "case",
            "case_number",
            "display_name",
            "people_count",
            "amount",
            "currency",
            "village_name",
            "struck",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = TextField(source="program.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = TextField(source="region.name", read_only=True)
    status = enum(NoticeStatus.choices, read_only=True)
    published_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text=_("For an addendum: the notice it adds cases to (its own period applies)."),
    )
    addendum = serializers.IntegerField(
        read_only=True, help_text=_("0 for a notice; 1, 2, … for its addenda.")
    )
    day_count = enum(DayCount.choices, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "program",
            "program_name",
            "region",
            "region_name",
            "cycle",
            "version",
            "addendum",
            "parent",
            "after_tier",
            "leads_to_final",
            "status",
            "published_on",
            "starts_on",
            "ends_on",
            "period_days",
            "day_count",
            "authority",
            "objection_phone",
            "objection_address",
            "published_by",
            "published_at",
            "closed_at",
        ]
        read_only_fields = fields


class NoticeDetailSerializer(NoticeSerializer):
    items = NoticeItemSerializer(
        source="shown_items",
        many=True,
        read_only=True,
        help_text=_("The notice's lines for cases in your region."),
    )

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "items"]
        read_only_fields = fields


class NoticePublishSerializer(serializers.Serializer):
    program = serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.all(), help_text=_("Program code.")
    )
    region = ScopedCodeField(
        scope=regions_in_scope,
        help_text=_("Code of the village, township or county where the notice is posted."),
    )
    cycle = TextField(max_length=7)
    cases = ScopedPrimaryKeyField(
        scope=cases_in_scope,
        many=True,
        allow_empty=False,
        help_text=_("Ids of the approved cases to put on the notice (all or none)."),
    )
    starts_on = serializers.DateField(
        required=False,
        help_text=_(
            "First day of the notice: today (when left out) or later, never earlier. The last "
            "day is first day + N − 1, N the program's notice period in calendar or working "
            "days."
        ),
    )
    authority = TextField(max_length=200, required=False, help_text=_("Default: the program's."))
    objection_phone = TextField(
        max_length=30, required=False, help_text=_("Default: the program's.")
    )
    objection_address = TextField(
        max_length=200, required=False, help_text=_("Default: the program's.")
    )

    def validate_cases(self, cases):
        if len(cases) > MAX_IDS:
            raise serializers.ValidationError(_("At most %(n)s cases per notice.") % {"n": MAX_IDS})
        return cases
