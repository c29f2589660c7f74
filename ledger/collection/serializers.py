"""JSON shapes of the money-in API (``/api/collection/``).

Serializers check shapes only (types, lengths, choices, two decimal places). Every business rule
(a valid credit code, an open fund that holds the currency, an open period, a receipt number
left in a book, who may approve a void) is the service's, so the API, the screens and the bulk
import refuse the same things with the same codes.

Money enters and leaves as a decimal *string* with two places next to a currency code, never as
a JSON number (``ledger.serializers.AmountField`` refuses numbers).

One serializer serves both reading and writing a resource wherever the two share fields: the
OpenAPI schema then names each choice set once (``DonorKindEnum``, ``AllocationKindEnum``...)
instead of warning that "kind" means two things in four components.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Fund
from ..serializers import CURRENCY_CHOICES, AmountField, money_field
from .models import (
    AllocationKind,
    Donor,
    DonorKind,
    PaymentMethod,
    Pledge,
    PledgeStatus,
    ReceiptStatus,
    ReceiptType,
    VoidRequestStatus,
)


# --------------------------------------------------------------------------------------------
# fields
# --------------------------------------------------------------------------------------------
class FundCodeField(serializers.CharField):
    """A fund by its code. Reads the related fund; writes hand the code to the service as it is,
    so an unknown or closed fund gets the service's own ``unknown_fund`` refusal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("Fund code, e.g. RELIEF."))
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.code


class MoneyAmountField(AmountField):
    """The amount of a ``Money``: read as a 2-decimal string, written as ``AmountField``."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", _('Positive decimal string with at most 2 places: "1200.00".')
        )
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value.amount)


def currency_field(**kwargs) -> serializers.ChoiceField:
    """The currency beside an amount: read from ``amount_currency``, CNY when not sent."""
    return serializers.ChoiceField(
        choices=CURRENCY_CHOICES,
        source="amount_currency",
        default=settings.DEFAULT_CURRENCY,
        help_text=_("ISO code; the fund must hold it."),
        **kwargs,
    )


def username_field(user: str) -> serializers.CharField:
    """Who did it, by username; null when the system itself did (a management command)."""
    return serializers.CharField(source=f"{user}.username", read_only=True, allow_null=True)


# --------------------------------------------------------------------------------------------
# donors
# --------------------------------------------------------------------------------------------
class DonorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=DonorKind.choices)
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(
        max_length=30,  # the service strips spaces and dashes, then wants exactly 18
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Unified social credit code (18 characters, GB 32100); units only."),
    )
    anonymous = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("People only: shown as anonymous on public lists."),
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    public_name = serializers.CharField(
        read_only=True,
        help_text=_("The name public lists show: units by name, people masked or anonymous."),
    )
    created_at = serializers.DateTimeField(read_only=True)


# --------------------------------------------------------------------------------------------
# donations and allocations
# --------------------------------------------------------------------------------------------
class _ReceiptLinkMixin(serializers.Serializer):
    receipt = serializers.CharField(
        source="receipt.code", read_only=True, help_text=_("Receipt code: series-number.")
    )
    receipt_void = serializers.BooleanField(
        source="receipt.is_void", read_only=True, help_text=_("True once the receipt is void.")
    )
    entry = serializers.IntegerField(
        source="entry.seq", read_only=True, help_text=_("Number of the journal entry posted.")
    )


class DonationSerializer(_ReceiptLinkMixin):
    id = serializers.IntegerField(read_only=True)
    donor = serializers.PrimaryKeyRelatedField(
        queryset=Donor.objects.all(), help_text=_("Donor id.")
    )
    donor_name = serializers.CharField(source="donor.name", read_only=True)
    fund = FundCodeField()
    amount = MoneyAmountField()
    currency = currency_field()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    received_on = serializers.DateField()
    project = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    pledge = serializers.PrimaryKeyRelatedField(
        queryset=Pledge.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Id of the donor's pledge this pays, if any."),
    )
    recorded_by = username_field("recorded_by")
    recorded_at = serializers.DateTimeField(read_only=True)


class AllocationSerializer(_ReceiptLinkMixin):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=AllocationKind.choices)
    source_name = serializers.CharField(max_length=200, help_text=_("The paying department."))
    source_credit_code = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    fund = FundCodeField()
    amount = MoneyAmountField()
    currency = currency_field()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    received_on = serializers.DateField()
    document_no = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    receipt_type = serializers.ChoiceField(
        choices=ReceiptType.choices,
        source="receipt.type",
        default=ReceiptType.SETTLEMENT,
        help_text=_(
            "Always settlement: budget money never gets a donation receipt (asking for one is "
            "refused with code wrong_receipt_type)."
        ),
    )
    recorded_by = username_field("recorded_by")
    recorded_at = serializers.DateTimeField(read_only=True)


# --------------------------------------------------------------------------------------------
# receipts and voiding
# --------------------------------------------------------------------------------------------
class ReceiptSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("Series and number: ZJ2025-00000007."))
    series = serializers.CharField(source="book.series", read_only=True)
    number = serializers.IntegerField(read_only=True)
    receipt_type = serializers.ChoiceField(
        source="type", choices=ReceiptType.choices, read_only=True
    )
    payer_name = serializers.CharField(read_only=True)
    payer_credit_code = serializers.CharField(read_only=True)
    public_payer = serializers.CharField(
        read_only=True, help_text=_("As the public verification page shows the payer.")
    )
    fund = FundCodeField(read_only=True)
    project = serializers.CharField(read_only=True)
    amount = MoneyAmountField(read_only=True)
    currency = serializers.CharField(source="amount_currency", read_only=True)
    amount_in_words = serializers.CharField(
        read_only=True, help_text=_("The amount in Chinese capitals (大写金额).")
    )
    issued_on = serializers.DateField(read_only=True)
    issued_by = username_field("issued_by")
    check_code = serializers.CharField(read_only=True)
    entry = serializers.IntegerField(source="entry.seq", read_only=True)
    status = serializers.ChoiceField(choices=ReceiptStatus.choices, read_only=True)
    void_reason = serializers.CharField(read_only=True)
    voided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class VoidRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    receipt = serializers.CharField(source="receipt.code", read_only=True)
    receipt_void = serializers.BooleanField(source="receipt.is_void", read_only=True)
    reason = serializers.CharField(
        max_length=300, help_text=_("Why the receipt is to be voided (required).")
    )
    requested_by = username_field("requested_by")
    requested_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=VoidRequestStatus.choices, read_only=True)
    decided_by = username_field("decided_by")
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decision_note = serializers.CharField(read_only=True)


class VoidApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VoidRejectSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, help_text=_("Why the void is refused (required)."))


# --------------------------------------------------------------------------------------------
# cash
# --------------------------------------------------------------------------------------------
class CashDepositSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    fund = FundCodeField()
    amount = MoneyAmountField()
    currency = currency_field()
    deposited_on = serializers.DateField()
    bank_slip = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    entry = serializers.IntegerField(source="entry.seq", read_only=True)
    recorded_by = username_field("recorded_by")
    recorded_at = serializers.DateTimeField(read_only=True)


class CashHeldSerializer(serializers.Serializer):
    fund = FundCodeField()
    currency = serializers.CharField()
    on_hand = money_field(help_text=_("Cash on hand not yet deposited."))
    oldest_undeposited = serializers.DateField(
        allow_null=True,
        help_text=_("Day the oldest cash still held came in (first in, first out)."),
    )
    days_held = serializers.IntegerField()
    overdue = serializers.BooleanField(
        help_text=_("Cash has waited more than 3 days for the bank.")
    )


# --------------------------------------------------------------------------------------------
# pledges (read from ledger.collection.selectors.PledgeRow)
# --------------------------------------------------------------------------------------------
class PledgeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pledge.id")
    donor = serializers.IntegerField(source="pledge.donor_id")
    donor_name = serializers.CharField(source="pledge.donor.name")
    fund = FundCodeField(source="pledge.fund")
    amount = MoneyAmountField(source="pledge.amount")
    currency = serializers.CharField(source="pledge.amount_currency")
    pledged_on = serializers.DateField(source="pledge.pledged_on")
    due_date = serializers.DateField(source="pledge.due_date")
    note = serializers.CharField(source="pledge.note")
    paid = MoneyAmountField(help_text=_("Valid donations linked to the pledge."))
    outstanding = MoneyAmountField()
    status = serializers.ChoiceField(choices=PledgeStatus.choices)
    days_overdue = serializers.IntegerField()
    write_off_reason = serializers.CharField(source="pledge.write_off_reason")


class PledgeCreateSerializer(serializers.Serializer):
    donor = serializers.PrimaryKeyRelatedField(
        queryset=Donor.objects.all(), help_text=_("Donor id.")
    )
    fund = serializers.CharField(max_length=20, help_text=_("Fund code, e.g. RELIEF."))
    amount = AmountField(help_text=_('Positive decimal string with at most 2 places: "1200.00".'))
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default=settings.DEFAULT_CURRENCY)
    pledged_on = serializers.DateField(required=False, help_text=_("Today when left out."))
    due_date = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PledgeQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=PledgeStatus.choices, required=False, help_text=_("Only pledges in this state.")
    )
    fund = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Fund.objects.all(),
        required=False,
        help_text=_("Only pledges to this fund (code)."),
    )


class WriteOffSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Why the pledge is written off."))
