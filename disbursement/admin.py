"""Admin screens of the payout domain.

* Bank layouts are configuration: the administrator adds and edits them here, a column at a
  time (``layout_forms``: validated field by field, then by ``BankLayout.configuration_errors``),
  with a preview of the payment file and the result file's header.
* Everything else (enrolments, cycles, annual confirmations, entitlements, batches, payments, exports, result imports,
  jobs) is read-only here: it changes only through ``disbursement.services`` (maker-checker,
  money checks, ledger postings), and the database refuses the rest anyway.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin
from common.people import person_column

from .layout_forms import EXPORT_FIELD_NAMES, RESULT_FIELD_NAMES, BankLayoutForm, layout_preview
from .models import (
    BankLayout,
    BankResultImport,
    Confirmation,
    Cycle,
    Enrolment,
    Entitlement,
    ExportLog,
    JobProgress,
    Payment,
    PayoutBatch,
)


@admin.register(BankLayout)
class BankLayoutAdmin(admin.ModelAdmin):
    """A form per column, never raw JSON (``layout_forms.BankLayoutForm``), and a preview of
    the files the layout makes (on the change page, after a save)."""

    form = BankLayoutForm
    list_display = ["name", "encoding", "delimiter", "is_active"]
    readonly_fields = ["preview"]

    def get_fieldsets(self, request, obj=None):
        sets = [
            (None, {"fields": ["name", "delimiter", "encoding", "is_active"]}),
            (
                _("Payment file: the columns the bank wants, by position"),
                {
                    "fields": [
                        tuple(EXPORT_FIELD_NAMES[i : i + 2])
                        for i in range(0, len(EXPORT_FIELD_NAMES), 2)
                    ]
                },
            ),
            (
                _("Result file: the bank's header of each column"),
                {"fields": RESULT_FIELD_NAMES + ["paid_values_text", "failed_values_text"]},
            ),
        ]
        if obj is not None:
            sets.append((_("Preview"), {"fields": ["preview"]}))
        return sets

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        return layout_preview(obj)


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = [
        "program",
        "person",
        "household",
        "source_case",
        "status",
        "enrolled_on",
        "status_date",
    ]
    list_filter = ["program", "status"]


@admin.register(Confirmation)
class ConfirmationAdmin(ReadOnlyAdmin):
    list_display = [
        "cycle",
        "status",
        "current_tier",
        person_column("prepared_by", _("Prepared by")),
        person_column("approved_by", _("Approved by")),
    ]
    list_filter = ["status", "program"]


@admin.register(Cycle)
class CycleAdmin(ReadOnlyAdmin):
    list_display = ["program", "code", "status", "generated_at"]


@admin.register(Entitlement)
class EntitlementAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "enrolment", "amount", "created_at"]


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "program",
        "status",
        "count",
        "total",
        person_column("built_by", _("Built by")),
        person_column("approved_by", _("Approved by")),
    ]
    list_filter = ["status", "program"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "payee_name",
        "payee_id_masked",
        "account_masked",
        "amount",
        "status",
        "paid_at",
    ]
    list_filter = ["status"]
    search_fields = ["reference", "bank_txn_id"]
    exclude = ["account_enc", "account_hash", "payee_id_enc"]


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = [
        "filename",
        "batch",
        "format",
        "rows",
        "total",
        person_column("exported_by", _("Exported by")),
        "exported_at",
    ]
    exclude = ["file_path"]


@admin.register(BankResultImport)
class BankResultImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "batch", "status", "paid_count", "failed_count", "imported_at"]


@admin.register(JobProgress)
class JobProgressAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "status",
        "current",
        "total",
        "attempt",
        "heartbeat_at",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
