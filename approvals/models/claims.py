"""Award claims: one beneficiary, one award per program and cycle, held by the database.

An award reaches a person by two roads: a relief case of the program that becomes final
(``approvals``), or a recurring program's entitlement booked for a cycle (``disbursement``). Each
books money as owed; each used to be paid on its own, so a person enrolled in the reward program
and also awarded through a reward case in the same cycle was paid twice in one batch.

``AwardClaim`` is the one place both roads write: one row per beneficiary and source, inserted in
the same transaction that books the award (``case_finalise``) or the entitlement
(``cycle_generate``). A partial unique constraint allows **one live claim per person, program
and cycle** whatever its source, on both engines; the services read it first to refuse the
second source with a message naming the first (the case number, or the entitlement's cycle).

* ``live`` — the award is owed or paid; a reissue of a failed payment pays the same source and
  claim (no new row).
* ``cancelled`` — the source was cancelled (a cancelled case): the person is free again in that
  program and cycle.
* ``duplicate`` — written only by the migration that introduced this table, for a second source
  already booked before the rule existed; it is reported then, left out of payout batches (with
  its reason) and never counts against the rule. Cancelling the extra source settles it.

Rows are keyed by ``(source, source_id, person)``: ``source_id`` is a case's or an entitlement's
primary key (the entitlement lives in an app above this one, so no foreign key points up to it);
``label`` is what a refusal names.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .programs import Program
from .registry import Person


class ClaimSource(models.TextChoices):
    CASE = "case", _("relief case")
    ENTITLEMENT = "entitlement", _("entitlement")


class ClaimStatus(models.TextChoices):
    LIVE = "live", _("live")
    CANCELLED = "cancelled", _("cancelled")
    DUPLICATE = "duplicate", _("duplicate found on migration")


class AwardClaim(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="claims"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    cycle = models.CharField(_("cycle"), max_length=7)
    source = models.CharField(_("source"), max_length=12, choices=ClaimSource.choices)
    source_id = models.BigIntegerField(_("source id"))
    label = models.CharField(_("source"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.LIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("award claim")
        verbose_name_plural = _("award claims")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "program", "cycle"],
                condition=Q(status="live"),
                name="awardclaim_one_live_per_person_program_cycle",
            ),
            models.UniqueConstraint(
                fields=["source", "source_id", "person"], name="awardclaim_once_per_source"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["case", "entitlement"]), name="awardclaim_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["live", "cancelled", "duplicate"]),
                name="awardclaim_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="live") | Q(closed_at__isnull=False) | Q(status="duplicate"),
                name="awardclaim_cancelled_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.program_id}:{self.cycle} {self.source} {self.label}"
