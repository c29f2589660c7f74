"""Cash (``/api/collection/cash-deposits/``, ``/api/collection/cash-held/``): deposits to the bank
and the cash on hand per fund."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from common.api import idempotency_key, validated_body
from common.permissions import READ
from common.replay import was_replayed

from ...api import LedgerAPIView
from .. import selectors, services
from ..api_filters import CashDepositFilter
from ..models import CashDeposit
from ..serializers import CashDepositSerializer, CashHeldSerializer
from ._common import (
    IDEMPOTENCY_KEY,
    READ_ERRORS,
    REPLAYED,
    CollectionViewSet,
    errors,
    local_today,
    recorded,
    recording_responses,
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Cash deposits to the bank, newest first"),
        responses={200: CashDepositSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One cash deposit"),
        responses={200: CashDepositSerializer, **errors(*READ_ERRORS, 404)},
    ),
)
class CashDepositViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, CollectionViewSet
):
    required_permissions = {
        READ: ("ledger.view_cashdeposit",),
        "create": ("ledger.add_cashdeposit",),
    }
    queryset = CashDeposit.objects.select_related("fund", "entry", "recorded_by").order_by(
        "-deposited_on", "-id"
    )
    serializer_class = CashDepositSerializer
    filterset_class = CashDepositFilter

    @extend_schema(
        summary=_("Deposit cash on hand to the bank"),
        description=_("Never more than the fund holds in cash (409 insufficient_cash)."),
        parameters=[IDEMPOTENCY_KEY, REPLAYED],
        responses=recording_responses(CashDepositSerializer, _("Deposited.")),
    )
    def create(self, request, *args, **kwargs):
        key = idempotency_key(request, required=True)
        data = validated_body(CashDepositSerializer, request)
        deposit = services.cash_deposit_record(
            fund=data["fund"],
            amount=Money(data["amount"], data["amount_currency"]),
            deposited_on=data["deposited_on"],
            idempotency_key=key,
            actor=request.user,
            bank_slip=data["bank_slip"],
        )
        return recorded(
            CashDepositSerializer,
            self.get_queryset().get(pk=deposit.pk),
            replayed=was_replayed(deposit),
            location=reverse("collection-api:cash-deposit-detail", kwargs={"pk": deposit.pk}),
            request=request,
        )


class CashHeldView(LedgerAPIView):
    required_permissions = {READ: ("ledger.view_cashdeposit", "ledger.view_balance")}

    @extend_schema(
        summary=_("Cash on hand per fund and how long the oldest of it has waited"),
        responses={200: CashHeldSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request):
        return Response(
            CashHeldSerializer(selectors.cash_held(today=local_today()), many=True).data
        )
