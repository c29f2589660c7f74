"""The annual confirmation (年审 / 资格确认) of a recurring program's cycle.

Before a cycle's entitlements are booked, every person enrolled in the program is checked again
against the program's rules on the program's eligibility day in the cycle's year (age, allowed
regions, excluded programs, whether the person still lives here, the enrolment's status). The
``Confirmation`` lists them as ``ConfirmationRow``s: *continued* (paid in an earlier cycle),
*new* (enrolled since) or *stopped* (with the reasons). The list then goes through the program's
review tiers — at each tier every region of that tier's level holding rows is signed off by a
reviewer of the tier's role working there (``ConfirmationSignoff``), who may stop a row with a
written reason first — then on a public notice (masked names, like a case's notice), and after
the notice the cycle is approved by a second person, never the one who prepared the list. The
approval books the entitlements of the continued and new rows, in the same transaction.

What the database holds: one confirmation per cycle; the state's own fields (a tier only in
review, the notice's dates once posted, never backdated, the approver and time once approved);
the approver is not the preparer; one row per enrolment; a stopped row has a reason; one
sign-off per tier and region. An entitlement can only be inserted for a continued or new row of
an approved confirmation (``disbursement.dbguards``, on both engines), and never for a row that
is *held*: with an open objection, or sent back to a tier after an upheld one.

Notices after intermediate tiers (``ProgramTier.notice_level``, as for cases): when a tier that
asks for one has signed the list off, the rows of each region of that level are posted on a
``ConfirmationNotice`` of their own, and the next tier signs a region off only after its notice
has run its full period. After the last tier the list is posted at that tier's notice level:
county-wide (the confirmation's own notice fields) when it says county or nothing; when it says
village or township, one ``ConfirmationNotice`` per region of that level holding rows
(``final``), and the confirmation is on notice once every region's is posted, its own dates
spanning them (first published, first day, last day of the last to end). The cycle is approved
only after every one of them has run.

Objections (``ConfirmationObjection``): anyone may object to a row while a notice showing it runs
(a tier's notice, the county notice, or the row's own re-posting after a change), with a
tracking code, as for a case. An open objection holds the row: the cycle's approval books the
other rows and leaves it; dismissed (with a reply), it is booked by the next generation of the
cycle; upheld, the row goes back to a review tier, whose reviewer decides its outcome again —
stopped, or paid after a re-posting of its own full period.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from approvals.models import ObjectionStatus, Person, Program, Region
from common.workdays import DayCount

from .entitlements import Cycle, Enrolment
from .fields import user_fk


class ConfirmationStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("in review")
    REVIEWED = "reviewed", _("reviewed, awaiting notice")
    ON_NOTICE = "on_notice", _("on public notice")
    APPROVED = "approved", _("approved: entitlements booked")


class Confirmation(models.Model):
    cycle = models.OneToOneField(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="confirmation"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    reference_date = models.DateField(_("ages counted on"))
    status = models.CharField(
        _("status"),
        max_length=9,
        choices=ConfirmationStatus.choices,
        default=ConfirmationStatus.IN_REVIEW,
    )
    current_tier = models.PositiveSmallIntegerField(_("current tier"), null=True, blank=True)
    prepared_by = user_fk(verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    notice_published_on = models.DateField(_("published on"), null=True, blank=True)
    notice_starts_on = models.DateField(_("first day"), null=True, blank=True)
    notice_ends_on = models.DateField(_("last day"), null=True, blank=True)
    notice_period_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), null=True, blank=True
    )
    notice_day_count = models.CharField(
        _("days counted as"), max_length=8, choices=DayCount.choices, blank=True
    )
    notice_published_by = user_fk(verbose_name=_("published by"), null=True, blank=True)
    authority = models.CharField(_("approving authority"), max_length=200, blank=True)
    objection_phone = models.CharField(_("objection phone"), max_length=30, blank=True)
    objection_address = models.CharField(_("objection address"), max_length=200, blank=True)
    approved_by = user_fk(verbose_name=_("cycle approved by"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("annual confirmation")
        verbose_name_plural = _("annual confirmations")
        permissions = [
            ("approve_cycle", _("Can approve a cycle after its annual confirmation")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["in_review", "reviewed", "on_notice", "approved"]),
                name="confirmation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="in_review", current_tier__isnull=False)
                | ~Q(status="in_review") & Q(current_tier__isnull=True),
                name="confirmation_tier_iff_in_review",
            ),
            models.CheckConstraint(
                # Posted: the notice's days are set, it never starts before it was published.
                condition=Q(status__in=["in_review", "reviewed"])
                | Q(
                    notice_published_on__isnull=False,
                    notice_starts_on__gte=F("notice_published_on"),
                    notice_ends_on__gte=F("notice_starts_on"),
                ),
                name="confirmation_notice_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="confirmation_approved_has_approver",
            ),
            models.CheckConstraint(
                # Four eyes, held by the database: whoever prepared the list does not approve.
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="confirmation_approver_not_preparer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle}"

    @property
    def current_tier_name(self) -> str:
        from approvals.models.cases import tier_name

        return tier_name(self.program, self.current_tier)


class RowOutcome(models.TextChoices):
    CONTINUED = "continued", _("continued")
    NEW = "new", _("new")
    STOPPED = "stopped", _("stopped")


PAID_OUTCOMES = (RowOutcome.CONTINUED, RowOutcome.NEW)


class StopAction(models.TextChoices):
    NONE = "", _("not paid this cycle only")
    SUSPEND = "suspend", _("suspend the enrolment")
    EXIT = "exit", _("exit the program")


class ConfirmationRow(models.Model):
    """One enrolled person in a confirmation: the outcome and, when stopped, why (the checks'
    reason codes, and a reviewer's written reason) and what happens to the enrolment when the
    cycle is approved (``stop_action``)."""

    confirmation = models.ForeignKey(Confirmation, on_delete=models.PROTECT, related_name="rows")
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    display_name = models.CharField(_("name shown"), max_length=50, blank=True)
    age = models.PositiveSmallIntegerField(_("age on the day"))
    outcome = models.CharField(_("outcome"), max_length=9, choices=RowOutcome.choices)
    # Comma-separated codes of the checks that stopped the row (``services.confirmations``
    # words them in the reader's language).
    reason_codes = models.CharField(_("checks failed"), max_length=200, blank=True)
    reason_text = models.TextField(_("reviewer's reason"), blank=True)
    stop_action = models.CharField(
        _("on approval"), max_length=7, choices=StopAction.choices, blank=True
    )
    stopped_by = user_fk(verbose_name=_("stopped by"), null=True, blank=True)
    stopped_at_tier = models.PositiveSmallIntegerField(_("stopped at tier"), null=True, blank=True)
    # After an upheld objection: the tier that reviews the row again (None: not sent back).
    # Nullable without defaults so that adding them does not rebuild the table on SQLite.
    review_tier = models.PositiveSmallIntegerField(_("back at tier"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed after an objection"), null=True, blank=True)
    # A row paid after an objection's review is posted again for a full period of its own.
    reposted_on = models.DateField(_("posted again from"), null=True, blank=True)
    repost_ends_on = models.DateField(_("posted again until"), null=True, blank=True)

    class Meta:
        ordering = ["confirmation", "region", "id"]
        verbose_name = _("confirmation row")
        verbose_name_plural = _("confirmation rows")
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "enrolment"], name="confirmationrow_once"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["continued", "new", "stopped"]),
                name="confirmationrow_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="stopped") | ~Q(reason_codes="") | ~Q(reason_text=""),
                name="confirmationrow_stopped_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome="stopped") | Q(stop_action=""),
                name="confirmationrow_action_only_when_stopped",
            ),
            models.CheckConstraint(
                condition=Q(stop_action__in=["", "suspend", "exit"]),
                name="confirmationrow_stop_action_valid",
            ),
        ]
        indexes = [models.Index(fields=["enrolment", "outcome"], name="confrow_enrolment")]

    def __str__(self) -> str:
        return f"{self.confirmation_id}/{self.enrolment_id} {self.outcome}"

    @property
    def codes(self) -> list[str]:
        return [c for c in self.reason_codes.split(",") if c]

    @property
    def paid_outcome(self) -> bool:
        return self.outcome in PAID_OUTCOMES


class ConfirmationSignoff(models.Model):
    """A reviewer of a tier signs off the confirmation's rows of their region at that tier."""

    confirmation = models.ForeignKey(
        Confirmation, on_delete=models.PROTECT, related_name="signoffs"
    )
    tier_order = models.PositiveSmallIntegerField(_("tier"))
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    user = user_fk(verbose_name=_("signed by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["confirmation", "tier_order", "id"]
        verbose_name = _("confirmation sign-off")
        verbose_name_plural = _("confirmation sign-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "tier_order", "region"], name="confirmationsignoff_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_id} tier {self.tier_order} {self.region_id}"


class ConfirmationNotice(models.Model):
    """The rows of one region posted after a review tier that asks for a notice at its level
    (``ProgramTier.notice_level``): after an intermediate tier the next tier signs the region
    off once it has run; after the last tier (``final``) the cycle is approved once every
    region's has run."""

    confirmation = models.ForeignKey(
        Confirmation, on_delete=models.PROTECT, related_name="tier_notices"
    )
    after_tier = models.PositiveSmallIntegerField(_("after tier"))
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    published_on = models.DateField(_("published on"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    period_days = models.PositiveSmallIntegerField(_("notice period (days)"))
    day_count = models.CharField(_("days counted as"), max_length=8, choices=DayCount.choices)
    published_by = user_fk(verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    authority = models.CharField(_("approving authority"), max_length=200, blank=True)
    objection_phone = models.CharField(_("objection phone"), max_length=30, blank=True)
    objection_address = models.CharField(_("objection address"), max_length=200, blank=True)
    # Posted after the last review tier, in place of the county-wide notice.
    final = models.BooleanField(_("after the last tier"), default=False)

    class Meta:
        ordering = ["confirmation", "after_tier", "region"]
        verbose_name = _("confirmation notice after a tier")
        verbose_name_plural = _("confirmation notices after a tier")
        constraints = [
            models.UniqueConstraint(
                fields=["confirmation", "after_tier", "region"], name="confirmationnotice_once"
            ),
            models.CheckConstraint(
                # Never backdated, as every notice.
                condition=Q(starts_on__gte=F("published_on"), ends_on__gte=F("starts_on")),
                name="confirmationnotice_dated",
            ),
            models.CheckConstraint(
                condition=Q(period_days__gte=1), name="confirmationnotice_period_days"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.confirmation_id} tier {self.after_tier} {self.region_id}"


class ConfirmationObjection(models.Model):
    """An objection from the public to one row of a confirmation on notice. While open it holds
    the row (not booked, also by the database); the objector follows it with a tracking code."""

    confirmation = models.ForeignKey(
        Confirmation, on_delete=models.PROTECT, related_name="objections"
    )
    row = models.ForeignKey(
        ConfirmationRow, verbose_name=_("row"), on_delete=models.PROTECT, related_name="objections"
    )
    # The tier notice it was filed on; empty: the county notice or the row's re-posting.
    tier_notice = models.ForeignKey(
        ConfirmationNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tracking_code = models.CharField(_("tracking code"), max_length=32, unique=True)
    contact = models.CharField(_("contact"), max_length=100)
    name = models.CharField(_("name"), max_length=50, blank=True)
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=9, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    reply = models.TextField(_("reply"), blank=True)
    review_tier = models.PositiveSmallIntegerField(
        _("re-investigated at tier"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    # Keyed hash of the contact's digits (a phone however written) or normalised text, as on a
    # case objection: how the per-list cap counts one objector (approvals' objection_cap_check).
    contact_key = models.CharField(max_length=64, blank=True, default="")
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    handled_by = user_fk(verbose_name=_("handled by"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("objection to a confirmation row")
        verbose_name_plural = _("objections to confirmation rows")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "upheld", "dismissed", "merged", "spam"]),
                name="confobjection_status_v2",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | ~Q(status="merged") & Q(merged_into__isnull=True),
                name="confobjection_merged_has_target",
            ),
            models.CheckConstraint(condition=~Q(contact=""), name="confobjection_contact"),
            models.CheckConstraint(condition=~Q(text=""), name="confobjection_text"),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(reply="") & Q(handled_at__isnull=False),
                name="confobjection_handled_has_reply",
            ),
            models.CheckConstraint(
                condition=~Q(status="upheld") | Q(review_tier__isnull=False),
                name="confobjection_upheld_has_tier",
            ),
        ]
        indexes = [models.Index(fields=["row", "status"], name="confobjection_row_status")]

    def __str__(self) -> str:
        return self.tracking_code
