"""Cycles of recurring programs: list and read them, open one, generate its entitlements (a
job). Opening and generating are for county staff."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ
from common.replay import was_replayed

from .. import services
from ..api_filters import CycleFilter, cycles_in_scope
from ..models import Cycle
from ..serializers import CycleOpenSerializer, CycleSerializer
from ..tasks import job_submit
from .common import (
    JOB_LOCATION,
    JOB_STARTED,
    PayoutsViewSet,
    errors,
    idempotency_key_param,
    require_county,
    started,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Cycles of recurring programs, with their entitlements so far"),
        responses={200: CycleSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One cycle"), responses={200: CycleSerializer, **errors.DETAIL}
    ),
)
class CycleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_cycle", "disbursement.view_entitlement"),
        "create": ("disbursement.generate_cycle",),
        "generate": ("disbursement.generate_cycle",),
    }
    serializer_class = CycleSerializer
    filterset_class = CycleFilter
    queryset = Cycle.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return cycles_in_scope(self.request.user)

    def _answer(self, cycle: Cycle, code=status.HTTP_200_OK, **headers) -> Response:
        return Response(
            CycleSerializer(self.get_queryset().get(pk=cycle.pk)).data, status=code, headers=headers
        )

    @extend_schema(
        summary=_("Open a cycle of a recurring program (county staff)"),
        description=_(
            "Opening a cycle that is already open returns it (200). Only recurring programs "
            "(annual reward, special assistance) with a fixed amount have cycles."
        ),
        parameters=[
            idempotency_key_param(_("a cycle is opened once; the repeat returns it (200)."))
        ],
        request=CycleOpenSerializer,
        responses={
            201: OpenApiResponse(CycleSerializer, description=_("Opened.")),
            200: OpenApiResponse(CycleSerializer, description=_("It was already open.")),
            **errors.CREATE,
        },
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        require_county(request.user)
        data = validated_body(CycleOpenSerializer, request)
        cycle = services.cycle_open(program=data["program"], code=data["code"], actor=request.user)
        location = reverse("payouts-api:cycle-detail", kwargs={"pk": cycle.pk})
        return self._answer(
            cycle,
            status.HTTP_200_OK if was_replayed(cycle) else status.HTTP_201_CREATED,
            Location=location,
        )

    @extend_schema(
        summary=_("Generate the cycle's entitlements (a job)"),
        description=_(
            "One entitlement per active enrolment at the program's amount, booked to awards "
            "payable. Running it again creates nothing new. The job fails with "
            "insufficient_funds, booking nothing, when the fund's available money does not "
            "cover them."
        ),
        parameters=[
            idempotency_key_param(_("generating again creates nothing new.")),
            JOB_LOCATION,
        ],
        request=None,
        responses={202: JOB_STARTED, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        cycle = self.get_object()
        require_county(request.user)
        return started(job_submit("generate_cycle", actor=request.user, cycle_id=cycle.pk))
