"""The relief-case API's objections to notices: list and read them, uphold one (the case is
re-investigated at a tier) or dismiss it with a written reply."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import validated_body
from common.permissions import READ

from .. import services
from ..api_filters import ObjectionFilter, objections_in_scope
from ..models import Objection
from ..serializers.objections import DismissSerializer, ObjectionSerializer, UpholdSerializer
from .base import (
    ApprovalsViewSet,
    errors,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Objections to cases of your region, newest first"),
        responses={200: ObjectionSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One objection"),
        responses={200: ObjectionSerializer, **errors.DETAIL},
    ),
)
class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApprovalsViewSet):
    required_permissions = {
        READ: ("approvals.view_objection",),
        "uphold": ("approvals.handle_objection",),
        "dismiss": ("approvals.handle_objection",),
    }
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter
    queryset = Objection.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return (
            objections_in_scope(self.request.user)
            .select_related("case", "notice_item", "handled_by")
            .order_by("-created_at", "-id")
        )

    def _answer(self, objection: Objection) -> Response:
        row = self.get_queryset().get(pk=objection.pk)
        return Response(ObjectionSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Uphold: the case leaves the notice and is re-investigated at a tier"),
        description=_(
            "The case goes back to the chosen tier (one of the tiers that apply to its amount); "
            "after re-approval it goes onto a new version of the notice, or it is rejected."
        ),
        request=UpholdSerializer,
        responses={200: ObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def uphold(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(UpholdSerializer, request)
        services.objection_uphold(
            objection=objection, actor=request.user, tier=data["tier"], comment=data["comment"]
        )
        return self._answer(objection)

    @extend_schema(
        summary=_("Dismiss with a written reply to the objector"),
        request=DismissSerializer,
        responses={200: ObjectionSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        objection = self.get_object()
        data = validated_body(DismissSerializer, request)
        services.objection_dismiss(objection=objection, actor=request.user, reply=data["reply"])
        return self._answer(objection)
