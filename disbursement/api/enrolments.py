"""Beneficiaries enrolled in recurring programs, in the caller's region: list and read them (with
their history), suspend, exit, reinstate. There is no endpoint that enrols: an enrolment comes
only from a final case of the program (``services.enrolments_from_case``); a POST to the list
is 405."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import validated_body
from common.permissions import READ

from .. import services
from ..api_filters import EnrolmentFilter, enrolments_in_scope
from ..models import Enrolment, EnrolmentHistory
from ..serializers import (
    EnrolmentChangeSerializer,
    EnrolmentDetailSerializer,
    EnrolmentSerializer,
)
from .common import (
    PayoutsViewSet,
    errors,
)

ENROLMENT_CHANGED = {200: EnrolmentDetailSerializer, **errors.ACTION}


@extend_schema_view(
    list=extend_schema(
        summary=_("Beneficiaries enrolled in recurring programs, in your region"),
        responses={200: EnrolmentSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One enrolment with its history"),
        responses={200: EnrolmentDetailSerializer, **errors.DETAIL},
    ),
)
class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_enrolment", "disbursement.view_enrolmenthistory"),
        "suspend": ("disbursement.manage_enrolment",),
        "exit": ("disbursement.manage_enrolment",),
        "reinstate": ("disbursement.manage_enrolment",),
    }
    filterset_class = EnrolmentFilter
    queryset = Enrolment.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        queryset = enrolments_in_scope(self.request.user).order_by("program__code", "id")
        if self.action != "list":
            history = EnrolmentHistory.objects.select_related("actor").order_by("id")
            queryset = queryset.prefetch_related(Prefetch("history", queryset=history))
        return queryset

    def get_serializer_class(self):
        return EnrolmentSerializer if self.action == "list" else EnrolmentDetailSerializer

    def _answer(self, enrolment: Enrolment, code=status.HTTP_200_OK, **headers) -> Response:
        enrolment = self.get_queryset().get(pk=enrolment.pk)
        return Response(EnrolmentDetailSerializer(enrolment).data, status=code, headers=headers)

    def _change(self, request, service) -> Response:
        enrolment = self.get_object()
        data = validated_body(EnrolmentChangeSerializer, request)
        service(enrolment=enrolment, reason=data["reason"], on=data.get("on"), actor=request.user)
        return self._answer(enrolment)

    @extend_schema(
        summary=_("Suspend: no new entitlements and unpaid ones wait, until reinstated"),
        request=EnrolmentChangeSerializer,
        responses=ENROLMENT_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, *args, **kwargs):
        return self._change(request, services.enrolment_suspend)

    @extend_schema(
        summary=_("Exit for good (death, moved away, found ineligible)"),
        description=_("Entitlements generated before stay owed and are paid."),
        request=EnrolmentChangeSerializer,
        responses=ENROLMENT_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def exit(self, request, *args, **kwargs):
        return self._change(request, services.enrolment_exit)

    @extend_schema(
        summary=_("Lift a suspension (an exit is final)"),
        request=EnrolmentChangeSerializer,
        responses=ENROLMENT_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def reinstate(self, request, *args, **kwargs):
        return self._change(request, services.enrolment_reinstate)
