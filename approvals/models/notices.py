"""Public notices (公示), their items, and objections (异议)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from common.workdays import DayCount

from .cases import Case
from .programs import Program
from .registry import Region


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    CLOSED = "closed", _("closed")


class Notice(models.Model):
    """The proposed awards of one program, region and cycle, posted for the program's notice
    period (``period_days`` counted as ``day_count``) from ``starts_on`` (never before the day
    it was published, ``published_on``) to ``ends_on`` = start + N − 1.

    Cases added while a notice is running go onto an *addendum* (``parent``, ``addendum`` 1,
    2, …): a notice row of its own with its own full period for its new lines. A later notice
    of the same program, region and cycle, once the earlier one has ended, takes the next
    ``version`` number. ``after_tier`` is the tier whose approvals it posts; when a later tier
    reviews the cases after it, ``leads_to_final`` is false.
    """

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="notices")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="notices")
    cycle = models.CharField(_("cycle"), max_length=7)
    version = models.PositiveSmallIntegerField(_("number"), default=1)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("addendum to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="addenda",
    )
    addendum = models.PositiveSmallIntegerField(_("addendum number"), default=0)
    after_tier = models.PositiveSmallIntegerField(_("after tier"), null=True, blank=True)
    leads_to_final = models.BooleanField(_("awards final after it"), default=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=7)
    day_count = models.CharField(
        _("days counted as"), max_length=8, choices=DayCount.choices, default=DayCount.CALENDAR
    )
    status = models.CharField(
        _("status"), max_length=9, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    authority = models.CharField(_("approving authority"), max_length=200, blank=True)
    objection_phone = models.CharField(_("objection phone"), max_length=30, blank=True)
    objection_address = models.CharField(_("objection address"), max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "region", "cycle", "version", "addendum"],
                name="notice_version_unique",
            ),
            models.CheckConstraint(
                condition=Q(addendum=0, parent__isnull=True)
                | Q(addendum__gte=1, parent__isnull=False),
                name="notice_addendum_has_parent",
            ),
            models.CheckConstraint(
                # Never backdated: a notice starts on or after the day it was published.
                condition=Q(status="draft")
                | Q(published_on__isnull=False, starts_on__gte=models.F("published_on")),
                name="notice_starts_after_publication",
            ),
            models.CheckConstraint(condition=Q(period_days__gte=1), name="notice_period_days"),
            models.CheckConstraint(
                condition=Q(day_count__in=["calendar", "working"]), name="notice_day_count_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="notice_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="notice_version_positive"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status__in=["published", "closed"], published_at__isnull=False),
                name="notice_published_at_set",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="notice_closed_at_set",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_on"], name="notice_status_end")]

    def __str__(self) -> str:
        extra = f"+{self.addendum}" if self.addendum else ""
        return f"{self.program.code} {self.region.name} {self.cycle} No.{self.version}{extra}"

    def public_fields(self) -> dict:
        """What the notice itself shows the public (DOMAIN.md, "What a notice shows")."""
        return {
            "program": self.program.name,
            "cycle": self.cycle,
            "region": self.region.name,
            "level": self.region.get_level_display(),
            "version": self.version,
            "addendum": self.addendum,
            "parent_id": self.parent_id,
            "leads_to_final": self.leads_to_final,
            "published_on": self.published_on,
            "period": f"{self.period_days} {DayCount(self.day_count).label}",
            "authority": self.authority,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "objection_phone": self.objection_phone,
            "objection_address": self.objection_address,
        }


# Exactly what a notice line may show; never ID, bank, address, phone, income, health, minors.
PUBLIC_ITEM_FIELDS = ("name", "people", "amount", "village")


class NoticeItem(models.Model):
    """A snapshot of what the notice shows for one case, taken when it is published, so the
    public sees the same line however the case changes afterwards."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notice_items")
    display_name = models.CharField(_("name shown"), max_length=50, blank=True)
    people_count = models.PositiveSmallIntegerField(_("people covered"), null=True, blank=True)
    amount = MoneyField(max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY)
    village_name = models.CharField(_("village"), max_length=100)
    struck = models.BooleanField(
        _("taken off"), default=False, help_text=_("Taken off after an upheld objection.")
    )

    class Meta:
        ordering = ["notice", "id"]
        verbose_name = _("notice item")
        verbose_name_plural = _("notice items")
        constraints = [
            models.UniqueConstraint(fields=["notice", "case"], name="noticeitem_case_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="noticeitem_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.case_id}"

    def public_fields(self) -> dict:
        """Exactly the fields a public notice line may show (``PUBLIC_ITEM_FIELDS``)."""
        return {
            "name": self.display_name,
            "people": self.people_count,
            "amount": self.amount,
            "village": self.village_name,
        }


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("upheld")
    DISMISSED = "dismissed", _("dismissed")
    # A duplicate of another objection to the same case: handled there (``merged_into``).
    MERGED = "merged", _("merged into another objection")
    # Set aside by a reviewer as spam (no objection to the line at all), with a reason.
    SPAM = "spam", _("set aside as spam")


class Objection(models.Model):
    """An objection from the public to a case on notice. An open one blocks the case from
    becoming final. The objector follows it with an unguessable tracking code."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="objections")
    notice_item = models.ForeignKey(
        NoticeItem, null=True, blank=True, on_delete=models.PROTECT, related_name="objections"
    )
    tracking_code = models.CharField(_("tracking code"), max_length=32, unique=True)
    contact = models.CharField(_("contact"), max_length=100)
    name = models.CharField(_("name"), max_length=50, blank=True)
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=9, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    reply = models.TextField(_("reply"), blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    # Keyed hash of the contact's digits (a phone number however it is written) or of its
    # normalised text: how the per-notice cap counts one objector (services.objection_file).
    contact_key = models.CharField(max_length=64, blank=True, default="")
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "upheld", "dismissed", "merged", "spam"]),
                name="objection_status_v2",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | ~Q(status="merged") & Q(merged_into__isnull=True),
                name="objection_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status="spam") | ~Q(reply=""),
                name="objection_spam_has_reason",
            ),
            models.CheckConstraint(condition=~Q(contact=""), name="objection_contact_required"),
            models.CheckConstraint(condition=~Q(text=""), name="objection_text_required"),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(reply=""),
                name="objection_dismissal_has_reply",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(handled_at__isnull=False),
                name="objection_handled_at_set",
            ),
        ]
        indexes = [models.Index(fields=["case", "status"], name="objection_case_status")]

    def __str__(self) -> str:
        # Not the tracking code: it is the objector's handle, shown only to whoever handles
        # objections (selectors.objector_visible), and __str__ reaches the admin's titles.
        return f"{self._meta.verbose_name} {self.pk}"
