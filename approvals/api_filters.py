"""Region scoping and query-string filters of the relief-case API.

Scoping (``*_in_scope(user)``): a staff user sees and acts on the objects of their own region
and below, never beside it (DOMAIN.md). Every queryset the API reads from, and every id or code
a request body names, goes through one of these, so an object outside the caller's region is
answered exactly like one that does not exist (404 for a path, "does not exist" for a body
field). A user without a staff region sees nothing. Cases come from
``approvals.selectors.cases_for_user``; the others follow the same prefix rule (a region's code
prefix is shared by everything below it).

The filter sets parse and validate the query string (an unknown code or state is a 400 naming
the field) and document it in the OpenAPI schema; they only narrow a scoped queryset.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from common.filters import FilterSet, IdFilter

from .models import (
    AccountChangeStatus,
    BankAccountChange,
    Case,
    CaseState,
    Household,
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Person,
    Program,
    ProgramCategory,
    Region,
)
from .selectors import (
    cases_for_user,
    cases_numbered,
    cases_of_person_named,
    regions_below,
    staff_region,
)


# --------------------------------------------------------------------------------------------
# scoping by the caller's region
# --------------------------------------------------------------------------------------------
def _prefix(user) -> str | None:
    region = staff_region(user)
    return region.prefix if region is not None else None


def regions_in_scope(user) -> QuerySet[Region]:
    region = staff_region(user)
    return regions_below(region) if region is not None else Region.objects.none()


def households_in_scope(user) -> QuerySet[Household]:
    prefix = _prefix(user)
    if prefix is None:
        return Household.objects.none()
    return Household.objects.filter(region__code__startswith=prefix)


def people_in_scope(user) -> QuerySet[Person]:
    prefix = _prefix(user)
    if prefix is None:
        return Person.objects.none()
    return Person.objects.filter(household__region__code__startswith=prefix)


def cases_in_scope(user) -> QuerySet[Case]:
    return cases_for_user(user)


def notices_in_scope(user) -> QuerySet[Notice]:
    """Notices posted in the caller's region or below, and notices posted higher up that carry a
    case of the caller's region (a village reviewer sees the township's notice of their cases;
    the detail then shows only their region's lines)."""
    prefix = _prefix(user)
    if prefix is None:
        return Notice.objects.none()
    own_items = NoticeItem.objects.filter(
        notice=OuterRef("pk"), case__region__code__startswith=prefix
    )
    return Notice.objects.filter(region__code__startswith=prefix) | Notice.objects.filter(
        Exists(own_items)
    )


def notice_items_in_scope(user) -> QuerySet[NoticeItem]:
    prefix = _prefix(user)
    if prefix is None:
        return NoticeItem.objects.none()
    return NoticeItem.objects.filter(case__region__code__startswith=prefix)


def objections_in_scope(user) -> QuerySet[Objection]:
    prefix = _prefix(user)
    if prefix is None:
        return Objection.objects.none()
    return Objection.objects.filter(case__region__code__startswith=prefix)


# --------------------------------------------------------------------------------------------
# query-string filters
# --------------------------------------------------------------------------------------------
def _region_filter(label):
    return django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        method="filter_region",
        label=label,
    )


class _RegionFilterMixin:
    region_path = "region"

    def filter_region(self, queryset, name, value):
        if value is None:
            return queryset
        # Intersects with the caller's scope: a region outside it simply gives nothing.
        return queryset.filter(**{f"{self.region_path}__code__startswith": value.prefix})


class CaseFilter(_RegionFilterMixin, django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices, label=_("Cases in this state"))
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=_("Program code")
    )
    cycle = django_filters.CharFilter(label=_('Cycle, e.g. "2026" or "2026-11"'))
    region = _region_filter(_("Region code: cases of that region and below"))
    number = django_filters.CharFilter(
        method="filter_number", label=_("Case number, or its beginning"), max_length=20
    )
    person = django_filters.CharFilter(
        method="filter_person", label=_("Any part of a household member's name"), max_length=50
    )

    class Meta:
        model = Case
        fields = ["state", "program", "cycle", "region", "number", "person"]

    def filter_number(self, queryset, name, value):
        return cases_numbered(queryset, value)

    def filter_person(self, queryset, name, value):
        return cases_of_person_named(queryset, value)


class HouseholdFilter(_RegionFilterMixin, django_filters.FilterSet):
    region = _region_filter(_("Region code: households of that region and below"))

    class Meta:
        model = Household
        fields = ["region"]


class ProgramFilter(FilterSet):
    category = django_filters.ChoiceFilter(choices=ProgramCategory.choices, label=_("Category"))
    is_active = django_filters.BooleanFilter(label=_("Open programs only (true) or closed"))

    class Meta:
        model = Program
        fields = ["category", "is_active"]


class NoticeFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices, label=_("Notice status"))
    program = django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=_("Program code")
    )
    cycle = django_filters.CharFilter(label=_("Cycle"))

    class Meta:
        model = Notice
        fields = ["status", "program", "cycle"]


class ObjectionFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ObjectionStatus.choices, label=_("Objection status")
    )
    case = IdFilter(field_name="case_id", label=_("Case id"))

    class Meta:
        model = Objection
        fields = ["status", "case"]


class BankAccountChangeFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=AccountChangeStatus.choices, label=_("Changes in this status")
    )

    class Meta:
        model = BankAccountChange
        fields = ["status"]
