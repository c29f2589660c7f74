"""Query-string filters of the ledger API (django-filter).

The filter sets parse and validate the query string (an unknown account or fund code, or a
malformed date, is a 400 with the field named) and document it in the OpenAPI schema. The
journal filter then hands the cleaned values to ``ledger.selectors.entries``, so the API and the
journal screen filter entries with the same code.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.filters import FilterSet

from . import selectors
from .models import Account, AccountType, Fund, JournalEntry


class AccountFilter(FilterSet):
    type = django_filters.ChoiceFilter(choices=AccountType.choices, label=_("Account type"))
    is_active = django_filters.BooleanFilter(label=_("Active accounts only (true) or closed"))

    class Meta:
        model = Account
        fields = ["type", "is_active"]


class FundFilter(FilterSet):
    restricted = django_filters.BooleanFilter(label=_("Restricted funds (true) or not"))
    is_active = django_filters.BooleanFilter(label=_("Active funds only (true) or closed"))

    class Meta:
        model = Fund
        fields = ["restricted", "is_active"]


class EntryFilter(FilterSet):
    date_from = django_filters.DateFilter(label=_("Entries dated on or after this day"))
    date_to = django_filters.DateFilter(label=_("Entries dated on or before this day"))
    # field_name is the path the selector filters on; it also tells the schema the type.
    account = django_filters.ModelChoiceFilter(
        field_name="lines__account",
        queryset=Account.objects.all(),
        to_field_name="code",
        label=_("Only entries with a line on this account (code)"),
    )
    fund = django_filters.ModelChoiceFilter(
        field_name="lines__fund",
        queryset=Fund.objects.all(),
        to_field_name="code",
        label=_("Only entries with a line in this fund (code)"),
    )
    source = django_filters.CharFilter(label=_("Which part of the system posted it, e.g. api"))
    text = django_filters.CharFilter(label=_("Words in the memo"))

    class Meta:
        model = JournalEntry
        fields = ["date_from", "date_to", "account", "fund", "source", "text"]

    def filter_queryset(self, queryset):
        # The selector owns what "posted entries matching these filters" means, so the queryset
        # passed in (all posted entries) is replaced, not narrowed; the view adds its prefetches.
        data = self.form.cleaned_data
        return selectors.entries(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            account=data.get("account"),
            fund=data.get("fund"),
            source=data.get("source") or None,
            text=data.get("text") or None,
        )
