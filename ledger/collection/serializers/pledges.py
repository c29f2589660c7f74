"""JSON shapes of pledges (``/api/collection/pledges/``), read from
``ledger.collection.selectors.PledgeRow``."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api import TextField

from ...models import Fund
from ...serializers import CURRENCY_CHOICES, AmountField
from ..models import Donor, PledgeKind, PledgeStatus
from ._fields import FundCodeField, MoneyAmountField


class PledgeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pledge.id")
    kind = serializers.ChoiceField(
        source="pledge.kind",
        choices=PledgeKind.choices,
        help_text=_(
            "donation: paid by donations (donation receipts); contribution: a mandated "
            "contribution, paid by allocations (settlement receipts)."
        ),
    )
    donor = serializers.IntegerField(source="pledge.donor_id")
    donor_name = TextField(source="pledge.donor.name")
    fund = FundCodeField(source="pledge.fund")
    amount = MoneyAmountField(source="pledge.amount")
    currency = TextField(source="pledge.amount_currency")
    pledged_on = serializers.DateField(source="pledge.pledged_on")
    due_date = serializers.DateField(source="pledge.due_date")
    note = TextField(source="pledge.note")
    paid = MoneyAmountField(
        help_text=_(
            "Valid donations (for a mandated contribution: allocations) linked to the pledge."
        )
    )
    outstanding = MoneyAmountField()
    status = serializers.ChoiceField(choices=PledgeStatus.choices)
    days_overdue = serializers.IntegerField()
    write_off_reason = TextField(source="pledge.write_off_reason")


class PledgeCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=PledgeKind.choices,
        default=PledgeKind.DONATION,
        help_text=_(
            "donation (the default) or contribution: a mandated contribution (帮扶资金), paid "
            "by an allocation with a settlement receipt, never a donation receipt."
        ),
    )
    donor = serializers.PrimaryKeyRelatedField(
        queryset=Donor.objects.all(), help_text=_("Donor id.")
    )
    fund = TextField(max_length=20, help_text=_("Fund code, e.g. RELIEF."))
    amount = AmountField(help_text=_('Positive decimal string with at most 2 places: "1200.00".'))
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, default=settings.DEFAULT_CURRENCY)
    pledged_on = serializers.DateField(required=False, help_text=_("Today when left out."))
    due_date = serializers.DateField()
    note = TextField(max_length=300, required=False, allow_blank=True, default="")


class PledgeQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=PledgeStatus.choices, required=False, help_text=_("Only pledges in this state.")
    )
    kind = serializers.ChoiceField(
        choices=PledgeKind.choices, required=False, help_text=_("Only pledges of this kind.")
    )
    fund = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Fund.objects.all(),
        required=False,
        help_text=_("Only pledges to this fund (code)."),
    )


class WriteOffSerializer(serializers.Serializer):
    reason = TextField(max_length=300, help_text=_("Why the pledge is written off."))
