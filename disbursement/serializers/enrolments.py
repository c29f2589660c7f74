"""JSON shapes of enrolments in recurring programs: an enrolment (with its history in detail),
and the request that changes an enrolment's status. Nobody enrols through the API: the final
case that enrolled the beneficiary is ``source_case``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.serializers import enum
from common.api import TextField

from ..models import Enrolment, EnrolmentHistory, EnrolmentStatus
from .common import REASON_MAX, username_field


class EnrolmentHistorySerializer(serializers.ModelSerializer):
    actor = username_field()
    from_status = TextField(read_only=True, help_text=_("Empty for the enrolment."))

    class Meta:
        model = EnrolmentHistory
        fields = ["at", "actor", "from_status", "to_status", "reason", "effective_date"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person_name = TextField(source="person.name", read_only=True)
    village = TextField(
        source="household.region.code", read_only=True, help_text=_("The household's village.")
    )
    source_case = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text=_("The final case that enrolled the beneficiary (null: enrolled before)."),
    )
    status = enum(EnrolmentStatus.choices, read_only=True)
    status_reason = TextField(
        read_only=True, help_text=_("Why it is suspended or exited; empty while active.")
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "program",
            "person",
            "person_name",
            "household",
            "village",
            "source_case",
            "status",
            "enrolled_on",
            "status_reason",
            "status_date",
            "created_at",
        ]
        read_only_fields = fields


class EnrolmentDetailSerializer(EnrolmentSerializer):
    history = EnrolmentHistorySerializer(many=True, read_only=True)

    class Meta(EnrolmentSerializer.Meta):
        fields = [*EnrolmentSerializer.Meta.fields, "history"]
        read_only_fields = fields


class EnrolmentChangeSerializer(serializers.Serializer):
    reason = TextField(
        max_length=REASON_MAX, help_text=_("Required: written out, it is kept with the enrolment.")
    )
    on = serializers.DateField(required=False, help_text=_("Effective from; default: today."))
