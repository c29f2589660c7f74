"""JSON shapes of the ledger API.

Serializers here check shapes only (types, lengths, choices, two decimal places); every business
rule (balance, open period, active account, currency held) is the service's, so the API, the
forms and the batch paths refuse the same things with the same codes.

Money always leaves and enters as a decimal *string* with two places next to a currency code,
never as a JSON number: a float cannot hold 0.10 exactly.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import MAX_PAGE_SIZE

from .models import Account, AccountType, Fund, JournalEntry, JournalLine, Side

MAX_AMOUNT_DIGITS = 18  # JournalLine.amount: max_digits=18, decimal_places=2
MAX_BALANCE_DIGITS = 20  # balances add many amounts


def money_field(**kwargs) -> serializers.DecimalField:
    """A read-only amount: a string with exactly two decimals ("1200.00")."""
    return serializers.DecimalField(
        max_digits=MAX_BALANCE_DIGITS,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        **kwargs,
    )


class AmountField(serializers.DecimalField):
    """An amount sent by a client: a decimal string with at most two places.

    JSON numbers are refused on purpose: a client that sends 0.1 as a float has already lost
    the exact value before we see it.
    """

    default_error_messages = {
        "not_a_string": _('Send the amount as a string with a decimal point, e.g. "1200.00".'),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MAX_AMOUNT_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            Decimal(data.strip())
        except InvalidOperation:
            self.fail("invalid")
        return super().to_internal_value(data)


CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


# --------------------------------------------------------------------------------------------
# accounts and funds
# --------------------------------------------------------------------------------------------
class FundBalanceSerializer(serializers.Serializer):
    fund = serializers.CharField(help_text=_("Fund code."))
    currency = serializers.CharField()
    balance = money_field(help_text=_("On the account's normal side."))


class AccountSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the request's language."))
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
    currency = serializers.CharField()
    cash_at_bank = money_field()
    cash_on_hand = money_field()
    awards_payable = money_field()
    reserved = money_field(help_text=_("Reserved for awards under public notice."))
    available = money_field(
        help_text=_("Cash at bank less awards payable and reservations: what may be committed.")
    )


class FundSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("In the request's language."))
    purposes = serializers.ListField(child=serializers.CharField(), read_only=True)
    currencies = serializers.ListField(child=serializers.CharField(), read_only=True)
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


# --------------------------------------------------------------------------------------------
# journal entries
# --------------------------------------------------------------------------------------------
class JournalLineSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = serializers.DecimalField(
        source="amount.amount", max_digits=MAX_AMOUNT_DIGITS, decimal_places=2, read_only=True
    )
    currency = serializers.CharField(source="amount_currency", read_only=True)
    balance_after = serializers.DecimalField(
        max_digits=MAX_BALANCE_DIGITS,
        decimal_places=2,
        read_only=True,
        help_text=_("Debits minus credits of this account, fund and currency after this line."),
    )

    class Meta:
        model = JournalLine
        fields = [
            "line_no",
            "account",
            "account_name",
            "fund",
            "side",
            "amount",
            "currency",
            "balance_after",
            "memo",
        ]
        read_only_fields = fields


class CurrencyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = money_field()


def _lines(entry: JournalEntry) -> list[JournalLine]:
    # Lists prefetch the lines; sorting here keeps one query per page, not one per entry.
    return sorted(entry.lines.all(), key=lambda line: line.line_no)


class JournalEntrySerializer(serializers.ModelSerializer):
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    posted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reverses = serializers.SlugRelatedField(
        slug_field="seq",
        read_only=True,
        allow_null=True,
        help_text=_("Number of the entry this one reverses."),
    )
    reversed_by = serializers.SerializerMethodField(
        help_text=_("Number of the entry that reverses this one, if any.")
    )
    totals = serializers.SerializerMethodField(help_text=_("Total debits per currency."))

    class Meta:
        model = JournalEntry
        fields = [
            "seq",
            "date",
            "period",
            "memo",
            "source",
            "idempotency_key",
            "reverses",
            "reversed_by",
            "posted_by",
            "posted_at",
            "hash",
            "prev_hash",
            "totals",
        ]
        read_only_fields = fields

    def get_reversed_by(self, entry: JournalEntry) -> int | None:
        reversal = getattr(entry, "reversed_by", None)
        return reversal.seq if reversal is not None else None

    @extend_schema_field(CurrencyTotalSerializer(many=True))
    def get_totals(self, entry: JournalEntry) -> list[dict]:
        totals: dict[str, Decimal] = {}
        for line in _lines(entry):
            if line.side == Side.DEBIT:
                cur = str(line.amount.currency)
                totals[cur] = totals.get(cur, Decimal("0")) + line.amount.amount
        rows = [{"currency": c, "amount": v} for c, v in sorted(totals.items())]
        return CurrencyTotalSerializer(rows, many=True).data


class JournalEntryDetailSerializer(JournalEntrySerializer):
    lines = serializers.SerializerMethodField()

    class Meta(JournalEntrySerializer.Meta):
        fields = [*JournalEntrySerializer.Meta.fields, "lines"]
        read_only_fields = fields

    @extend_schema_field(JournalLineSerializer(many=True))
    def get_lines(self, entry: JournalEntry) -> list[dict]:
        return JournalLineSerializer(_lines(entry), many=True).data


class LineInputSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=20, help_text=_("Account code, e.g. 1002."))
    fund = serializers.CharField(max_length=20, help_text=_("Fund code, e.g. RELIEF."))
    side = serializers.ChoiceField(choices=Side.choices, help_text=_("D (debit) or C (credit)."))
    amount = AmountField(help_text=_('Positive decimal string with at most 2 places: "1200.00".'))
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default=settings.DEFAULT_CURRENCY)
    memo = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EntryCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    lines = LineInputSerializer(many=True, min_length=2, max_length=500)


class EntryReverseSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text=_("Date of the reversing entry; today when left out.")
    )
    memo = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------------------------
# reports: query parameters and results
# --------------------------------------------------------------------------------------------
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
    account = serializers.CharField(help_text=_("Account code."))
    account_name = serializers.CharField()
    normal_side = serializers.ChoiceField(choices=Side.choices)
    fund = serializers.CharField(allow_null=True, help_text=_("Fund code, or null for all funds."))
    as_of = serializers.DateField(allow_null=True)
    balances = CurrencyTotalSerializer(
        many=True, help_text=_("Balance per currency, on the account's normal side.")
    )


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    account_name = serializers.CharField(source="account.name")
    account_type = serializers.ChoiceField(source="account.type", choices=AccountType.choices)
    currency = serializers.CharField()
    debit = money_field()
    credit = money_field()


class TrialBalanceTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    debit = money_field()
    credit = money_field()
    balanced = serializers.BooleanField()


class TrialBalanceSerializer(serializers.Serializer):
    fund = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(allow_null=True)
    balanced = serializers.BooleanField(help_text=_("Debits equal credits in every currency."))
    rows = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceTotalSerializer(many=True)


class StatementRowSerializer(serializers.Serializer):
    seq = serializers.IntegerField(source="line.entry.seq", help_text=_("Entry number."))
    date = serializers.DateField(source="line.entry.date")
    line_no = serializers.IntegerField(source="line.line_no")
    fund = serializers.CharField(source="line.fund.code")
    memo = serializers.SerializerMethodField()
    debit = money_field()
    credit = money_field()
    balance = money_field(help_text=_("Running balance after this line, on the normal side."))

    def get_memo(self, row) -> str:
        return row.line.memo or row.line.entry.memo


class StatementSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    account_name = serializers.CharField(source="account.name")
    normal_side = serializers.ChoiceField(source="account.normal_side", choices=Side.choices)
    fund = serializers.CharField(source="fund.code", allow_null=True, default=None)
    currency = serializers.CharField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.SerializerMethodField()
    count = serializers.IntegerField(help_text=_("Lines in the whole statement."))
    closing_balance = money_field(source="closing", help_text=_("On the normal side."))
    rows = StatementRowSerializer(many=True, help_text=_("Newest first."))

    def get_page_size(self, statement) -> int:
        return self.context["page_size"]
