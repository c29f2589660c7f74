"""JSON shapes of the ledger API's accounts (with their balances per fund and currency) and
funds (with their positions)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import TextField

from ..models import Account, Fund
from .fields import money_field


class FundBalanceSerializer(serializers.Serializer):
    fund = TextField(help_text=_("Fund code."))
    currency = TextField()
    balance = money_field(help_text=_("On the account's normal side."))


class AccountSerializer(serializers.ModelSerializer):
    name = TextField(read_only=True, help_text=_("In the request's language."))
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    balances = serializers.SerializerMethodField(
        help_text=_("Current balance per fund and currency, on the account's normal side.")
    )

    class Meta:
        model = Account
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "type",
            "normal_side",
            "parent",
            "is_active",
            "balances",
        ]
        read_only_fields = fields

    @extend_schema_field(FundBalanceSerializer(many=True))
    def get_balances(self, account: Account) -> list[dict]:
        # The view hands every account's stored balances in one query (context["balances"]).
        rows = self.context.get("balances", {}).get(account.pk, [])
        return FundBalanceSerializer(rows, many=True).data


class FundPositionSerializer(serializers.Serializer):
    currency = TextField()
    cash_at_bank = money_field()
    cash_on_hand = money_field()
    awards_payable = money_field()
    reserved = money_field(help_text=_("Reserved for awards under public notice."))
    available = money_field(
        help_text=_("Cash at bank less awards payable and reservations: what may be committed.")
    )


class FundSerializer(serializers.ModelSerializer):
    name = TextField(read_only=True, help_text=_("In the request's language."))
    purposes = serializers.ListField(child=TextField(), read_only=True)
    currencies = serializers.ListField(child=TextField(), read_only=True)
    position = serializers.SerializerMethodField(
        help_text=_("The fund's position per currency (ledger.selectors.fund_position).")
    )

    class Meta:
        model = Fund
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "restricted",
            "purposes",
            "currencies",
            "is_active",
            "position",
        ]
        read_only_fields = fields

    @extend_schema_field(FundPositionSerializer(many=True))
    def get_position(self, fund: Fund) -> list[dict]:
        rows = self.context.get("positions", {}).get(fund.pk, [])
        return FundPositionSerializer(rows, many=True).data
