"""Money paid in error claimed back (recoveries of the caller's region: propose, decide, refund,
write off) and the post-payment sample check of a paid batch (draw, record).

Proposing a recovery and booking a refund need an ``Idempotency-Key`` (stored: the same key with
the same content answers the first record, 200 with ``Idempotent-Replayed: true``; with other
content, 409 ``idempotency_conflict``). Deciding, writing off, drawing and recording are
idempotent by state (a second decision is a 409; drawing again returns the first draw).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from common.api import REPLAYED_HEADER, idempotency_key, validated_body
from common.permissions import READ

from .. import selectors, services
from ..api_filters import batches_in_scope
from ..models import (
    Payment,
    PaymentStatus,
    Recovery,
    RecoveryStatus,
    SampleCheck,
    SampleCheckLine,
)
from ..serializers import (
    RecoveryDecisionSerializer,
    RecoveryProposeSerializer,
    RecoverySerializer,
    RecoveryWriteOffSerializer,
    RefundCreateSerializer,
    RefundSerializer,
    SampleCheckSerializer,
    SampleDrawSerializer,
    SampleRecordSerializer,
)
from .common import PayoutsViewSet, errors

KEY_REQUIRED = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=_(
        "Required: a new key (e.g. a UUID) for each new record. The same key with the same "
        "content answers the first record (200, Idempotent-Replayed: true); with other "
        "content, 409 idempotency_conflict."
    ),
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    enum=["true", "false"],
    description=_("'true' when this was a retry, answered with the record already made."),
)
STATUS_FILTER = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=RecoveryStatus.values,
    description=_("Only recoveries in this status."),
)
RECOVERY_CHANGED = {200: RecoverySerializer, **errors.ACTION}


def _answer(serializer_class, obj, *, replayed: bool, location: str) -> Response:
    return Response(
        serializer_class(obj).data,
        status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        headers={"Location": location, REPLAYED_HEADER: "true" if replayed else "false"},
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Recoveries of your region (money paid in error), newest first"),
        parameters=[STATUS_FILTER],
        responses={200: RecoverySerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One recovery with its refunds"),
        responses={200: RecoverySerializer, **errors.DETAIL},
    ),
)
class RecoveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_recovery",),
        "create": ("disbursement.view_recovery", "disbursement.add_recovery"),
        "open": ("disbursement.view_recovery", "disbursement.approve_recovery"),
        "reject": ("disbursement.view_recovery", "disbursement.approve_recovery"),
        "refunds": ("disbursement.view_recovery", "disbursement.add_recoveryrefund"),
        "write_off": ("disbursement.view_recovery", "disbursement.write_off_recovery"),
    }
    serializer_class = RecoverySerializer
    queryset = Recovery.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Recovery.objects.none()
        qs = selectors.recoveries_for_user(self.request.user).prefetch_related("refunds")
        wanted = self.request.query_params.get("status")
        if self.action == "list" and "status" in self.request.query_params:
            if wanted not in RecoveryStatus.values:
                raise serializers.ValidationError({"status": [_("Unknown status.")]})
            qs = qs.filter(status=wanted)
        return qs.order_by("-id")

    def _answer(self, recovery: Recovery) -> Response:
        return Response(RecoverySerializer(self.get_queryset().get(pk=recovery.pk)).data)

    @extend_schema(
        summary=_("Propose to recover a paid payment (decided by a second person)"),
        description=_(
            "Nothing is booked until a second person with the right opens it. At most the "
            "payment's amount, one live recovery per payment, only a paid payment of your "
            "region (400 invalid_input, 409 invalid_state)."
        ),
        parameters=[KEY_REQUIRED, REPLAYED],
        request=RecoveryProposeSerializer,
        responses={201: RecoverySerializer, 200: RecoverySerializer, **errors.CREATE},
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(RecoveryProposeSerializer, request)
        payment = Payment.objects.filter(
            pk=data["payment"],
            batch__in=batches_in_scope(request.user),
            status=PaymentStatus.PAID,
        ).first()
        if payment is None:
            raise serializers.ValidationError(
                {"payment": [_("No paid payment with this id in your region.")]}
            )
        replayed = Recovery.objects.filter(idempotency_key=key).exists()
        recovery = services.recovery_propose(
            payment=payment,
            amount=data["amount"],
            reason_code=data["reason_code"],
            reason_text=data["reason_text"],
            decision_reference=data["decision_reference"],
            idempotency_key=key,
            actor=request.user,
        )
        return _answer(
            RecoverySerializer,
            self.get_queryset().get(pk=recovery.pk),
            replayed=replayed,
            location=reverse("payouts-api:recovery-detail", kwargs={"pk": recovery.pk}),
        )

    @extend_schema(
        summary=_("Decide to recover: the receivable is booked (not by who proposed it)"),
        description=_(
            "Books recoveries receivable (1221) Dr / the program's expense Cr in the paying "
            "fund. The person who proposed it is refused (403 not_allowed); deciding twice is "
            "a 409 invalid_state."
        ),
        request=RecoveryDecisionSerializer,
        responses=RECOVERY_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def open(self, request, *args, **kwargs):
        recovery = self.get_object()
        data = validated_body(RecoveryDecisionSerializer, request)
        services.recovery_open(
            recovery=recovery,
            decision_text=data["decision_text"],
            decision_reference=data["decision_reference"],
            actor=request.user,
        )
        return self._answer(recovery)

    @extend_schema(
        summary=_("Decide not to recover (not by who proposed it)"),
        request=RecoveryDecisionSerializer,
        responses=RECOVERY_CHANGED,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        recovery = self.get_object()
        data = validated_body(RecoveryDecisionSerializer, request)
        services.recovery_reject(
            recovery=recovery, decision_text=data["decision_text"], actor=request.user
        )
        return self._answer(recovery)

    @extend_schema(
        summary=_("Book a refund against an open recovery"),
        description=_(
            "Bank Dr / recoveries receivable Cr; partial refunds allowed, never above what is "
            "still owed (409 over_refund); the recovery is settled when nothing is left. A "
            "refund is not income and gets a refund slip number, no receipt."
        ),
        parameters=[KEY_REQUIRED, REPLAYED],
        request=RefundCreateSerializer,
        responses={201: RefundSerializer, 200: RefundSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def refunds(self, request, *args, **kwargs):
        recovery = self.get_object()
        key = idempotency_key(request, required=True)
        data = validated_body(RefundCreateSerializer, request)
        refund, replayed = services.refund_record(
            recovery=recovery,
            amount=data["amount"],
            received_on=data.get("received_on"),
            method=data["method"],
            bank_reference=data["bank_reference"],
            note=data["note"],
            idempotency_key=key,
            actor=request.user,
        )
        return _answer(
            RefundSerializer,
            refund,
            replayed=replayed,
            location=reverse("payouts-api:recovery-detail", kwargs={"pk": recovery.pk}),
        )

    @extend_schema(
        summary=_("Write off what is still owed (not by who proposed it), with a reason"),
        request=RecoveryWriteOffSerializer,
        responses=RECOVERY_CHANGED,
    )
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, *args, **kwargs):
        recovery = self.get_object()
        data = validated_body(RecoveryWriteOffSerializer, request)
        services.recovery_write_off(recovery=recovery, reason=data["reason"], actor=request.user)
        return self._answer(recovery)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("The sample check of a batch (by the batch's id), with its lines"),
        responses={200: SampleCheckSerializer, **errors.DETAIL},
    ),
)
class SampleCheckViewSet(mixins.RetrieveModelMixin, PayoutsViewSet):
    required_permissions = {
        READ: ("disbursement.view_payoutbatch", "disbursement.view_samplecheck"),
        "create": ("disbursement.view_payoutbatch", "disbursement.record_samplecheck"),
        "record": ("disbursement.view_payoutbatch", "disbursement.record_samplecheck"),
    }
    serializer_class = SampleCheckSerializer
    lookup_field = "batch"
    queryset = SampleCheck.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SampleCheck.objects.none()
        return SampleCheck.objects.filter(
            batch__in=batches_in_scope(self.request.user)
        ).prefetch_related("lines__payment", "lines__checked_by")

    @extend_schema(
        summary=_("Draw the sample of a paid batch (not by who built it)"),
        description=_(
            "max(PAYOUT_SAMPLE_MIN, PAYOUT_SAMPLE_PERCENT per cent of the paid payments), at most all; "
            "the seed is stored. Drawing again returns the first draw (200)."
        ),
        request=SampleDrawSerializer,
        responses={201: SampleCheckSerializer, 200: SampleCheckSerializer, **errors.ACTION},
    )
    def create(self, request, *args, **kwargs):
        data = validated_body(SampleDrawSerializer, request)
        batch = batches_in_scope(request.user).filter(pk=data["batch"]).first()
        if batch is None:
            raise serializers.ValidationError(
                {"batch": [_("No batch with this id in your region.")]}
            )
        replayed = SampleCheck.objects.filter(batch=batch).exists()
        check = services.sample_check_draw(batch=batch, actor=request.user)
        return _answer(
            SampleCheckSerializer,
            self.get_queryset().get(pk=check.pk),
            replayed=replayed,
            location=reverse("payouts-api:sample-check-detail", kwargs={"batch": batch.pk}),
        )

    @extend_schema(
        summary=_("Record what a sampled recipient said (not by who built the batch)"),
        description=_(
            "received, not_received or unreachable; a note is required unless received. "
            "received and not_received are final (409 invalid_state); a not_received line is "
            "a follow-up, flagged on the payment and the batch."
        ),
        request=SampleRecordSerializer,
        responses={200: SampleCheckSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, *args, **kwargs):
        check = self.get_object()
        data = validated_body(SampleRecordSerializer, request)
        line = SampleCheckLine.objects.filter(pk=data["line"], sample=check).first()
        if line is None:
            raise NotFound()
        services.sample_check_record(
            line=line, outcome=data["outcome"], note=data["note"], actor=request.user
        )
        return Response(SampleCheckSerializer(self.get_queryset().get(pk=check.pk)).data)
