"""JSON shapes of the relief-case API's objections and of the bodies that uphold or dismiss
one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ..models import Objection, ObjectionStatus
from ..selectors import OBJECTOR_FIELDS, objector_visible
from .fields import REASON_MAX, enum


class ObjectionSerializer(serializers.ModelSerializer):
    case_number = TextField(source="case.number", read_only=True)
    notice = serializers.IntegerField(
        source="notice_item.notice_id", read_only=True, allow_null=True
    )
    status = enum(ObjectionStatus.choices, read_only=True)
    tracking_code = TextField(
        read_only=True,
        allow_null=True,
        help_text=_("The objector's tracking code; null unless you handle objections."),
    )
    name = TextField(
        read_only=True,
        allow_null=True,
        help_text=_("The objector's name (may be empty); null unless you handle objections."),
    )
    contact = TextField(
        read_only=True,
        allow_null=True,
        help_text=_("How to reach the objector; null unless you handle objections."),
    )
    handled_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Objection
        fields = [
            "id",
            "tracking_code",
            "case",
            "case_number",
            "notice_item",
            "notice",
            "name",
            "contact",
            "text",
            "status",
            "reply",
            "created_at",
            "handled_by",
            "handled_at",
            "merged_into",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        # No request in the context (a caller that forgot it): hidden, never shown by default.
        if not objector_visible(getattr(request, "user", None)):
            for field in OBJECTOR_FIELDS:
                data[field] = None
        return data


class UpholdSerializer(serializers.Serializer):
    tier = serializers.IntegerField(
        min_value=1, max_value=100, help_text=_("Order of the tier that re-investigates.")
    )
    comment = TextField(
        max_length=REASON_MAX, help_text=_("The finding; required, kept with the case.")
    )


class DismissSerializer(serializers.Serializer):
    reply = TextField(
        max_length=REASON_MAX, help_text=_("Written reply to the objector; required.")
    )


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Id of the objection to the same case that this one duplicates."),
    )
    comment = TextField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Optional note, added to the reply the objector sees."),
    )


class SpamSerializer(serializers.Serializer):
    reason = TextField(
        max_length=REASON_MAX, help_text=_("Why it is set aside; the sender sees it. Required.")
    )
    same_sender = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Also every other open objection to the same notice from the same client address "
            "or contact."
        ),
    )
