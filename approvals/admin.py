"""Admin screens for the administrator: regions, staff regions, programs with their tiers.
Households, people and cases are shown read-only, with ID and bank numbers masked (the whole
numbers are shown only through the audited reveal services). Case changes go through the
services, never through the admin."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import uploads, workdays
from common.admin import ReadOnlyMixin
from common.people import person_column
from ledger.audit import AuditAction, audit

from . import services
from .exceptions import ApprovalsError
from .models import (
    BankAccountChange,
    Case,
    CaseHistory,
    HolidayScheduleDay,
    HolidayScheduleYear,
    Household,
    Notice,
    NoticeItem,
    Objection,
    Person,
    Program,
    ProgramTier,
    Region,
    StaffProfile,
)
from .models.calendar import day_problem
from .selectors import OBJECTOR_FIELDS, objector_visible


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    """A staff user's region (what they see and act on: that region and below). Saved through
    ``staff_region_set`` (audited ``staff.region``). Roles are not given here: they are asked in
    Role grants and approved by a second administrator (``fundapp.grants``)."""

    list_display = ("user", "full_name", "region", "region_level")
    list_filter = ("region__level",)
    autocomplete_fields = ("user", "region")
    search_fields = ("user__username", "user__first_name", "user__last_name", "region__name")
    list_select_related = ("user", "region")

    @admin.display(description=_("name"))
    def full_name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description=_("level"))
    def region_level(self, obj):
        return obj.region.get_level_display()

    def save_model(self, request, obj, form, change):
        profile = services.staff_region_set(user=obj.user, region=obj.region, actor=request.user)
        obj.pk = profile.pk
        obj._state.adding = False


class ProgramTierInline(admin.TabularInline):
    model = ProgramTier
    extra = 0
    fields = (
        "order",
        "name_zh",
        "name_en",
        "role",
        "region_level",
        "min_amount",
        "review_days",
        "notice_level",
    )


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "category",
        "fund",
        "charges_fund",
        "amount_rule",
        "is_active",
    )
    list_filter = ("category", "amount_rule", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    filter_horizontal = ("allowed_regions", "excludes")
    inlines = [ProgramTierInline]


class PersonInline(ReadOnlyMixin, admin.TabularInline):
    model = Person
    extra = 0
    fields = (
        "name",
        "relation",
        "is_head",
        "masked_id",
        "age",
        "sex",
        "status",
        "status_date",
        "masked_bank",
    )
    readonly_fields = fields

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return obj.id_number_masked

    # The age, never the birth date: beside even a masked ID number it narrows the number down.
    @admin.display(description=_("Age"))
    def age(self, obj):
        return obj.age

    @admin.display(description=_("own bank account"))
    def masked_bank(self, obj):
        return f"{obj.bank_name} {obj.bank_account_masked}".strip()


@admin.register(Household)
class HouseholdAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "__str__", "region", "bank_name", "masked_bank", "created_at")
    list_filter = ("region__level",)
    search_fields = ("people__name", "region__name")
    fields = ("region", "address", "phone", "bank_name", "masked_bank", "created_by", "created_at")
    readonly_fields = fields
    inlines = [PersonInline]

    @admin.display(description=_("bank account"))
    def masked_bank(self, obj):
        return obj.bank_account_masked


class CaseHistoryInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseHistory
    extra = 0
    fields = ("at", "actor", "from_state", "to_state", "tier", "decision", "comment")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "program", "cycle", "region", "amount", "state", "current_tier")
    list_filter = ("state", "program", "cycle")
    search_fields = ("number",)
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseHistoryInline]


class NoticeItemInline(ReadOnlyMixin, admin.TabularInline):
    model = NoticeItem
    extra = 0
    fields = ("case", "display_name", "people_count", "amount", "village_name", "struck")
    readonly_fields = fields


@admin.register(Notice)
class NoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("__str__", "status", "starts_on", "ends_on")
    list_filter = ("status", "program")
    inlines = [NoticeItemInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only; the objector's name, contact and tracking code only for the role that handles
    objections (``selectors.objector_visible``, the rule of the screens and the API)."""

    list_display = ("id", "case", "status", "created_at")
    list_filter = ("status",)

    def get_exclude(self, request, obj=None):
        hidden = ["ip_hash"]
        if not objector_visible(request.user):
            hidden += list(OBJECTOR_FIELDS)
        return hidden

    def get_list_display(self, request):
        if objector_visible(request.user):
            return ("tracking_code", "case", "status", "created_at")
        return self.list_display


@admin.register(BankAccountChange)
class BankAccountChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only, numbers masked: changes are made and decided on the staff screens."""

    list_display = (
        "__str__",
        "household",
        "person",
        "masked_new",
        "status",
        person_column("requested_by", _("Requested by")),
    )
    list_filter = ("status",)
    fields = (
        "household",
        "person",
        "bank_name",
        "masked_previous",
        "masked_new",
        "reason",
        "pending_payments",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields

    @admin.display(description=_("new account"))
    def masked_new(self, obj):
        return obj.bank_account_masked

    @admin.display(description=_("previous account"))
    def masked_previous(self, obj):
        return obj.previous_masked


class HolidayDaysFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        year = getattr(self.instance, "year", None)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            problem = day_problem(data.get("date"), data.get("kind", ""), year)
            if problem:
                form.add_error("date", problem)


class HolidayScheduleDayInline(admin.TabularInline):
    model = HolidayScheduleDay
    formset = HolidayDaysFormSet
    extra = 3
    fields = ("date", "kind", "note")


class HolidayImportForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("schedule file (CSV)"),
        validators=[uploads.size_validator("holidays")],
        help_text=_(
            "A header line, then one line per day: date (YYYY-MM-DD), kind (holiday or "
            "workday, also 休 / 班), note. The file replaces the days of that year."
        ),
    )
    source = forms.CharField(
        label=_("source"), max_length=200, required=False, help_text=_("e.g. 国办发明电〔2026〕N号")
    )
    complete = forms.BooleanField(
        label=_("the file is the year's whole schedule"), required=False, initial=True
    )


@admin.register(HolidayScheduleYear)
class HolidayScheduleYearAdmin(admin.ModelAdmin):
    """The official holidays and make-up workdays of a year, for working-day counts when the
    calendar package does not know the year yet (or to correct it); ``complete`` makes the
    year count. Every change is audited."""

    list_display = (
        "year",
        "complete",
        "day_count",
        "source",
        person_column("changed_by", _("Changed by")),
        "changed_at",
    )
    fields = ("year", "complete", "source", "known_by_package")
    readonly_fields = ("known_by_package",)
    inlines = [HolidayScheduleDayInline]
    change_list_template = "admin/approvals/holidayscheduleyear/change_list.html"

    @admin.display(description=_("days entered"))
    def day_count(self, obj):
        return obj.days.count()

    @admin.display(description=_("known by the calendar package"), boolean=True)
    def known_by_package(self, obj):
        first, last = workdays.covered_years()
        return obj.year is not None and first <= obj.year <= last

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit(
            actor=request.user,
            action=AuditAction.HOLIDAY_SCHEDULE_CHANGE,
            obj=obj,
            year=obj.year,
            complete=obj.complete,
            days=obj.days.count(),
            changed=sorted(
                {*form.changed_data, *(f"days.{n}" for fs in formsets for n in _changed(fs))}
            ),
        )

    def delete_model(self, request, obj):
        audit(
            actor=request.user,
            action=AuditAction.HOLIDAY_SCHEDULE_CHANGE,
            obj=obj,
            year=obj.year,
            deleted=True,
        )
        super().delete_model(request, obj)

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="approvals_holidayscheduleyear_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request):
        if not request.user.has_perm("approvals.import_holidayscheduleyear"):
            raise PermissionDenied
        from .services import holiday_schedule_import

        form = HolidayImportForm(
            request.POST or None,
            request.FILES or None,
            initial={"year": timezone.localdate().year + 1},
        )
        if request.method == "POST" and form.is_valid():
            try:
                schedule = holiday_schedule_import(
                    year=form.cleaned_data["year"],
                    content=form.cleaned_data["file"].read(),
                    complete=form.cleaned_data["complete"],
                    source=form.cleaned_data["source"],
                    actor=request.user,
                )
            except ApprovalsError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    _("The holiday schedule of %(year)s now holds %(n)s days.")
                    % {"year": schedule.year, "n": schedule.days.count()},
                    messages.SUCCESS,
                )
                return redirect(
                    reverse("admin:approvals_holidayscheduleyear_change", args=[schedule.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a year's holiday schedule"),
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/approvals/holidayscheduleyear/import.html",
            context,
            status=400 if form.errors else 200,
        )


def _changed(formset) -> list[str]:
    rows = [
        *(str(o.date) for o in getattr(formset, "new_objects", [])),
        *(str(o.date) for o, _f in getattr(formset, "changed_objects", [])),
        *(str(o.date) for o in getattr(formset, "deleted_objects", [])),
    ]
    return rows
