"""JSON shapes of cycles of recurring programs: a cycle with its entitlements so far, and the
request that opens one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.serializers import enum, money_amount
from common.api import TextField
from ledger.serializers import money_field

from ..models import Cycle, CycleStatus
from .common import program_field, username_field


class CycleSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = TextField(source="program.name", read_only=True)
    status = enum(CycleStatus.choices, read_only=True)
    amount = money_amount(
        "program.amount", allow_null=True, help_text=_("What each beneficiary is owed per cycle.")
    )
    currency = TextField(source="program.currency", read_only=True)
    entitlement_count = serializers.IntegerField(
        read_only=True, help_text=_("Entitlements generated so far.")
    )
    entitlement_total = money_field(allow_null=True, help_text=_("Their total; null if none."))
    created_by = username_field()

    class Meta:
        model = Cycle
        fields = [
            "id",
            "program",
            "program_name",
            "code",
            "status",
            "amount",
            "currency",
            "entitlement_count",
            "entitlement_total",
            "created_by",
            "created_at",
            "generated_at",
        ]
        read_only_fields = fields


class CycleOpenSerializer(serializers.Serializer):
    program = program_field()
    code = TextField(max_length=7, help_text=_('The cycle, e.g. "2026" or "2026-11".'))
