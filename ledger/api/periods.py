"""The ledger API's accounting periods: read them (one with what is still open in it) and close
one for good, once its last day is over (``confirm`` when something is still open)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from common.api import AUTHENTICATION, Pagination, validated_body
from common.permissions import READ, RequiredPermissions

from .. import services
from ..models import Period
from ..serializers.requests import PeriodCloseSerializer, PeriodDetailSerializer, PeriodSerializer
from .base import READ_ERRORS, errors


@extend_schema_view(
    list=extend_schema(
        summary=_("Accounting periods, newest first"),
        responses={200: PeriodSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One accounting period with what is still open in it"),
        responses={200: PeriodDetailSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions = {
        READ: ("ledger.view_period",),
        "close": ("ledger.view_period", "ledger.close_period"),
    }
    parser_classes = [JSONParser]
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z._-]+"

    def get_queryset(self):
        return Period.objects.select_related("closed_by").order_by("-start")

    def get_serializer_class(self):
        return PeriodSerializer if self.action == "list" else PeriodDetailSerializer

    @extend_schema(
        summary=_("Close a period for good"),
        description=_(
            "Only after its last day (409 period_not_over). With open items (GET the period), "
            "send confirm=true, else 409 period_open_items lists them in detail.items. The "
            "next period opens at once. A closed period is never reopened; closing it again "
            "changes nothing."
        ),
        request=PeriodCloseSerializer,
        responses={200: PeriodDetailSerializer, **errors(400, *READ_ERRORS, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        data = validated_body(PeriodCloseSerializer, request)
        period = services.period_close(
            period=self.get_object(), actor=request.user, confirm=data["confirm"]
        )
        return Response(PeriodDetailSerializer(period).data)
