"""The ledger API's chart of accounts (with stored balances) and funds (with their positions),
read only."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from common.api import AUTHENTICATION, Pagination
from common.permissions import READ, RequiredPermissions

from .. import selectors
from ..api_filters import AccountFilter, FundFilter
from ..models import Account, Balance, Fund
from ..serializers.accounts import AccountSerializer, FundSerializer
from .base import READ_ERRORS, errors


def _balances_by_account(accounts) -> dict[int, list[dict]]:
    """Stored balances of these accounts per fund and currency, on each account's normal side."""
    by_pk = {a.pk: a for a in accounts}
    rows: dict[int, list[dict]] = defaultdict(list)
    for bal in (
        Balance.objects.filter(account_id__in=by_pk)
        .select_related("fund")
        .order_by("fund__code", "currency")
    ):
        account = by_pk[bal.account_id]
        rows[bal.account_id].append(
            {
                "fund": bal.fund.code,
                "currency": bal.currency,
                "balance": account.to_normal(bal.balance),
            }
        )
    return rows


class _ContextFromObjectsMixin:
    """List and detail both hand the serializer figures read once for all shown objects."""

    def figures_for(self, objects) -> dict:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset)
        serializer = self.get_serializer(objects, many=True, context=self.figures_for(objects))
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return Response(self.get_serializer(obj, context=self.figures_for([obj])).data)

    def get_serializer(self, *args, context=None, **kwargs):
        full = self.get_serializer_context()
        full.update(context or {})
        return self.get_serializer_class()(*args, context=full, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary=_("Chart of accounts with balances"),
        responses={200: AccountSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One account with its balances per fund and currency"),
        responses={200: AccountSerializer, **errors(400, *READ_ERRORS, 404)},
    ),
)
class AccountViewSet(_ContextFromObjectsMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    required_permissions = {READ: ("ledger.view_account", "ledger.view_balance")}
    queryset = Account.objects.select_related("parent").order_by("code")
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]*"

    def figures_for(self, objects) -> dict:
        return {"balances": _balances_by_account(objects)}


@extend_schema_view(
    list=extend_schema(
        summary=_("Funds with their positions"),
        responses={200: FundSerializer(many=True), **errors(400, *READ_ERRORS, 404)},
    ),
    retrieve=extend_schema(
        summary=_("One fund with its position per currency"),
        responses={200: FundSerializer, **errors(400, *READ_ERRORS, 404)},
    ),
)
class FundViewSet(_ContextFromObjectsMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    # The position is money in the books, so reading funds here needs view_balance too (case
    # workers and reviewers hold view_fund alone, for picking a fund, not for seeing its cash).
    required_permissions = {READ: ("ledger.view_fund", "ledger.view_balance")}
    queryset = Fund.objects.order_by("code")
    serializer_class = FundSerializer
    filterset_class = FundFilter
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z][0-9A-Za-z._-]*"

    def figures_for(self, objects) -> dict:
        return {"positions": {f.pk: selectors.fund_position(fund=f) for f in objects}}
