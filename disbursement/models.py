"""Money out: recurring entitlements, payout batches, payments, bank files and bank results.

Design
------
* **Entitlements.** A recurring program (annual reward, special assistance) has ``Enrolment`` rows
  (one per beneficiary and program; active / suspended / exited, each change with a written
  reason and date in ``EnrolmentHistory``). A ``Cycle`` ("2026") of the program generates one
  ``Entitlement`` per active enrolment at the program's amount; ``(cycle, enrolment)`` is unique
  in the database, so generating twice creates nothing new. Each entitlement is booked (expense
  Dr / awards payable 2201 Cr) when it is generated: ``entry`` is never empty.
* **Batches.** A ``PayoutBatch`` gathers ``Payment`` rows for final awards (approvals ``Case`` in
  state ``final``) and entitlements of one program. Maker-checker: the database refuses
  ``approved_by = built_by``. After approval nothing is added, removed or re-pointed (trigger).
* **Payments.** Exactly one source (a case or an entitlement; CHECK). The amount equals the
  source's amount (trigger), so nothing is ever deducted. A source has at most one *live*
  payment (pending, sent or paid; partial unique indexes), so it is never paid twice; a failed
  payment is reissued as a new payment in a later batch and the failed one is marked
  ``reissued`` (``reissue_of`` links them). Status moves only forward (trigger):
  pending -> sent (batch approved) -> paid | failed, failed -> reissued. A paid payment names its
  ledger entry (awards payable Dr / bank Cr, idempotency key ``pay:<payment id>``).
* **Bank files.** ``BankLayout`` (the administrator's per-bank column layout), ``ExportLog``
  (each export: who, when, batch, sha256, rows, total) and ``BankResultImport`` (each result file
  applied, sha256 unique: the same file twice changes nothing).
* **Jobs.** ``JobProgress`` is the progress row a screen polls while a long job (cycle
  generation, batch build, export, result import) runs in Celery or in-process.

Database-held rules are the constraints below plus the triggers in ``disbursement/dbguards.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from djmoney.models.fields import MoneyField

from approvals.models import Case, Household, Person, Program, Region
from ledger.models import Fund, JournalEntry


def _money(**kwargs) -> MoneyField:
    return MoneyField(
        max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY, **kwargs
    )


def _user(**kwargs) -> models.ForeignKey:
    kwargs.setdefault("related_name", "+")
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, **kwargs)


RECURRING_CATEGORIES = ("annual_reward", "special_assistance")


# --------------------------------------------------------------------------------------------
# enrolments, cycles, entitlements
# --------------------------------------------------------------------------------------------
class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    EXITED = "exited", _("exited")


class Enrolment(ConcurrentTransitionMixin, models.Model):
    """A beneficiary enrolled in a recurring program. Exit is final (death, moved away, found
    ineligible); a suspension can be lifted (reinstated)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="enrolments"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("paid to household"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    status = FSMField(
        _("status"),
        default=EnrolmentStatus.ACTIVE,
        choices=EnrolmentStatus.choices,
        protected=True,
    )
    enrolled_on = models.DateField(_("enrolled on"))
    status_reason = models.TextField(_("reason"), blank=True)
    status_date = models.DateField(_("effective from"), null=True, blank=True)
    created_by = _user(verbose_name=_("enrolled by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["program", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        permissions = [("manage_enrolment", _("Can enrol, suspend, exit and reinstate"))]
        constraints = [
            models.UniqueConstraint(fields=["program", "person"], name="enrolment_once"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "exited"]),
                name="enrolment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="active") | ~Q(status_reason="") & Q(status_date__isnull=False),
                name="enrolment_inactive_has_reason_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.person_id} {self.status}"

    @transition(field=status, source=EnrolmentStatus.ACTIVE, target=EnrolmentStatus.SUSPENDED)
    def suspend(self, reason: str, on):
        self.status_reason, self.status_date = reason, on

    @transition(
        field=status,
        source=[EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED],
        target=EnrolmentStatus.EXITED,
    )
    def exit(self, reason: str, on):
        self.status_reason, self.status_date = reason, on

    @transition(field=status, source=EnrolmentStatus.SUSPENDED, target=EnrolmentStatus.ACTIVE)
    def reinstate(self, reason: str, on):
        # The reason stays in the history row; an active enrolment carries none.
        self.status_reason, self.status_date = "", on


class EnrolmentHistory(models.Model):
    """Every status change of an enrolment, with its reason and date. Append-only."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = _user(null=True, blank=True)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    reason = models.TextField(_("reason"), blank=True)
    effective_date = models.DateField(_("effective from"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("enrolment history")
        verbose_name_plural = _("enrolment history")

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.from_status}->{self.to_status}"


class CycleStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Cycle(models.Model):
    """One round of a recurring program ("2026"): its entitlements are generated from the
    enrolments active at generation time."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="cycles"
    )
    code = models.CharField(_("cycle"), max_length=7, help_text=_('e.g. "2026" or "2026-11"'))
    status = models.CharField(
        _("status"), max_length=6, choices=CycleStatus.choices, default=CycleStatus.OPEN
    )
    created_by = _user(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    generated_at = models.DateTimeField(_("last generated at"), null=True, blank=True)

    class Meta:
        ordering = ["program", "-code"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        permissions = [("generate_cycle", _("Can open cycles and generate entitlements"))]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="cycle_code_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "closed"]), name="cycle_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.code}"


class Entitlement(models.Model):
    """What one enrolled beneficiary is owed for one cycle; booked to awards payable when created
    (``entry``). Never changed or deleted (trigger)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="entitlements"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        related_name="entitlements",
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    amount = _money(verbose_name=_("amount"))
    entry = models.ForeignKey(
        JournalEntry, verbose_name=_("award entry"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["cycle", "id"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "enrolment"], name="entitlement_once_per_cycle"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="entitlement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.enrolment_id} {self.amount}"


# --------------------------------------------------------------------------------------------
# bank layouts
# --------------------------------------------------------------------------------------------
EXPORT_FIELDS = {
    "account": _("account number"),
    "holder": _("account holder"),
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
}
REQUIRED_EXPORT_FIELDS = ("account", "holder", "amount", "reference")
REQUIRED_RESULT_FIELDS = ("reference", "status", "amount", "bank_txn_id")


class BankLayout(models.Model):
    """How one agent bank wants its payment file and writes its result file.

    ``export_columns``: ``[[field, header], ...]`` in file order (fields from ``EXPORT_FIELDS``).
    ``result_columns``: ``{field: header}`` (fields from ``RESULT_FIELDS``; ``charge`` and
    ``failure_reason`` optional). ``paid_values`` / ``failed_values``: the status texts that mean
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


# --------------------------------------------------------------------------------------------
# batches and payments
# --------------------------------------------------------------------------------------------
class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("built, awaiting approval")
    APPROVED = "approved", _("approved")
    EXPORTED = "exported", _("sent to the bank")
    CLOSED = "closed", _("closed: every payment paid or failed")
    DISCARDED = "discarded", _("discarded")


class PayoutBatch(ConcurrentTransitionMixin, models.Model):
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="batches"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("paying fund"), on_delete=models.PROTECT, related_name="+"
    )
    # The filters the batch was built with (kept so a reader knows what it covers).
    cycle = models.CharField(_("cycle"), max_length=7, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    final_from = models.DateField(_("final from"), null=True, blank=True)
    final_to = models.DateField(_("final to"), null=True, blank=True)
    status = FSMField(
        _("status"), default=BatchStatus.DRAFT, choices=BatchStatus.choices, protected=True
    )
    total = _money(verbose_name=_("total"))
    count = models.PositiveIntegerField(_("payments"), default=0)
    skipped = models.JSONField(
        _("left out"), default=list, blank=True, help_text=_("Sources left out, with why.")
    )
    built_by = _user(verbose_name=_("built by"))
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)
    approved_by = _user(verbose_name=_("approved by"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("first exported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    discard_reason = models.TextField(_("why discarded"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        permissions = [
            ("build_payoutbatch", _("Can build payout batches")),
            ("approve_payoutbatch", _("Can approve payout batches")),
            ("export_payoutbatch", _("Can export bank payment files")),
            ("import_bankresults", _("Can import bank result files")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in BatchStatus]), name="batch_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("built_by")),
                name="batch_approver_is_not_builder",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "discarded"])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="batch_approved_has_approver",
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="batch_total_positive"),
        ]

    def __str__(self) -> str:
        return f"PB{self.pk}"

    @transition(field=status, source=BatchStatus.DRAFT, target=BatchStatus.APPROVED)
    def approve(self, user, at):
        self.approved_by, self.approved_at = user, at

    @transition(field=status, source=BatchStatus.DRAFT, target=BatchStatus.DISCARDED)
    def discard(self, reason: str):
        self.discard_reason = reason

    @transition(
        field=status,
        source=[BatchStatus.APPROVED, BatchStatus.EXPORTED],
        target=BatchStatus.EXPORTED,
    )
    def mark_exported(self, at):
        self.exported_at = self.exported_at or at

    @transition(field=status, source=BatchStatus.EXPORTED, target=BatchStatus.CLOSED)
    def close(self, at):
        self.closed_at = at


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent to the bank")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed, still owed")
    REISSUED = "reissued", _("failed, reissued")


LIVE_STATUSES = ("pending", "sent", "paid")  # at most one per source


class Payment(models.Model):
    batch = models.ForeignKey(
        PayoutBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="payments"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("award"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    entitlement = models.ForeignKey(
        Entitlement,
        verbose_name=_("entitlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    payee_name = models.CharField(_("account holder"), max_length=50)
    # A copy of the household's encrypted account at build time: the approved batch pays the
    # accounts the supervisor saw. Decrypted only into the bank file.
    account_enc = models.TextField(editable=False)
    account_hash = models.CharField(max_length=64, editable=False)
    account_last4 = models.CharField(_("account, last 4"), max_length=4, editable=False)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    amount = _money(verbose_name=_("amount"))
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    owed_since = models.DateTimeField(_("owed since"))
    status = models.CharField(
        _("status"), max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    bank_txn_id = models.CharField(_("bank transaction id"), max_length=64, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    reported_amount = models.DecimalField(
        _("amount in the result file"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    charge = models.DecimalField(
        _("bank charge"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    result_import = models.ForeignKey(
        "BankResultImport", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    entry = models.ForeignKey(
        JournalEntry,
        verbose_name=_("payment entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reissue_of = models.OneToOneField(
        "self",
        verbose_name=_("reissue of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_by",
    )

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False, entitlement__isnull=True)
                | Q(case__isnull=True, entitlement__isnull=False),
                name="payment_exactly_one_source",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PaymentStatus]),
                name="payment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | Q(entry__isnull=False, paid_at__isnull=False) & ~Q(bank_txn_id=""),
                name="payment_paid_is_booked",
            ),
            models.CheckConstraint(
                condition=Q(charge__isnull=True) | Q(charge__gte=0),
                name="payment_charge_not_negative",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=LIVE_STATUSES, case__isnull=False),
                name="payment_one_live_per_case",
            ),
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(status__in=LIVE_STATUSES, entitlement__isnull=False),
                name="payment_one_live_per_entitlement",
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="payment_batch_status")]

    def __str__(self) -> str:
        return self.reference

    @property
    def account_masked(self) -> str:
        return f"**** {self.account_last4}" if self.account_last4 else ""


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel"


class ExportLog(models.Model):
    """One bank payment file written: who, when, which batch and layout, and its sha256 (the
    file itself holds whole account numbers and is not kept in the database)."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="exports")
    layout = models.ForeignKey(BankLayout, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    sha256 = models.CharField(_("file sha256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    total = _money(verbose_name=_("total in the file"))
    filename = models.CharField(_("file name"), max_length=200)
    file_path = models.CharField(_("stored at"), max_length=500, blank=True)
    exported_by = _user(verbose_name=_("exported by"), null=True, blank=True)
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
    its own transaction); an interrupted import is finished by importing the same file again."""

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
    paid_total = _money(verbose_name=_("paid in the file"))
    failed_total = _money(verbose_name=_("failed in the file"))
    charges_total = _money(verbose_name=_("bank charges in the file"))
    imported_by = _user(verbose_name=_("imported by"), null=True, blank=True)
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
        ]

    def __str__(self) -> str:
        return self.filename


# --------------------------------------------------------------------------------------------
# long jobs
# --------------------------------------------------------------------------------------------
class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class JobProgress(models.Model):
    """The progress of one long job, polled by a page: ``current`` of ``total`` done."""

    kind = models.CharField(_("job"), max_length=30)
    status = models.CharField(
        _("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    current = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = _user(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        # Everyone sees the jobs they started; this lets a role that oversees the others
        # (disbursement/roles.py) watch any of them.
        permissions = [("view_any_job", _("Can watch every payout job"))]

    def __str__(self) -> str:
        return f"{self.kind} {self.current}/{self.total} {self.status}"

    @property
    def percent(self) -> int:
        return (
            100 if self.status == JobStatus.DONE else int(100 * self.current / max(self.total, 1))
        )
