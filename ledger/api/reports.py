"""The ledger API's reports: one account's balance, the trial balance and an account statement
with its running balance."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from common.api import validated_query
from common.permissions import READ

from .. import selectors
from ..serializers.reports import (
    BalanceQuerySerializer,
    BalanceSerializer,
    StatementQuerySerializer,
    StatementSerializer,
    TrialBalanceQuerySerializer,
    TrialBalanceSerializer,
)
from .base import READ_ERRORS, LedgerAPIView, errors


class BalanceView(LedgerAPIView):
    required_permissions = {READ: ("ledger.view_account", "ledger.view_balance")}

    @extend_schema(
        summary=_("Balance of one account per currency"),
        parameters=[BalanceQuerySerializer],
        responses={200: BalanceSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request):
        query = validated_query(BalanceQuerySerializer, request)
        account, fund, as_of = query["account"], query.get("fund"), query.get("as_of")
        balances = selectors.account_balance_normal(account=account, fund=fund, as_of=as_of)
        body = {
            "account": account.code,
            "account_name": account.name,
            "normal_side": account.normal_side,
            "fund": fund.code if fund else None,
            "as_of": as_of,
            "balances": [{"currency": c, "amount": m.amount} for c, m in balances.items()],
        }
        return Response(BalanceSerializer(body).data)


class TrialBalanceView(LedgerAPIView):
    required_permissions = {READ: ("ledger.view_account", "ledger.view_balance")}

    @extend_schema(
        summary=_("Trial balance"),
        parameters=[TrialBalanceQuerySerializer],
        responses={200: TrialBalanceSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request):
        query = validated_query(TrialBalanceQuerySerializer, request)
        fund, as_of = query.get("fund"), query.get("as_of")
        report = selectors.trial_balance(fund=fund, as_of=as_of)
        body = {
            "fund": fund.code if fund else None,
            "as_of": as_of,
            "balanced": report.balanced,
            "rows": report.rows,
            "totals": [
                {"currency": c, "debit": d, "credit": cr, "balanced": d == cr}
                for c, (d, cr) in report.totals.items()
            ],
        }
        return Response(TrialBalanceSerializer(body).data)


class StatementView(LedgerAPIView):
    required_permissions = {
        READ: ("ledger.view_account", "ledger.view_journalline", "ledger.view_balance")
    }

    @extend_schema(
        summary=_("Account statement with running balance"),
        description=_("Paged, newest lines first; a page past the last gives the last page."),
        parameters=[StatementQuerySerializer],
        responses={200: StatementSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request):
        query = validated_query(StatementQuerySerializer, request)
        statement = selectors.account_statement(
            account=query["account"],
            currency=query["currency"],
            fund=query.get("fund"),
            page=query["page"],
            page_size=query["page_size"],
        )
        return Response(
            StatementSerializer(statement, context={"page_size": query["page_size"]}).data
        )
