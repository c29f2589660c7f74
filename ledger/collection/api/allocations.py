"""Allocations (``/api/collection/allocations/``): budget money with its settlement receipt."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from common.api import idempotency_key, validated_body
from common.permissions import READ
from common.replay import was_replayed

from .. import services
from ..api_filters import AllocationFilter
from ..models import Allocation
from ..serializers import AllocationSerializer
from ._common import (
    IDEMPOTENCY_KEY,
    READ_ERRORS,
    REPLAYED,
    CollectionViewSet,
    errors,
    recorded,
    recording_responses,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Fiscal allocations and departmental contributions, newest first"),
        responses={200: AllocationSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One allocation with its settlement receipt"),
        responses={200: AllocationSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class AllocationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CollectionViewSet
):
    required_permissions = {
        READ: ("ledger.view_allocation",),
        "create": ("ledger.add_allocation",),
    }
    queryset = Allocation.objects.select_related(
        "fund", "receipt__book", "entry", "recorded_by"
    ).order_by("-received_on", "-id")
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter

    @extend_schema(
        summary=_("Record budget money: allocation income and a settlement receipt"),
        description=_(
            "Allocations are not donations: they post to allocation income and get an "
            "inter-unit settlement receipt. Asking for a donation receipt is refused (400 "
            "wrong_receipt_type)."
        ),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses=recording_responses(
            AllocationSerializer, _("Recorded; the settlement receipt is issued.")
        ),
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(AllocationSerializer, request)
        allocation = services.allocation_record(
            kind=data["kind"],
            source_name=data["source_name"],
            fund=data["fund"],
            amount=Money(data["amount"], data["amount_currency"]),
            method=data["method"],
            received_on=data["received_on"],
            idempotency_key=key,
            actor=request.user,
            source_credit_code=data["source_credit_code"],
            document_no=data["document_no"],
            receipt_type=data["receipt"]["type"],
            pledge=data["pledge"],
        )
        return recorded(
            AllocationSerializer,
            self.get_queryset().get(pk=allocation.pk),
            replayed=was_replayed(allocation),
            location=reverse("collection-api:allocation-detail", kwargs={"pk": allocation.pk}),
            request=request,
        )
