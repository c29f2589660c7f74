"""JSON shapes of the payout API (``disbursement/api.py``).

Serializers check shapes only (types, lengths, choices, dates); every rule of the domain (role,
maker-checker, what is owed, the fund's money, the bank file's lines) is the services', so the
API and the screens refuse the same things with the same codes.

* Money leaves as a decimal *string* with two places next to a currency code.
* Bank account numbers leave only masked (``**** 1234``); the whole number exists only in the
  bank payment file, downloaded by a role that may export it.
* Objects a request names (batches, people, regions) are looked up only within the caller's
  region: anything outside it is reported exactly like an unknown id.
* Choice fields are inline enums (``approvals.serializers.enum``): ``status`` means something
  different on a batch, a payment, an enrolment and a job.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.api_filters import people_in_scope, regions_in_scope
from approvals.models import Program
from approvals.serializers import ScopedCodeField, ScopedPrimaryKeyField, enum, money_amount
from ledger.serializers import money_field

from . import selectors
from .api_filters import JOB_KINDS, batches_in_scope
from .models import (
    BankLayout,
    BankResultImport,
    BatchStatus,
    Cycle,
    CycleStatus,
    Enrolment,
    EnrolmentHistory,
    EnrolmentStatus,
    ExportFormat,
    ExportLog,
    ImportStatus,
    JobProgress,
    JobStatus,
    Payment,
    PaymentStatus,
    PayoutBatch,
)

REASON_MAX = 2000
MAX_RESULT_FILE_BYTES = 50 * 1024 * 1024  # ~500,000 result lines; a bank file is far smaller


def _username():
    return serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)


def _program_field(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Program.objects.all(), help_text=_("Program code."), **kwargs
    )


# --------------------------------------------------------------------------------------------
# jobs
# --------------------------------------------------------------------------------------------
class JobSerializer(serializers.ModelSerializer):
    kind = enum(JOB_KINDS, read_only=True)
    status = enum(JobStatus.choices, read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text=_("0 to 100."))
    params = serializers.JSONField(
        read_only=True, help_text=_("What the job was asked to do (ids and filters).")
    )
    result = serializers.JSONField(
        read_only=True,
        help_text=_(
            "When done: what it made (batch_id, export_id, import_id, counts). When failed by a "
            "rule of the domain: its code, and for a refused bank file every problem line."
        ),
    )
    error = serializers.CharField(read_only=True, help_text=_("Why it failed; empty otherwise."))
    created_by = _username()

    class Meta:
        model = JobProgress
        fields = [
            "id",
            "kind",
            "status",
            "current",
            "total",
            "percent",
            "message",
            "params",
            "result",
            "error",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


# --------------------------------------------------------------------------------------------
# cycles and enrolments
# --------------------------------------------------------------------------------------------
class CycleSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    status = enum(CycleStatus.choices, read_only=True)
    amount = money_amount(
        "program.amount", allow_null=True, help_text=_("What each beneficiary is owed per cycle.")
    )
    currency = serializers.CharField(source="program.currency", read_only=True)
    entitlement_count = serializers.IntegerField(
        read_only=True, help_text=_("Entitlements generated so far.")
    )
    entitlement_total = money_field(allow_null=True, help_text=_("Their total; null if none."))
    created_by = _username()

    class Meta:
        model = Cycle
        fields = [
            "id",
            "program",
            "program_name",
            "code",
            "status",
            "amount",
            "currency",
            "entitlement_count",
            "entitlement_total",
            "created_by",
            "created_at",
            "generated_at",
        ]
        read_only_fields = fields


class CycleOpenSerializer(serializers.Serializer):
    program = _program_field()
    code = serializers.CharField(max_length=7, help_text=_('The cycle, e.g. "2026" or "2026-11".'))


class EnrolmentHistorySerializer(serializers.ModelSerializer):
    actor = _username()
    from_status = serializers.CharField(read_only=True, help_text=_("Empty for the enrolment."))

    class Meta:
        model = EnrolmentHistory
        fields = ["at", "actor", "from_status", "to_status", "reason", "effective_date"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    village = serializers.CharField(
        source="household.region.code", read_only=True, help_text=_("The household's village.")
    )
    status = enum(EnrolmentStatus.choices, read_only=True)
    status_reason = serializers.CharField(
        read_only=True, help_text=_("Why it is suspended or exited; empty while active.")
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "program",
            "person",
            "person_name",
            "household",
            "village",
            "status",
            "enrolled_on",
            "status_reason",
            "status_date",
            "created_at",
        ]
        read_only_fields = fields


class EnrolmentDetailSerializer(EnrolmentSerializer):
    history = EnrolmentHistorySerializer(many=True, read_only=True)

    class Meta(EnrolmentSerializer.Meta):
        fields = [*EnrolmentSerializer.Meta.fields, "history"]
        read_only_fields = fields


class EnrolmentCreateSerializer(serializers.Serializer):
    program = _program_field()
    person = ScopedPrimaryKeyField(
        scope=people_in_scope, help_text=_("Id of the beneficiary (paid to their household).")
    )
    enrolled_on = serializers.DateField(required=False, help_text=_("Default: today."))


class EnrolmentChangeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Required: written out, it is kept with the enrolment.")
    )
    on = serializers.DateField(required=False, help_text=_("Effective from; default: today."))


# --------------------------------------------------------------------------------------------
# batches and payments
# --------------------------------------------------------------------------------------------
class BatchSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(help_text=_('"PB" and the id, as on the screens.'))
    program = serializers.SlugRelatedField(slug_field="code", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    fund = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("Region the batch was built for; null: the whole county."),
    )
    status = enum(BatchStatus.choices, read_only=True)
    total = money_amount("total")
    currency = serializers.CharField(source="total_currency", read_only=True)
    built_by = _username()
    approved_by = _username()

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "label",
            "program",
            "program_name",
            "fund",
            "cycle",
            "region",
            "final_from",
            "final_to",
            "status",
            "count",
            "total",
            "currency",
            "built_by",
            "built_at",
            "approved_by",
            "approved_at",
            "exported_at",
            "closed_at",
            "discard_reason",
        ]
        read_only_fields = fields

    def get_label(self, batch: PayoutBatch) -> str:
        return f"PB{batch.pk}"


class ReconciliationSerializer(serializers.Serializer):
    agrees = serializers.BooleanField(help_text=_("True when every sum agrees."))
    currency = serializers.CharField()
    payments_count = serializers.IntegerField()
    payments_total = money_field()
    file_rows = serializers.IntegerField(
        allow_null=True, help_text=_("Rows of the latest bank file; null: not exported.")
    )
    file_total = money_field(allow_null=True)
    results_count = serializers.IntegerField(help_text=_("Payments with a result from the bank."))
    results_total = money_field(help_text=_("Amounts the bank reported, paid and failed."))
    results_paid_total = money_field()
    paid_count = serializers.IntegerField()
    paid_total = money_field()
    failed_total = money_field()
    ledger_total = money_field(help_text=_("Awards payable debited by the payment entries."))
    charges_total = money_field(help_text=_("Bank charges, booked as the fund's expense."))
    waiting_count = serializers.IntegerField(help_text=_("Sent, no result yet."))
    waiting_total = money_field()
    differences = serializers.ListField(
        child=serializers.CharField(), help_text=_("Each place where the sums differ.")
    )


class TimelinessSerializer(serializers.Serializer):
    paid = serializers.IntegerField(help_text=_("Payments paid."))
    average_days = serializers.DecimalField(
        max_digits=8,
        decimal_places=1,
        coerce_to_string=True,
        allow_null=True,
        help_text=_("Average days from final approval to payment."),
    )
    longest_days = serializers.IntegerField(allow_null=True)
    paid_late = serializers.IntegerField(help_text=_("Paid after more than late_days."))
    late_days = serializers.IntegerField()


class LeftOutSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False, help_text=_('"case" or "entitlement".'))
    label = serializers.CharField(required=False, help_text=_("Case number or beneficiary."))
    reason = serializers.CharField(required=False)
    count = serializers.IntegerField(
        required=False, help_text=_("The last element only: how many were left out in all.")
    )


class BatchDetailSerializer(BatchSerializer):
    left_out = LeftOutSerializer(
        source="skipped",
        many=True,
        read_only=True,
        help_text=_("Awards left out of the batch, with why (listed up to 200)."),
    )
    reconciliation = serializers.SerializerMethodField()
    timeliness = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "left_out", "reconciliation", "timeliness"]
        read_only_fields = fields

    @extend_schema_field(ReconciliationSerializer)
    def get_reconciliation(self, batch: PayoutBatch) -> dict:
        rec = selectors.batch_reconciliation(batch)
        body = {name: getattr(rec, name) for name in ReconciliationSerializer().fields}
        body["agrees"] = rec.agrees
        return ReconciliationSerializer(body).data

    @extend_schema_field(TimelinessSerializer)
    def get_timeliness(self, batch: PayoutBatch) -> dict:
        return TimelinessSerializer(selectors.payment_timeliness(batch=batch)).data


class BatchBuildSerializer(serializers.Serializer):
    program = _program_field()
    cycle = serializers.CharField(
        max_length=7, required=False, allow_blank=True, default="", help_text=_("Only this cycle.")
    )
    region = ScopedCodeField(
        scope=regions_in_scope,
        required=False,
        help_text=_("Only households of this region and below; default: your region."),
    )
    final_from = serializers.DateField(
        required=False, help_text=_("Only awards final on or after this day.")
    )
    final_to = serializers.DateField(
        required=False, help_text=_("Only awards final on or before this day.")
    )
    retry_unchanged = serializers.BooleanField(
        default=False,
        help_text=_(
            "Reissue failed payments even to an unchanged bank account (the bank's failure was "
            "temporary); by default they wait until the household's account is corrected."
        ),
    )

    def validate(self, data):
        if (
            data.get("final_from")
            and data.get("final_to")
            and data["final_from"] > data["final_to"]
        ):
            raise serializers.ValidationError(
                {"final_to": _("The period's first day must not be after its last day.")}
            )
        return data


class DiscardSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Why the batch is discarded; required, kept with it.")
    )


class PaymentSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text=_('"case" (an award) or "entitlement".'))
    case_number = serializers.SerializerMethodField()
    account = serializers.CharField(
        source="account_masked",
        read_only=True,
        help_text=_('Last four digits only ("**** 1234").'),
    )
    amount = money_amount("amount")
    currency = serializers.CharField(source="amount_currency", read_only=True)
    status = enum(PaymentStatus.choices, read_only=True)
    reported_amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        allow_null=True,
        help_text=_("The amount in the bank's result file."),
    )
    charge = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        coerce_to_string=True,
        read_only=True,
        allow_null=True,
        help_text=_("Bank charge, paid by the fund."),
    )
    days_to_payment = serializers.SerializerMethodField(
        help_text=_("Days from final approval to payment; null while unpaid.")
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "reference",
            "kind",
            "case",
            "case_number",
            "entitlement",
            "household",
            "payee_name",
            "account",
            "bank_name",
            "amount",
            "currency",
            "status",
            "owed_since",
            "paid_at",
            "days_to_payment",
            "bank_txn_id",
            "failure_reason",
            "reported_amount",
            "charge",
            "reissue_of",
        ]
        read_only_fields = fields

    def get_kind(self, payment: Payment) -> str:
        return "case" if payment.case_id else "entitlement"

    def get_case_number(self, payment: Payment) -> str | None:
        return payment.case.number if payment.case_id else None

    def get_days_to_payment(self, payment: Payment) -> int | None:
        return selectors.payment_days(payment)


# --------------------------------------------------------------------------------------------
# bank layouts, exports, result imports
# --------------------------------------------------------------------------------------------
class BankLayoutSerializer(serializers.ModelSerializer):
    export_columns = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        read_only=True,
        help_text=_("[field, header] pairs in file order."),
    )
    result_columns = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text=_("{field: header}.")
    )
    paid_values = serializers.ListField(child=serializers.CharField(), read_only=True)
    failed_values = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = BankLayout
        fields = [
            "id",
            "name",
            "export_columns",
            "result_columns",
            "paid_values",
            "failed_values",
            "delimiter",
            "encoding",
            "is_active",
        ]
        read_only_fields = fields


class ExportLogSerializer(serializers.ModelSerializer):
    layout_name = serializers.CharField(source="layout.name", read_only=True)
    format = enum(ExportFormat.choices, read_only=True)
    total = money_amount("total")
    currency = serializers.CharField(source="total_currency", read_only=True)
    exported_by = _username()
    downloadable = serializers.SerializerMethodField(
        help_text=_("True when the file is kept for download (exports made through a job).")
    )

    class Meta:
        model = ExportLog
        fields = [
            "id",
            "batch",
            "layout",
            "layout_name",
            "format",
            "filename",
            "sha256",
            "rows",
            "total",
            "currency",
            "exported_by",
            "exported_at",
            "downloadable",
        ]
        read_only_fields = fields

    def get_downloadable(self, log: ExportLog) -> bool:
        return bool(log.file_path)


class ExportCreateSerializer(serializers.Serializer):
    batch = ScopedPrimaryKeyField(scope=batches_in_scope, help_text=_("Id of an approved batch."))
    layout = serializers.PrimaryKeyRelatedField(
        queryset=BankLayout.objects.filter(is_active=True), help_text=_("Id of the bank layout.")
    )
    format = enum(ExportFormat.choices, default=ExportFormat.CSV)


class ResultImportSerializer(serializers.ModelSerializer):
    layout_name = serializers.CharField(source="layout.name", read_only=True)
    status = enum(ImportStatus.choices, read_only=True)
    paid_total = money_amount("paid_total")
    failed_total = money_amount("failed_total")
    charges_total = money_amount("charges_total")
    currency = serializers.CharField(source="paid_total_currency", read_only=True)
    imported_by = _username()

    class Meta:
        model = BankResultImport
        fields = [
            "id",
            "batch",
            "layout",
            "layout_name",
            "filename",
            "sha256",
            "status",
            "lines",
            "paid_count",
            "failed_count",
            "already_count",
            "paid_total",
            "failed_total",
            "charges_total",
            "currency",
            "imported_by",
            "imported_at",
            "finished_at",
        ]
        read_only_fields = fields


class ResultImportCreateSerializer(serializers.Serializer):
    batch = ScopedPrimaryKeyField(
        scope=batches_in_scope, help_text=_("Id of the batch the bank reports on.")
    )
    layout = serializers.PrimaryKeyRelatedField(
        queryset=BankLayout.objects.filter(is_active=True), help_text=_("Id of the bank layout.")
    )
    file = serializers.FileField(
        max_length=200,
        allow_empty_file=False,
        help_text=_("The bank's result file, CSV or Excel (.xlsx), as the bank wrote it."),
    )

    def validate_file(self, upload):
        if upload.size > MAX_RESULT_FILE_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than %(mb)s MB; ask the bank for one file per batch.")
                % {"mb": MAX_RESULT_FILE_BYTES // (1024 * 1024)}
            )
        return upload
