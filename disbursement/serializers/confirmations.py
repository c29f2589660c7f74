"""JSON shapes of the annual confirmation: a confirmation (with its counts), its rows in the
caller's region (with the reasons worded in the caller's language), its sign-offs, and the
requests that prepare, stop a row, sign off and publish."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.models import ObjectionStatus
from approvals.serializers import enum
from approvals.serializers.objections import MergeSerializer
from common.api import TextField

from ..models import (
    Confirmation,
    ConfirmationNotice,
    ConfirmationObjection,
    ConfirmationRow,
    ConfirmationSignoff,
    ConfirmationStatus,
    RowOutcome,
    StopAction,
)
from .common import REASON_MAX, username_field


class ConfirmationRowSerializer(serializers.ModelSerializer):
    person_name = TextField(source="person.name", read_only=True)
    village = TextField(source="region.code", read_only=True)
    outcome = enum(RowOutcome.choices, read_only=True)
    stop_action = enum(StopAction.choices, read_only=True)
    reasons = serializers.SerializerMethodField(
        help_text=_("Why the row is stopped, in your language (empty when it is not).")
    )
    stopped_by = username_field()

    class Meta:
        model = ConfirmationRow
        fields = [
            "id",
            "enrolment",
            "person",
            "person_name",
            "village",
            "age",
            "outcome",
            "reasons",
            "stop_action",
            "stopped_by",
            "stopped_at_tier",
            "review_tier",
            "changed_at",
            "reposted_on",
            "repost_ends_on",
        ]
        read_only_fields = fields

    def get_reasons(self, row) -> list[str]:
        from ..services import reason_texts

        return reason_texts(row)


class ConfirmationSignoffSerializer(serializers.ModelSerializer):
    region = TextField(source="region.code", read_only=True)
    user = username_field()

    class Meta:
        model = ConfirmationSignoff
        fields = ["tier_order", "region", "user", "at", "comment"]
        read_only_fields = fields


class ConfirmationSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cycle_code = TextField(source="cycle.code", read_only=True)
    status = enum(ConfirmationStatus.choices, read_only=True)
    prepared_by = username_field()
    approved_by = username_field()
    counts = serializers.SerializerMethodField(
        help_text=_("Rows of each outcome: continued, new, stopped (the whole list).")
    )

    class Meta:
        model = Confirmation
        fields = [
            "id",
            "program",
            "cycle",
            "cycle_code",
            "reference_date",
            "status",
            "current_tier",
            "counts",
            "prepared_by",
            "prepared_at",
            "notice_published_on",
            "notice_starts_on",
            "notice_ends_on",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields

    def get_counts(self, confirmation) -> dict[str, int]:
        from ..services import confirmation_counts

        return confirmation_counts(confirmation)


class ConfirmationNoticeSerializer(serializers.ModelSerializer):
    region = TextField(source="region.code", read_only=True)
    published_by = username_field()

    class Meta:
        model = ConfirmationNotice
        fields = [
            "id",
            "after_tier",
            "region",
            "published_on",
            "starts_on",
            "ends_on",
            "period_days",
            "day_count",
            "published_by",
            "final",
        ]
        read_only_fields = fields


class ConfirmationDetailSerializer(ConfirmationSerializer):
    rows = serializers.SerializerMethodField(help_text=_("The rows of your region and below."))
    signoffs = ConfirmationSignoffSerializer(many=True, read_only=True)
    tier_notices = ConfirmationNoticeSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The notices posted per region after a tier that asks for them; final: after the "
            "last tier, in place of the county-wide notice."
        ),
    )

    class Meta(ConfirmationSerializer.Meta):
        fields = [*ConfirmationSerializer.Meta.fields, "rows", "signoffs", "tier_notices"]
        read_only_fields = fields

    def get_rows(self, confirmation) -> list[dict]:
        from ..selectors import confirmation_rows

        user = self.context["request"].user
        return ConfirmationRowSerializer(confirmation_rows(confirmation, user), many=True).data


class ConfirmationPrepareSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(help_text=_("Id of an open cycle of a recurring program."))


class RowStopSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Id of a row of your region."))
    reason = TextField(max_length=REASON_MAX, help_text=_("Required, written out."))
    action = serializers.ChoiceField(
        choices=StopAction.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("What happens to the enrolment on approval: nothing more, suspend, exit."),
    )


class SignoffSerializer(serializers.Serializer):
    comment = TextField(max_length=REASON_MAX, required=False, allow_blank=True)


class PublishSerializer(serializers.Serializer):
    starts_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Default: today; never before today.")
    )


class TierNoticeSerializer(serializers.Serializer):
    region = TextField(
        max_length=12, help_text=_("Division code of a region of the level the tier asks for.")
    )
    starts_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Default: today; never before today.")
    )


class RowDecideSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Id of a row back at your tier."))
    pay = serializers.BooleanField(
        help_text=_("True: paid after a re-posting of its own; false: stopped.")
    )
    reason = TextField(max_length=REASON_MAX, help_text=_("Required, written out."))
    action = serializers.ChoiceField(
        choices=StopAction.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("When stopped: nothing more, suspend or exit the enrolment."),
    )


class ConfirmationMergeSerializer(MergeSerializer):
    into = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Id of the objection to the same row that this one duplicates."),
    )


class ConfirmationObjectionSerializer(serializers.ModelSerializer):
    program = TextField(source="confirmation.program.code", read_only=True)
    cycle = TextField(source="confirmation.cycle.code", read_only=True)
    name_shown = TextField(source="row.display_name", read_only=True)
    village = TextField(source="row.region.code", read_only=True)
    status = enum(ObjectionStatus.choices, read_only=True)
    contact = TextField(read_only=True, help_text=_("How to reach the objector."))
    handled_by = username_field()

    class Meta:
        model = ConfirmationObjection
        fields = [
            "id",
            "tracking_code",
            "confirmation",
            "program",
            "cycle",
            "row",
            "name_shown",
            "village",
            "tier_notice",
            "name",
            "contact",
            "text",
            "status",
            "reply",
            "review_tier",
            "merged_into",
            "created_at",
            "handled_by",
            "handled_at",
        ]
        read_only_fields = fields
