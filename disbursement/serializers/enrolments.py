"""JSON shapes of enrolments in recurring programs: an enrolment (with its history in detail),
and the requests that enrol a beneficiary and change an enrolment's status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.api_filters import people_in_scope
from approvals.serializers import ScopedPrimaryKeyField, enum

from ..models import Enrolment, EnrolmentHistory, EnrolmentStatus
from .common import REASON_MAX, program_field, username_field


class EnrolmentHistorySerializer(serializers.ModelSerializer):
    actor = username_field()
    from_status = serializers.CharField(read_only=True, help_text=_("Empty for the enrolment."))

    class Meta:
        model = EnrolmentHistory
        fields = ["at", "actor", "from_status", "to_status", "reason", "effective_date"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    village = serializers.CharField(
        source="household.region.code", read_only=True, help_text=_("The household's village.")
    )
    status = enum(EnrolmentStatus.choices, read_only=True)
    status_reason = serializers.CharField(
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


class EnrolmentCreateSerializer(serializers.Serializer):
    program = program_field()
    person = ScopedPrimaryKeyField(
        scope=people_in_scope, help_text=_("Id of the beneficiary (paid to their household).")
    )
    enrolled_on = serializers.DateField(required=False, help_text=_("Default: today."))


class EnrolmentChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Required: written out, it is kept with the enrolment.")
    )
    on = serializers.DateField(required=False, help_text=_("Effective from; default: today."))
