"""Payout batches of the caller's region and their payments: list and read them (with what was
left out, the reconciliation and timeliness), build one (a job), approve, discard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ

from .. import services
from ..api_filters import BatchFilter, PaymentFilter, batches_in_scope, payments_in_scope
from ..models import Payment, PayoutBatch
from ..serializers import (
    BatchBuildSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    DiscardSerializer,
    PaymentSerializer,
)
from ..tasks import job_submit
from .common import (
    JOB_LOCATION,
    JOB_STARTED,
    PayoutsViewSet,
    errors,
    idempotency_key_param,
    started,
)

BATCH_CHANGED = {200: BatchDetailSerializer, **errors.ACTION}


@extend_schema_view(
    list=extend_schema(
        summary=_("Payout batches of your region, newest first"),
        responses={200: BatchSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One batch with what was left out, its reconciliation and timeliness"),
        responses={200: BatchDetailSerializer, **errors.DETAIL},
    ),
)
class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_payoutbatch", "disbursement.view_payment"),
        "create": ("disbursement.build_payoutbatch",),
        "approve": ("disbursement.approve_payoutbatch",),
        "discard": ("disbursement.build_payoutbatch",),
    }
    filterset_class = BatchFilter
    queryset = PayoutBatch.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        return batches_in_scope(self.request.user).order_by("-id")

    def get_serializer_class(self):
        return BatchSerializer if self.action == "list" else BatchDetailSerializer

    def _answer(self, batch: PayoutBatch) -> Response:
        return Response(BatchDetailSerializer(self.get_queryset().get(pk=batch.pk)).data)

    @extend_schema(
        summary=_("Build a batch of final awards and entitlements still owed (a job)"),
        description=_(
            "Every final award and entitlement of the program not yet paid or in a batch, "
            "filtered by cycle, region (default: yours) and the day the award became final. "
            "Households without a bank account, suspended beneficiaries and failed payments to "
            "an unchanged account are left out and listed. The job fails with nothing_to_pay "
            "or insufficient_funds (the fund's cash at bank, less approved batches not yet "
            "paid, does not cover it); when done its result names the batch (batch_id)."
        ),
        parameters=[
            idempotency_key_param(
                _(
                    "an award is in at most one live batch, so a repeated build finds nothing "
                    "to pay (the job fails with nothing_to_pay); list the batches to find the "
                    "first one."
                )
            ),
            JOB_LOCATION,
        ],
        request=BatchBuildSerializer,
        responses={202: JOB_STARTED, **errors.CREATE},
    )
    def create(self, request, *args, **kwargs):
        idempotency_key(request, required=False)  # its form only: not stored
        data = validated_body(BatchBuildSerializer, request)
        filters = {"retry_unchanged": data["retry_unchanged"]}
        if data["cycle"]:
            filters["cycle"] = data["cycle"]
        if data.get("region") is not None:
            filters["region_id"] = data["region"].pk
        for name in ("final_from", "final_to"):
            if data.get(name) is not None:
                filters[name] = data[name].isoformat()  # the job's arguments travel as JSON
        job = job_submit(
            "build_batch", actor=request.user, program_id=data["program"].pk, **filters
        )
        return started(job)

    @extend_schema(
        summary=_("Approve a batch (a finance supervisor who did not build it)"),
        description=_(
            "From now on nothing is added or removed; the fund's cash at bank is checked again "
            "(409 insufficient_funds). Approving a batch you built is refused (403 "
            "not_allowed), approving twice is a 409 invalid_state."
        ),
        request=None,
        responses=BATCH_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        batch = self.get_object()
        services.batch_approve(batch=batch, actor=request.user)
        return self._answer(batch)

    @extend_schema(
        summary=_("Discard a batch awaiting approval, with a reason"),
        description=_("Its awards are owed again and go into a later batch."),
        request=DiscardSerializer,
        responses=BATCH_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, *args, **kwargs):
        batch = self.get_object()
        data = validated_body(DiscardSerializer, request)
        services.batch_discard(batch=batch, reason=data["reason"], actor=request.user)
        return self._answer(batch)


BATCH_ID = OpenApiParameter(
    "batch_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id of the batch.")
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Payments of one batch (account numbers masked)"),
        parameters=[BATCH_ID],
        responses={200: PaymentSerializer(many=True), **errors.LIST},
    ),
)
class PaymentViewSet(mixins.ListModelMixin, PayoutsViewSet):
    required_permissions = {READ: ("disbursement.view_payoutbatch", "disbursement.view_payment")}
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    queryset = Payment.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        batch = batches_in_scope(self.request.user).filter(pk=self.kwargs["batch_id"]).first()
        if batch is None:
            raise NotFound()
        return payments_in_scope(self.request.user, batch)
