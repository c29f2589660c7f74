"""The staff case list's filters (``/cases/``, issue 14 point 2), on the project's FilterSet base.

Every filter only narrows a queryset that is already scoped to the user's region
(``selectors.cases_for_user``): the region choice offers only the user's region and below, and a
region typed into the query string from elsewhere is refused as an invalid choice.

Search that suits Chinese: names have no spaces to split words at, so a person's name matches
on any part of it (小明 finds 张小明); case numbers match exactly or by their beginning
(RC202612 finds every case filed in December 2026), whatever the letter case.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.filters import FilterSet

from . import selectors
from .models import REVIEW_STATES, Case, CaseState, Program, Region

MAX_WAIT_DAYS = 36500


class CaseListFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="state", choices=CaseState.choices, label=_("status"), empty_label=_("all")
    )
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.order_by("code"), label=_("program"), empty_label=_("all")
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.none(),
        method="filter_region",
        label=_("region"),
        empty_label=_("all of mine"),
    )
    tier = django_filters.NumberFilter(
        field_name="current_tier",
        label=_("waiting at tier no."),
        min_value=1,
        max_value=32767,
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    waiting = django_filters.NumberFilter(
        method="filter_waiting",
        label=_("waiting at least (days)"),
        min_value=0,
        max_value=MAX_WAIT_DAYS,
        widget=forms.NumberInput(attrs={"min": 0}),
    )
    number = django_filters.CharFilter(
        method="filter_number", label=_("case number (or its beginning)"), max_length=20
    )
    name = django_filters.CharFilter(
        method="filter_name", label=_("person's name (any part)"), max_length=50
    )

    class Meta:
        model = Case
        fields = ["status", "program", "region", "tier", "waiting", "number", "name"]

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        region = selectors.staff_region(user)
        self.filters["region"].queryset = (
            selectors.regions_below(region).order_by("code")
            if region is not None
            else Region.objects.none()
        )

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__code__startswith=value.prefix)

    def filter_waiting(self, queryset, name, value):
        since = timezone.now() - timedelta(days=int(value))
        return queryset.filter(state__in=REVIEW_STATES, tier_since__lte=since)

    def filter_number(self, queryset, name, value):
        return selectors.cases_numbered(queryset, value)

    def filter_name(self, queryset, name, value):
        return selectors.cases_of_person_named(queryset, value)


def filled(query) -> dict:
    """The query string without empty parameters: a search form sends every field, filled or
    not, while the FilterSet base refuses a parameter sent empty (an API client that sends
    ``?status=`` means a value). Paging and format parameters are left out too."""
    return {
        key: value
        for key, value in query.items()
        if key not in ("after", "format", "page") and str(value).strip()
    }
