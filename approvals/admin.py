"""Admin screens for the administrator: regions, staff regions, programs with their tiers.
Households, people and cases are shown read-only, with ID and bank numbers masked (the whole
numbers are shown only through the audited reveal services). Case changes go through the
services, never through the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyMixin

from .models import (
    BankAccountChange,
    Case,
    CaseHistory,
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


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "region")
    autocomplete_fields = ("user", "region")
    search_fields = ("user__username", "region__name")


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
    fields = ("name", "relation", "is_head", "masked_id", "birth_date", "sex", "masked_bank")
    readonly_fields = fields

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return obj.id_number_masked

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
    list_display = ("tracking_code", "case", "status", "created_at")
    list_filter = ("status",)
    exclude = ("ip_hash",)


@admin.register(BankAccountChange)
class BankAccountChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only, numbers masked: changes are made and decided on the staff screens."""

    list_display = ("__str__", "household", "person", "masked_new", "status", "requested_by")
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
