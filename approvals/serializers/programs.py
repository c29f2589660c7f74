"""JSON shapes of the relief-case API's regions and programs (with their review tiers)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField
from common.workdays import DayCount

from ..models import (
    AmountRule,
    NameMasking,
    Program,
    ProgramCategory,
    ProgramTier,
    Region,
    RegionLevel,
)
from .fields import enum, money_amount


class RegionSerializer(serializers.ModelSerializer):
    level = enum(RegionLevel.choices, read_only=True)
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("Parent region's code.")
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields


class TierSerializer(serializers.ModelSerializer):
    name = TextField(read_only=True, help_text=_("In the request's language."))
    region_level = enum(RegionLevel.choices, read_only=True)
    role = TextField(read_only=True, help_text=_("The role group that reviews here."))
    min_amount = money_amount(
        "min_amount",
        allow_null=True,
        help_text=_("The tier applies only to cases of this amount or more; null: to every case."),
    )

    currency = TextField(
        source="min_amount_currency", read_only=True, help_text=_("Currency of min_amount.")
    )
    review_days = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("Working days the tier has to decide a case; null: no deadline."),
    )
    notice_level = TextField(
        read_only=True,
        help_text=_(
            "Level of the public notice that follows this tier's approvals (village, township, "
            "county); empty: none, or after the last tier at any level."
        ),
    )

    class Meta:
        model = ProgramTier
        fields = [
            "order",
            "name",
            "name_zh",
            "name_en",
            "role",
            "region_level",
            "min_amount",
            "currency",
            "review_days",
            "notice_level",
        ]
        read_only_fields = fields


class ProgramSerializer(serializers.ModelSerializer):
    name = TextField(read_only=True, help_text=_("In the request's language."))
    category = enum(ProgramCategory.choices, read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    charges_fund = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        help_text=_("The fund that pays the bank's charges on this program's payments."),
    )
    amount_rule = enum(AmountRule.choices, read_only=True)
    amount = money_amount(
        "amount", allow_null=True, help_text=_("Fixed amount per household or per person.")
    )
    cap = money_amount(
        "cap", allow_null=True, help_text=_("Most a case may request (requested rule).")
    )
    currency = TextField(read_only=True)
    name_masking = enum(NameMasking.choices, read_only=True)
    allowed_regions = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=_("Empty: every region; otherwise cases must lie in one of these."),
    )
    excludes = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text=_("Programs nobody may be in during the same cycle as this one."),
    )
    tiers = TierSerializer(many=True, read_only=True, help_text=_("Review tiers, in order."))
    notice_day_count = enum(DayCount.choices, read_only=True)
    payment_days = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("Working days from the final award to payment; null: no deadline."),
    )

    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "category",
            "fund",
            "charges_fund",
            "amount_rule",
            "amount",
            "cap",
            "currency",
            "notice_days",
            "notice_day_count",
            "payment_days",
            "opens_on",
            "closes_on",
            "min_age",
            "max_age",
            "allowed_regions",
            "excludes",
            "name_masking",
            "sensitive",
            "is_active",
            "tiers",
        ]
        read_only_fields = fields
