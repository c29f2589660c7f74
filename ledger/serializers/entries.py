"""JSON shapes of the ledger API's journal entries and lines, and the bodies that post or
reverse an entry."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import TextField

from ..models import JournalEntry, JournalLine, Side
from .fields import (
    CURRENCY_CHOICES,
    MAX_AMOUNT_DIGITS,
    MAX_BALANCE_DIGITS,
    AmountField,
    CurrencyTotalSerializer,
)


class JournalLineSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    account_name = TextField(source="account.name", read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = serializers.DecimalField(
        source="amount.amount", max_digits=MAX_AMOUNT_DIGITS, decimal_places=2, read_only=True
    )
    currency = TextField(source="amount_currency", read_only=True)
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
    account = TextField(max_length=20, help_text=_("Account code, e.g. 1002."))
    fund = TextField(max_length=20, help_text=_("Fund code, e.g. RELIEF."))
    side = serializers.ChoiceField(choices=Side.choices, help_text=_("D (debit) or C (credit)."))
    amount = AmountField(help_text=_('Positive decimal string with at most 2 places: "1200.00".'))
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default=settings.DEFAULT_CURRENCY)
    memo = TextField(max_length=200, required=False, allow_blank=True, default="")


class EntryCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    memo = TextField(max_length=500, required=False, allow_blank=True, default="")
    lines = LineInputSerializer(many=True, min_length=2, max_length=500)


class EntryReverseSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text=_("Date of the reversing entry; today when left out.")
    )
    memo = TextField(max_length=500, required=False, allow_blank=True, default="")
