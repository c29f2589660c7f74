"""Money paid in error coming back, and the post-payment sample check (抽查回访).

* **Recoveries.** A paid ``Payment`` found to be paid in error (the wrong person, someone not
  eligible, paid twice, deceased before the cycle...) gets a ``Recovery``: a receivable on the
  person for at most the payment's amount, with the reason (a code and a text) and the decision
  (its text and reference, e.g. the 管委会's minutes). One person proposes it, a second person
  with the right decides it (four eyes: ``recovery_decider_is_not_maker``); only then is it
  booked, by the recovery flow (not a manual entry): recoveries receivable 1221 Dr / the
  program's expense account Cr, in the paying fund (``entry``). Refunds (``RecoveryRefund``)
  are booked bank Dr / 1221 Cr, partial ones allowed, never above the open balance (the
  service under the recovery's row lock, and a trigger on both engines,
  ``disbursement/dbguards.py``); the recovery is settled when fully refunded. What cannot be
  recovered is written off by a second person with a reason (the expense account Dr / 1221 Cr).
  Statuses: proposed -> open (decided, booked) | rejected; open -> settled | written off.
* **Sample checks.** Per paid batch, a ``SampleCheck`` draws a random sample of the paid
  payments (its ``seed`` is stored: the same seed over the same paid payments draws the same
  sample, so an auditor can redo it) and each ``SampleCheckLine`` records what the recipient
  said: received, not received or unreachable, with a note and who checked (never the person
  who built the batch: a trigger holds it). A "not received" line is a follow-up flagged on the
  payment and on the batch, offered as the start of a recovery.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from approvals.models import Person, Program
from ledger.models import Fund, JournalEntry

from .batches import Payment, PayoutBatch
from .fields import money_field, user_fk


class RecoveryReason(models.TextChoices):
    WRONG_PERSON = "wrong_person", _("paid to the wrong person")
    NOT_ELIGIBLE = "not_eligible", _("not eligible")
    DUPLICATE = "duplicate", _("paid twice")
    DECEASED = "deceased", _("deceased before the cycle")
    WRONG_AMOUNT = "wrong_amount", _("paid more than the award")
    OTHER = "other", _("other")


class RecoveryStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed, awaiting a decision")
    REJECTED = "rejected", _("rejected")
    OPEN = "open", _("open: money owed back")
    SETTLED = "settled", _("settled: fully refunded")
    WRITTEN_OFF = "written_off", _("written off")


# A recovery still claimed (at most one per payment); open ones are the person's flag.
LIVE_RECOVERY = ("proposed", "open", "settled", "written_off")
BOOKED_RECOVERY = ("open", "settled", "written_off")


class Recovery(ConcurrentTransitionMixin, models.Model):
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="recoveries"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="recoveries"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="+"
    )
    # The expense account the award was booked to (credited when the recovery opens).
    expense_account = models.CharField(_("expense account"), max_length=20)
    amount = money_field(verbose_name=_("amount to recover"))
    reason_code = models.CharField(_("reason"), max_length=20, choices=RecoveryReason.choices)
    reason_text = models.TextField(_("what happened"))
    decision_text = models.TextField(_("decision"), blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=100, blank=True)
    status = FSMField(
        _("status"), default=RecoveryStatus.PROPOSED, choices=RecoveryStatus.choices, protected=True
    )
    created_by = user_fk(verbose_name=_("proposed by"))
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = user_fk(verbose_name=_("decided by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    entry = models.OneToOneField(
        JournalEntry,
        verbose_name=_("receivable entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_off_by = user_fk(verbose_name=_("written off by"), null=True, blank=True)
    written_off_at = models.DateTimeField(_("written off at"), null=True, blank=True)
    write_off_reason = models.TextField(_("why written off"), blank=True)
    write_off_entry = models.OneToOneField(
        JournalEntry,
        verbose_name=_("write-off entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The maker's submit key: a double click or a retried API call proposes once.
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        permissions = [
            ("approve_recovery", _("Can decide recoveries proposed by someone else")),
            ("write_off_recovery", _("Can write off recoveries")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RecoveryStatus]),
                name="recovery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("created_by")),
                name="recovery_decider_is_not_maker",
            ),
            models.CheckConstraint(
                condition=Q(written_off_by__isnull=True) | ~Q(written_off_by=F("created_by")),
                name="recovery_write_off_is_not_maker",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=BOOKED_RECOVERY)
                | Q(decided_by__isnull=False, decided_at__isnull=False, entry__isnull=False),
                name="recovery_booked_is_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(decided_by__isnull=False, entry__isnull=True),
                name="recovery_rejected_is_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status="written_off")
                | Q(written_off_by__isnull=False, write_off_entry__isnull=False)
                & ~Q(write_off_reason=""),
                name="recovery_written_off_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reason_text="") & ~Q(idempotency_key=""),
                name="recovery_reason_given",
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status__in=LIVE_RECOVERY),
                name="recovery_one_live_per_payment",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="recovery_person_status")]

    def __str__(self) -> str:
        return f"RC{self.pk}"

    @transition(field=status, source=RecoveryStatus.PROPOSED, target=RecoveryStatus.OPEN)
    def open(self, user, at, entry):
        self.decided_by, self.decided_at, self.entry = user, at, entry

    @transition(field=status, source=RecoveryStatus.PROPOSED, target=RecoveryStatus.REJECTED)
    def reject(self, user, at):
        self.decided_by, self.decided_at = user, at

    @transition(field=status, source=RecoveryStatus.OPEN, target=RecoveryStatus.SETTLED)
    def settle(self):
        pass

    @transition(field=status, source=RecoveryStatus.OPEN, target=RecoveryStatus.WRITTEN_OFF)
    def write_off(self, user, at, reason, entry):
        self.written_off_by, self.written_off_at = user, at
        self.write_off_reason, self.write_off_entry = reason, entry


class RefundMethod(models.TextChoices):
    BANK = "bank", _("bank transfer to the fund's account")
    COUNTER = "counter", _("paid in at the bank's counter")


class RecoveryRefund(models.Model):
    """Money the person paid back against a recovery (never income: no receipt, a refund slip
    number instead). Never changed or deleted; the sum of a recovery's refunds never exceeds
    its amount (trigger)."""

    recovery = models.ForeignKey(
        Recovery, verbose_name=_("recovery"), on_delete=models.PROTECT, related_name="refunds"
    )
    number = models.CharField(_("refund slip number"), max_length=30, unique=True)
    amount = money_field(verbose_name=_("amount refunded"))
    received_on = models.DateField(_("received on"))
    method = models.CharField(
        _("how it was paid back"), max_length=10, choices=RefundMethod.choices
    )
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    entry = models.OneToOneField(
        JournalEntry, verbose_name=_("refund entry"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = user_fk(verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    idempotency_key = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(method__in=[m.value for m in RefundMethod]), name="refund_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class SampleOutcome(models.TextChoices):
    PENDING = "", _("not checked yet")
    RECEIVED = "received", _("received")
    NOT_RECEIVED = "not_received", _("not received")
    UNREACHABLE = "unreachable", _("unreachable")


class SampleCheck(models.Model):
    """The draw of a paid batch's post-payment check: which payments, and how they were drawn."""

    batch = models.OneToOneField(
        PayoutBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="sample_check"
    )
    seed = models.CharField(_("random seed"), max_length=32)
    population = models.PositiveIntegerField(_("paid payments drawn from"))
    size = models.PositiveIntegerField(_("sample size"))
    drawn_by = user_fk(verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sample check")
        verbose_name_plural = _("sample checks")
        permissions = [("record_samplecheck", _("Can draw and record post-payment checks"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0) & Q(size__lte=F("population")) & ~Q(seed=""),
                name="samplecheck_size_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"SC{self.pk}"


class SampleCheckLine(models.Model):
    sample = models.ForeignKey(
        SampleCheck, verbose_name=_("sample check"), on_delete=models.PROTECT, related_name="lines"
    )
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="sample_line"
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, blank=True, choices=SampleOutcome.choices
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_by = user_fk(verbose_name=_("checked by"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("sample check line")
        verbose_name_plural = _("sample check lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=[o.value for o in SampleOutcome]),
                name="sampleline_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome="", checked_by__isnull=True)
                | ~Q(outcome="") & Q(checked_by__isnull=False, checked_at__isnull=False),
                name="sampleline_checked_has_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}/{self.payment_id}"
