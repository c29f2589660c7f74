"""Bank files: each bank's layout, the payment files exported, the result files imported.

``BankLayout`` (the administrator's per-bank column layout), ``ExportLog`` (each export: who,
when, batch, sha256, rows, total) and ``BankResultImport`` (each result file applied, sha256
unique: the same file twice changes nothing).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .batches import PayoutBatch
from .fields import money_field, user_fk

EXPORT_FIELDS = {
    "account": _("account number"),
    "holder": _("account holder"),
    "id_number": _("account holder's ID number"),
    "amount": _("amount"),
    "reference": _("reference"),
    "currency": _("currency"),
    "bank_name": _("bank"),
    "memo": _("memo"),
}
RESULT_FIELDS = {
    "reference": _("reference"),
    "status": _("status"),
    "bank_txn_id": _("bank transaction id"),
    "amount": _("amount"),
    "failure_reason": _("failure reason"),
    "charge": _("bank charge"),
    "value_date": _("value date"),
}
REQUIRED_EXPORT_FIELDS = ("account", "holder", "amount", "reference")
REQUIRED_RESULT_FIELDS = ("reference", "status", "amount", "bank_txn_id")


class BankLayout(models.Model):
    """How one agent bank wants its payment file and writes its result file.

    ``export_columns``: ``[[field, header], ...]`` in file order (fields from ``EXPORT_FIELDS``).
    ``result_columns``: ``{field: header}`` (fields from ``RESULT_FIELDS``; ``charge``,
    ``failure_reason`` and ``value_date`` optional: without a value-date column the importer
    states the day the bank paid for the whole file). ``paid_values`` / ``failed_values``: the status texts that mean
    paid or failed; any other status in a result file is refused.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    export_columns = models.JSONField(_("payment file columns"), default=list)
    result_columns = models.JSONField(_("result file columns"), default=dict)
    paid_values = models.JSONField(_("status values meaning paid"), default=list)
    failed_values = models.JSONField(_("status values meaning failed"), default=list)
    delimiter = models.CharField(_("CSV delimiter"), max_length=1, default=",")
    encoding = models.CharField(
        _("CSV encoding"),
        max_length=10,
        default="utf-8",
        choices=[("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gb18030", "GB18030")],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("bank layout")
        verbose_name_plural = _("bank layouts")

    def __str__(self) -> str:
        return self.name

    def configuration_errors(self) -> list[str]:
        errors: list[str] = []
        cols = self.export_columns or []
        fields = [c[0] for c in cols if isinstance(c, list | tuple) and len(c) == 2]
        if len(fields) != len(cols):
            errors.append(str(_("Payment file columns must be pairs of [field, header].")))
        unknown = sorted(set(fields) - set(EXPORT_FIELDS))
        if unknown:
            errors.append(str(_("Unknown payment file fields: %s.") % ", ".join(unknown)))
        missing = [f for f in REQUIRED_EXPORT_FIELDS if f not in fields]
        if missing:
            errors.append(str(_("The payment file needs the fields: %s.") % ", ".join(missing)))
        result = self.result_columns or {}
        unknown = sorted(set(result) - set(RESULT_FIELDS))
        if unknown:
            errors.append(str(_("Unknown result file fields: %s.") % ", ".join(unknown)))
        missing = [f for f in REQUIRED_RESULT_FIELDS if f not in result]
        if missing:
            errors.append(str(_("The result file needs the fields: %s.") % ", ".join(missing)))
        if not self.paid_values or not self.failed_values:
            errors.append(str(_("Name the status values that mean paid and failed.")))
        elif set(self.paid_values) & set(self.failed_values):
            errors.append(str(_("A status value cannot mean both paid and failed.")))
        return errors

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = self.configuration_errors()
        if errors:
            raise ValidationError(errors)


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel"


class ExportLog(models.Model):
    """One bank payment file written: who, when, which batch and layout, the fields it holds, and
    its sha256 over the whole file, ID numbers included when the layout asks for them (the file
    itself holds whole account and ID numbers and is not kept in the database)."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="exports")
    layout = models.ForeignKey(BankLayout, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    sha256 = models.CharField(_("file sha256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    total = money_field(verbose_name=_("total in the file"))
    filename = models.CharField(_("file name"), max_length=200)
    columns = models.JSONField(
        _("fields in the file"),
        default=list,
        blank=True,
        help_text=_("The layout's fields the file was written with, in order (e.g. id_number)."),
    )
    file_path = models.CharField(_("stored at"), max_length=500, blank=True)
    exported_by = user_fk(verbose_name=_("exported by"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("bank file export")
        verbose_name_plural = _("bank file exports")

    def __str__(self) -> str:
        return self.filename


class ImportStatus(models.TextChoices):
    APPLYING = "applying", _("being applied")
    DONE = "done", _("applied")


class BankResultImport(models.Model):
    """One bank result file, accepted after every line was validated. Applied in chunks (each
    its own transaction); an interrupted import is finished by importing the same file again.

    At most one import of a batch is ``applying`` at a time (a partial unique index), and only
    that import may settle the batch's payments (the payment guard, ``disbursement.dbguards``):
    two files can never both settle one payment, whatever runs at the same moment."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="imports")
    layout = models.ForeignKey(BankLayout, on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(_("file sha256"), max_length=64, unique=True)
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.APPLYING
    )
    lines = models.PositiveIntegerField(_("lines"))
    paid_count = models.PositiveIntegerField(_("paid"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    already_count = models.PositiveIntegerField(_("already recorded"), default=0)
    paid_total = money_field(verbose_name=_("paid in the file"))
    failed_total = money_field(verbose_name=_("failed in the file"))
    charges_total = money_field(verbose_name=_("bank charges in the file"))
    imported_by = user_fk(verbose_name=_("imported by"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("bank result import")
        verbose_name_plural = _("bank result imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["applying", "done"]), name="import_status_valid"
            ),
            # A batch's payments are settled by one file at a time: a second file waits for the
            # first (PostgreSQL) or is refused until it is done (``results_import``), and the
            # payment guard accepts an outcome only from the batch's import being applied.
            models.UniqueConstraint(
                fields=["batch"],
                condition=Q(status="applying"),
                name="import_one_applying_per_batch",
            ),
        ]

    def __str__(self) -> str:
        return self.filename
