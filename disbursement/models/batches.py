"""Payout batches and their payments.

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
* **Settled once.** A payment paid or failed names the one bank result import that settled it
  (CHECK: settled iff it names an import); the trigger accepts the outcome only from an import
  of the payment's batch that is being applied, and the import named never changes after, so
  two result files can never both settle one payment.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from approvals import crypto
from approvals.models import Case, Household, Person, Program, Region
from ledger.models import Fund, JournalEntry

from .entitlements import Entitlement
from .fields import money_field, user_fk


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
    total = money_field(verbose_name=_("total"))
    count = models.PositiveIntegerField(_("payments"), default=0)
    skipped = models.JSONField(
        _("left out"), default=list, blank=True, help_text=_("Sources left out, with why.")
    )
    built_by = user_fk(verbose_name=_("built by"))
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)
    approved_by = user_fk(verbose_name=_("approved by"), null=True, blank=True)
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
IN_FLIGHT_STATUSES = ("pending", "sent")  # money that may still go to the account copied
SETTLED_STATUSES = ("paid", "failed", "reissued")  # the bank's result recorded, by one import


class AccountOwner(models.TextChoices):
    PERSON = "person", _("the payee's own account")
    HOUSEHOLD = "household", _("the household's default account")


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
    # Who is paid: a per-person entitlement pays its beneficiary, a case its household's head
    # (the applicant). Name and ID number are copied at build time (the ID encrypted, decrypted
    # only into a bank file whose layout asks for it).
    payee = models.ForeignKey(
        Person, verbose_name=_("payee"), on_delete=models.PROTECT, related_name="payments"
    )
    payee_name = models.CharField(_("account holder"), max_length=50)
    payee_id_enc = models.TextField(_("payee's ID number (encrypted)"), editable=False)
    # A copy of the payee's own encrypted account, or of the household's default when the payee
    # has none, at build time: the approved batch pays the accounts the supervisor saw.
    # Decrypted only into the bank file.
    account_owner = models.CharField(
        _("account of"),
        max_length=9,
        choices=AccountOwner.choices,
        default=AccountOwner.HOUSEHOLD,
    )
    account_enc = models.TextField(editable=False)
    account_hash = models.CharField(max_length=64, editable=False)
    account_last4 = models.CharField(_("account, last 4"), max_length=4, editable=False)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    amount = money_field(verbose_name=_("amount"))
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
            # Settled (paid, failed, and so reissued) by exactly one result import, named; a
            # payment not yet settled names none. Which import never changes (trigger).
            models.CheckConstraint(
                condition=Q(status__in=IN_FLIGHT_STATUSES, result_import__isnull=True)
                | Q(status__in=SETTLED_STATUSES, result_import__isnull=False),
                name="payment_settled_by_an_import",
            ),
            models.CheckConstraint(
                condition=Q(charge__isnull=True) | Q(charge__gte=0),
                name="payment_charge_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(account_owner__in=[a.value for a in AccountOwner])
                & ~Q(payee_id_enc=""),
                name="payment_payee_complete",
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

    @property
    def payee_id_masked(self) -> str:
        """Region and last four characters of the payee's ID number (decrypted to mask it)."""
        return crypto.mask_id_number(crypto.decrypt(self.payee_id_enc)) if self.payee_id_enc else ""
