"""JSON shapes of the bank files: bank layouts, the export log and the request that exports a
batch, the bank result imports and the upload of a result file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.serializers import ScopedPrimaryKeyField, enum, money_amount
from common import uploads
from common.api import TextField

from ..api_filters import batches_in_scope
from ..models import BankLayout, BankResultImport, ExportFormat, ExportLog, ImportStatus
from .common import username_field


class BankLayoutSerializer(serializers.ModelSerializer):
    export_columns = serializers.ListField(
        child=serializers.ListField(child=TextField(), min_length=2, max_length=2),
        read_only=True,
        help_text=_("[field, header] pairs in file order."),
    )
    result_columns = serializers.DictField(
        child=TextField(), read_only=True, help_text=_("{field: header}.")
    )
    paid_values = serializers.ListField(child=TextField(), read_only=True)
    failed_values = serializers.ListField(child=TextField(), read_only=True)

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
    layout_name = TextField(source="layout.name", read_only=True)
    format = enum(ExportFormat.choices, read_only=True)
    total = money_amount("total")
    currency = TextField(source="total_currency", read_only=True)
    exported_by = username_field()
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
            "columns",
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
    layout_name = TextField(source="layout.name", read_only=True)
    status = enum(ImportStatus.choices, read_only=True)
    paid_total = money_amount("paid_total")
    failed_total = money_amount("failed_total")
    charges_total = money_amount("charges_total")
    currency = TextField(source="paid_total_currency", read_only=True)
    imported_by = username_field()

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
    value_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The day the bank paid (YYYY-MM-DD), for a layout whose file has no value-date "
            "column; default: today. Never after today, before the batch was sent, or in a "
            "closed period."
        ),
    )

    def validate_file(self, upload):
        try:
            uploads.check_size(upload.size, "bank_result", upload.name or "")
        except uploads.UploadRefused as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return upload
