"""JSON shapes of the ledger API's reports: the query strings of the balance, trial balance and
statement, and their results."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import MAX_PAGE_SIZE, TextField

from ..models import Account, AccountType, Fund, Side
from .fields import CURRENCY_CHOICES, CurrencyTotalSerializer, money_field


class _FundQuery(serializers.Serializer):
    fund = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Fund.objects.all(),
        required=False,
        help_text=_("Fund code; all funds when left out."),
    )


class BalanceQuerySerializer(_FundQuery):
    account = serializers.SlugRelatedField(
        slug_field="code", queryset=Account.objects.all(), help_text=_("Account code.")
    )
    as_of = serializers.DateField(
        required=False, help_text=_("Balance at the end of this day; now when left out.")
    )


class TrialBalanceQuerySerializer(_FundQuery):
    as_of = serializers.DateField(
        required=False, help_text=_("Balances at the end of this day; now when left out.")
    )


class StatementQuerySerializer(_FundQuery):
    account = serializers.SlugRelatedField(
        slug_field="code", queryset=Account.objects.all(), help_text=_("Account code.")
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default=settings.DEFAULT_CURRENCY)
    page = serializers.IntegerField(min_value=1, default=1, help_text=_("Page 1 is the newest."))
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=20)


class BalanceSerializer(serializers.Serializer):
    account = TextField(help_text=_("Account code."))
    account_name = TextField()
    normal_side = serializers.ChoiceField(choices=Side.choices)
    fund = TextField(allow_null=True, help_text=_("Fund code, or null for all funds."))
    as_of = serializers.DateField(allow_null=True)
    balances = CurrencyTotalSerializer(
        many=True, help_text=_("Balance per currency, on the account's normal side.")
    )


class TrialBalanceRowSerializer(serializers.Serializer):
    account = TextField(source="account.code")
    account_name = TextField(source="account.name")
    account_type = serializers.ChoiceField(source="account.type", choices=AccountType.choices)
    currency = TextField()
    debit = money_field()
    credit = money_field()


class TrialBalanceTotalSerializer(serializers.Serializer):
    currency = TextField()
    debit = money_field()
    credit = money_field()
    balanced = serializers.BooleanField()


class TrialBalanceSerializer(serializers.Serializer):
    fund = TextField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    balanced = serializers.BooleanField(help_text=_("Debits equal credits in every currency."))
    rows = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceTotalSerializer(many=True)


class StatementRowSerializer(serializers.Serializer):
    seq = serializers.IntegerField(source="line.entry.seq", help_text=_("Entry number."))
    date = serializers.DateField(source="line.entry.date")
    line_no = serializers.IntegerField(source="line.line_no")
    fund = TextField(source="line.fund.code")
    memo = serializers.SerializerMethodField()
    debit = money_field()
    credit = money_field()
    balance = money_field(help_text=_("Running balance after this line, on the normal side."))

    def get_memo(self, row) -> str:
        return row.line.memo or row.line.entry.memo


class StatementSerializer(serializers.Serializer):
    account = TextField(source="account.code")
    account_name = TextField(source="account.name")
    normal_side = serializers.ChoiceField(source="account.normal_side", choices=Side.choices)
    fund = TextField(source="fund.code", allow_null=True, default=None)
    currency = TextField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.SerializerMethodField()
    count = serializers.IntegerField(help_text=_("Lines in the whole statement."))
    closing_balance = money_field(source="closing", help_text=_("On the normal side."))
    rows = StatementRowSerializer(many=True, help_text=_("Newest first."))

    def get_page_size(self, statement) -> int:
        return self.context["page_size"]
