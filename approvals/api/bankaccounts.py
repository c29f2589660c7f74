"""The relief-case API's bank account changes: list and read them (numbers masked), approve or
reject one asked by someone else while a payment to the account was pending."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import validated_body
from common.permissions import READ

from .. import services
from ..api_filters import BankAccountChangeFilter, households_in_scope
from ..models import PERM_APPROVE_ACCOUNT_CHANGE, BankAccountChange
from ..serializers.households import BankAccountChangeSerializer, BankAccountDecisionSerializer
from .base import ApprovalsViewSet, errors


@extend_schema_view(
    list=extend_schema(
        summary=_("Bank account changes in your region, pending first, newest first"),
        responses={200: BankAccountChangeSerializer(many=True), **errors.LIST},
    ),
    retrieve=extend_schema(
        summary=_("One bank account change"),
        responses={200: BankAccountChangeSerializer, **errors.DETAIL},
    ),
)
class BankAccountChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApprovalsViewSet):
    required_permissions = {
        READ: ("approvals.view_bankaccountchange",),
        "approve": (PERM_APPROVE_ACCOUNT_CHANGE,),
        "reject": (PERM_APPROVE_ACCOUNT_CHANGE,),
    }
    serializer_class = BankAccountChangeSerializer
    filterset_class = BankAccountChangeFilter
    queryset = BankAccountChange.objects.none()  # the schema's model; requests use get_queryset

    def get_queryset(self):
        qs = BankAccountChange.objects.filter(
            household__in=households_in_scope(self.request.user)
        ).select_related("person", "requested_by", "decided_by")
        return qs.order_by("-id")

    def _answer(self, change: BankAccountChange) -> Response:
        return Response(BankAccountChangeSerializer(self.get_queryset().get(pk=change.pk)).data)

    @extend_schema(
        summary=_("Approve a pending change: the account is changed now"),
        description=_("Never by the person who asked (four eyes; the database refuses it too)."),
        request=BankAccountDecisionSerializer,
        responses={200: BankAccountChangeSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        change = self.get_object()
        data = validated_body(BankAccountDecisionSerializer, request)
        change = services.bank_account_change_approve(
            change=change, actor=request.user, note=data["note"]
        )
        return self._answer(change)

    @extend_schema(
        summary=_("Reject a pending change, saying why: the account stays as it is"),
        request=BankAccountDecisionSerializer,
        responses={200: BankAccountChangeSerializer, **errors.ACTION},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        change = self.get_object()
        data = validated_body(BankAccountDecisionSerializer, request)
        change = services.bank_account_change_reject(
            change=change, actor=request.user, note=data["note"]
        )
        return self._answer(change)
