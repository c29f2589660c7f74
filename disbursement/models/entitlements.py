"""Entitlements: who is enrolled in a recurring program, its cycles, and what each cycle owes.

A recurring program (annual reward, special assistance) has ``Enrolment`` rows (one per
beneficiary and program; active / suspended / exited, each change with a written reason and date
in ``EnrolmentHistory``). An enrolment is made only by a final case of the program (reviewed
tier by tier and posted on a public notice): ``source_case`` names it. A ``Cycle`` ("2026") of the program generates one ``Entitlement`` per
active enrolment at the program's amount; ``(cycle, enrolment)`` is unique in the database, so
generating twice creates nothing new. Each entitlement is booked (expense Dr / awards payable
2201 Cr) when it is generated: ``entry`` is never empty.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from approvals.models import Case, Household, Person, Program
from ledger.models import JournalEntry

from .fields import money_field, user_fk

RECURRING_CATEGORIES = ("annual_reward", "special_assistance")


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
    # The final case that enrolled the beneficiary (its approval enrols; never a click). Empty
    # only on enrolments made before this rule, which the annual confirmation re-checks anyway.
    source_case = models.ForeignKey(
        Case,
        verbose_name=_("enrolled by case"),
        on_delete=models.PROTECT,
        related_name="enrolments",
        null=True,
        blank=True,
    )
    enrolled_on = models.DateField(_("enrolled on"))
    status_reason = models.TextField(_("reason"), blank=True)
    status_date = models.DateField(_("effective from"), null=True, blank=True)
    created_by = user_fk(verbose_name=_("enrolled by"), null=True, blank=True)
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
    actor = user_fk(null=True, blank=True)
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
    created_by = user_fk(null=True, blank=True)
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
    amount = money_field(verbose_name=_("amount"))
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
