"""Admin screens of the books.

* Accounts and funds are configuration: the administrator adds and edits them here (the role
  holds add/change permissions; nothing here deletes a used account or fund, ``PROTECT`` refuses).
* Periods are shown, never edited here: opening and closing go through ``ledger.services``
  (``period_open`` checks overlaps, ``period_close`` records who closed it).
* Receipt books are configuration: the administrator adds one (or starts the next year's from
  the list) and takes one out of use; a book receipts were issued from keeps its numbers. Through
  the collection's services (overlap refused, audited).
* Amount ceilings (``ledger.limits``) are configuration too: the administrator raises or lowers
  the ceiling of a kind of document here; each change is audited.
* Entry requests (manual entries and reversals by four eyes) are shown, never edited here: they
  are asked and decided through ``ledger.services.requests``.
* Posted entries, their lines, stored balances and audit events are strictly read-only: the admin
  grants no add, change or delete on them to anyone, superusers included. The database refuses
  such writes anyway (``ledger/dbguards/``); this keeps the screens from offering them.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.admin import ReadOnlyAdmin, ReadOnlyMixin
from common.errors import FundError
from common.people import person_column

from .audit import AuditAction, audit
from .collection import services as collection_services
from .models import (
    Account,
    AmountCeiling,
    AuditEvent,
    Balance,
    EntryRequest,
    EntryRequestAttachment,
    Fund,
    JournalEntry,
    JournalLine,
    Period,
    Purpose,
    ReceiptBook,
)


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class CodeFrozenOnceUsedMixin:
    """The code is read-only once a journal line uses the account or fund: entry hashes cover
    it, and the database refuses the change anyway (``ledger/dbguards/``)."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk and obj.lines.exists():
            fields += ("code",)
        return fields


@admin.register(Account)
class AccountAdmin(CodeFrozenOnceUsedMixin, admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "type", "normal_side", "parent", "is_active")
    list_filter = ("type", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("code",)
    autocomplete_fields = ("parent",)
    actions = None

    def has_delete_permission(self, request, obj=None):
        return False  # retire an account with "active" off; its lines must keep pointing at it


class FundForm(forms.ModelForm):
    """Purposes and currencies as checkboxes instead of raw JSON."""

    purposes = forms.MultipleChoiceField(
        label=_("allowed purposes"),
        choices=Purpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Purpose codes this fund may pay; an unrestricted fund may pay any."),
    )
    currencies = forms.MultipleChoiceField(
        label=_("currencies held"),
        choices=[(c, c) for c in settings.CURRENCIES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Fund
        fields = ("code", "name_zh", "name_en", "restricted", "purposes", "currencies", "is_active")

    def clean(self):
        data = super().clean()
        if data.get("restricted") and not data.get("purposes"):
            self.add_error("purposes", _("A restricted fund must allow at least one purpose."))
        return data


@admin.register(Fund)
class FundAdmin(CodeFrozenOnceUsedMixin, admin.ModelAdmin):
    form = FundForm
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "restricted",
        "purposes",
        "currencies",
        "is_active",
    )
    list_filter = ("restricted", "is_active")
    search_fields = ("code", "name_zh", "name_en")
    actions = None

    def has_delete_permission(self, request, obj=None):
        return False  # retire a fund with "active" off; its lines must keep pointing at it


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "start",
        "end",
        "status",
        "closed_at",
        person_column("closed_by", _("Closed by")),
    )
    list_filter = ("status",)
    ordering = ("-start",)


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ("line_no", "account", "fund", "side", "amount", "balance_after", "memo")
    readonly_fields = fields
    ordering = ("line_no",)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "date",
        "period",
        "memo",
        "source",
        "status",
        person_column("posted_by", _("Posted by")),
        "posted_at",
    )
    list_filter = ("status", "source", "period")
    search_fields = ("=seq", "memo", "idempotency_key", "hash")
    date_hierarchy = "date"
    list_select_related = ("period", "posted_by")
    inlines = [JournalLineInline]


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ("entry", "line_no", "account", "fund", "side", "amount", "balance_after")
    list_filter = ("side", "fund", "account")
    list_select_related = ("entry", "account", "fund")
    search_fields = ("=entry__seq", "memo")


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("account", "fund", "currency", "balance")
    list_filter = ("currency", "fund")
    list_select_related = ("account", "fund")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", person_column("actor", _("Who")), "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id")
    list_select_related = ("actor",)


class ReceiptBookForm(forms.ModelForm):
    """A receipt book's type, series and number range, checked as the services check them
    (no overlap with another book of the series; a used book's numbers never change), each
    message next to its field."""

    class Meta:
        model = ReceiptBook
        fields = ["type", "series", "first_number", "last_number", "active"]

    def clean(self):
        data = super().clean()
        series = (data.get("series") or "").strip()
        first, last = data.get("first_number"), data.get("last_number")
        if first is not None and last is not None and series:
            if first < 1:
                self.add_error("first_number", _("The first number is 1 or more."))
            elif last < first:
                self.add_error("last_number", _("The last number cannot come before the first."))
            else:
                clash = (
                    ReceiptBook.objects.filter(
                        series=series, first_number__lte=last, last_number__gte=first
                    )
                    .exclude(pk=self.instance.pk)
                    .first()
                )
                if clash is not None:
                    self.add_error(
                        "first_number",
                        _("Numbers %(a)s-%(b)s of series %(s)s overlap the book %(book)s.")
                        % {"a": first, "b": last, "s": series, "book": clash},
                    )
        return data


@admin.register(ReceiptBook)
class ReceiptBookAdmin(admin.ModelAdmin):
    """Receipt books (issue 14, point 5): add one (next year's, or when a book runs out), take
    one out of use. A book from which a receipt was issued keeps its type, series and numbers
    (printed on paper, counted without gaps): only "in use" changes. Writes go through the
    collection's services (audited); nothing here deletes a book."""

    form = ReceiptBookForm
    list_display = ("__str__", "type", "used", "active", "next_book")
    list_filter = ("type", "active")
    search_fields = ("series",)
    actions = None

    @admin.display(description=pgettext_lazy("receipt book", "used"))
    def used(self, obj):
        return f"{obj.receipts.count()} / {obj.size}"

    @admin.display(description=_("next book"))
    def next_book(self, obj):
        initial = collection_services.receipt_book_next(obj, today=timezone.localdate())
        url = reverse("admin:ledger_receiptbook_add") + "?" + urlencode(initial)
        return format_html('<a href="{}">{}</a>', url, _("Start the next book"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.pk and obj.receipts.exists():
            return ("type", "series", "first_number", "last_number")
        return ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            data = form.cleaned_data
            try:
                collection_services.receipt_book_change(
                    book=obj,
                    active=obj.active,
                    type=data.get("type"),
                    series=data.get("series"),
                    first_number=data.get("first_number"),
                    last_number=data.get("last_number"),
                    actor=request.user,
                )
            except FundError as exc:  # a receipt issued since the form was opened
                self.message_user(request, str(exc), messages.ERROR)
            return
        book = collection_services.receipt_book_create(
            type=obj.type,
            series=obj.series,
            first_number=obj.first_number,
            last_number=obj.last_number,
            actor=request.user,
        )
        if not obj.active:
            collection_services.receipt_book_change(book=book, active=False, actor=request.user)
        obj.pk, obj.created_at = book.pk, book.created_at
        obj._state.adding = False


@admin.register(AmountCeiling)
class AmountCeilingAdmin(admin.ModelAdmin):
    list_display = ("kind", "ceiling", "updated_at")
    ordering = ("kind",)
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "updated_at") if obj is not None and obj.pk else ("updated_at",)

    def has_delete_permission(self, request, obj=None):
        return False  # lower or raise a ceiling; without a row the default applies

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = (
                AmountCeiling.objects.filter(pk=obj.pk).values_list("ceiling", flat=True).first()
                if obj.pk
                else None
            )
            super().save_model(request, obj, form, change)
            audit(
                actor=request.user,
                action=AuditAction.CEILING_CHANGE,
                obj=obj,
                kind=obj.kind,
                before=str(before) if before is not None else None,
                after=str(obj.ceiling),
            )


class EntryRequestAttachmentInline(ReadOnlyInline):
    model = EntryRequestAttachment
    fields = ("name", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields


@admin.register(EntryRequest)
class EntryRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "date",
        person_column("made_by", _("Asked by")),
        person_column("decided_by", _("Decided by")),
        "made_at",
        "entry",
    )
    list_filter = ("kind", "status")
    search_fields = ("=id", "memo", "reason")
    list_select_related = ("made_by", "decided_by", "entry")
    inlines = [EntryRequestAttachmentInline]
