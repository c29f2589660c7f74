"""JSON shapes of the relief-case API's objections and of the bodies that uphold or dismiss
one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Objection, ObjectionStatus
from .fields import REASON_MAX, enum


class ObjectionSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    notice = serializers.IntegerField(
        source="notice_item.notice_id", read_only=True, allow_null=True
    )
    status = enum(ObjectionStatus.choices, read_only=True)
    contact = serializers.CharField(read_only=True, help_text=_("How to reach the objector."))
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


class UpholdSerializer(serializers.Serializer):
    tier = serializers.IntegerField(
        min_value=1, max_value=100, help_text=_("Order of the tier that re-investigates.")
    )
    comment = serializers.CharField(
        max_length=REASON_MAX, help_text=_("The finding; required, kept with the case.")
    )


class DismissSerializer(serializers.Serializer):
    reply = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Written reply to the objector; required.")
    )


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Id of the objection to the same case that this one duplicates."),
    )
    comment = serializers.CharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Optional note, added to the reply the objector sees."),
    )


class SpamSerializer(serializers.Serializer):
    reason = serializers.CharField(
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
