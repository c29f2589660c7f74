"""Query-string filters of the collection API (django-filter).

The filter sets parse and validate the query string (an unknown fund code or a malformed date is
a 400 naming the field) and document it in the OpenAPI schema. Donor search hands the text to
``selectors.donor_search`` so the API and the look-up-as-you-type screen find the same donors;
receipt status and type go through ``selectors.receipts``.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.filters import FilterSet

from ..models import Fund
from . import selectors
from .models import (
    Allocation,
    AllocationKind,
    CashDeposit,
    Donation,
    Donor,
    DonorKind,
    PaymentMethod,
    Receipt,
    ReceiptStatus,
    ReceiptType,
    ReceiptVoidRequest,
    VoidRequestStatus,
)


def _fund_filter(field_name: str = "fund") -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Fund.objects.all(),
        to_field_name="code",
        label=_("Only this fund (code)"),
    )


class DonorFilter(FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label=_("Part of the name, or the start of the credit code")
    )
    kind = django_filters.ChoiceFilter(choices=DonorKind.choices, label=_("Units or people"))

    class Meta:
        model = Donor
        fields = ["search", "kind"]

    def filter_search(self, queryset, name, value):
        # limit=None: the selector's matching rule without its look-up-as-you-type cut-off
        # (``qs[:None]`` is no slice), so the list can still be filtered and paged.
        return queryset & selectors.donor_search(value, limit=None)


class DonationFilter(FilterSet):
    date_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received on or after this day")
    )
    date_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received on or before this day")
    )
    fund = _fund_filter()
    donor = django_filters.ModelChoiceFilter(queryset=Donor.objects.all(), label=_("Donor id"))
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices, label=_("How it was paid"))
    receipt_status = django_filters.ChoiceFilter(
        field_name="receipt__status",
        choices=ReceiptStatus.choices,
        label=_("Valid donations, or those whose receipt is void"),
    )

    class Meta:
        model = Donation
        fields = ["date_from", "date_to", "fund", "donor", "method", "receipt_status"]


class AllocationFilter(FilterSet):
    date_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received on or after this day")
    )
    date_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received on or before this day")
    )
    fund = _fund_filter()
    kind = django_filters.ChoiceFilter(choices=AllocationKind.choices, label=_("Kind"))
    receipt_status = django_filters.ChoiceFilter(
        field_name="receipt__status", choices=ReceiptStatus.choices, label=_("Receipt status")
    )

    class Meta:
        model = Allocation
        fields = ["date_from", "date_to", "fund", "kind", "receipt_status"]


class ReceiptFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ReceiptStatus.choices, method="filter_noop", label=_("Valid or void")
    )
    receipt_type = django_filters.ChoiceFilter(
        choices=ReceiptType.choices, method="filter_noop", label=_("Donation or settlement")
    )
    date_from = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label=_("Issued on or after this day")
    )
    date_to = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label=_("Issued on or before this day")
    )
    fund = _fund_filter()
    series = django_filters.CharFilter(field_name="book__series", label=_("Series code"))

    class Meta:
        model = Receipt
        fields = ["status", "receipt_type", "date_from", "date_to", "fund", "series"]

    def filter_noop(self, queryset, name, value):
        return queryset  # applied by the selector in filter_queryset

    def filter_queryset(self, queryset):
        # The selector owns "receipts of this status and type", so the queryset passed in (all
        # receipts, from the same selector) is replaced, then the other filters narrow it.
        data = self.form.cleaned_data
        base = selectors.receipts(
            status=data.get("status") or None, type=data.get("receipt_type") or None
        )
        return super().filter_queryset(base)


class VoidRequestFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=VoidRequestStatus.choices, label=_("Waiting, approved or rejected")
    )

    class Meta:
        model = ReceiptVoidRequest
        fields = ["status"]


class CashDepositFilter(FilterSet):
    date_from = django_filters.DateFilter(
        field_name="deposited_on", lookup_expr="gte", label=_("Deposited on or after this day")
    )
    date_to = django_filters.DateFilter(
        field_name="deposited_on", lookup_expr="lte", label=_("Deposited on or before this day")
    )
    fund = _fund_filter()

    class Meta:
        model = CashDeposit
        fields = ["date_from", "date_to", "fund"]
