"""The relief-case API's regions and programs: the caller's region tree, and the programs with
their review tiers (county-wide configuration, read by every staff user)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from common.permissions import READ

from ..api_filters import ProgramFilter, regions_in_scope
from ..models import Program
from ..serializers.programs import ProgramSerializer, RegionSerializer
from .base import (
    ApprovalsViewSet,
    errors,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Your region and every region below it"),
        responses={200: RegionSerializer(many=True), **errors.LIST},
    ),
)
class RegionViewSet(mixins.ListModelMixin, ApprovalsViewSet):
    required_permissions = {READ: ("approvals.view_region",)}
    serializer_class = RegionSerializer

    def get_queryset(self):
        return regions_in_scope(self.request.user).select_related("parent").order_by("code")


@extend_schema_view(
    list=extend_schema(
        summary=_("Relief programs with their review tiers"),
        responses={200: ProgramSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One program with its review tiers"),
        responses={200: ProgramSerializer, **errors.DETAIL},
    ),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApprovalsViewSet):
    # Programs are county-wide configuration, not regional records: every staff user reads them.
    required_permissions = {READ: ("approvals.view_program", "approvals.view_programtier")}
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilter
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]*"
    queryset = (
        Program.objects.select_related("fund", "charges_fund")
        .prefetch_related("tiers", "allowed_regions", "excludes")
        .order_by("code")
    )
