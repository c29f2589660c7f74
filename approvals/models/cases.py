"""Relief cases, their state machine, members, approvals, history and reservations."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from djmoney.models.fields import MoneyField

from ledger.models import Fund, JournalEntry

from .programs import Program
from .registry import Household, Person, Region


class CaseState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    IN_REVIEW = "in_review", _("in review")
    RETURNED = "returned", _("returned for materials")
    APPROVED = "approved", _("approved, awaiting notice")
    ON_NOTICE = "on_notice", _("on public notice")
    OBJECTED = "objected", _("re-investigation after objection")
    FINAL = "final", _("final award")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    CANCELLED = "cancelled", _("cancelled")


S = CaseState
CLOSED_STATES = (S.REJECTED, S.WITHDRAWN, S.CANCELLED)
OPEN_STATES = tuple(s for s in S if s not in CLOSED_STATES)
REVIEW_STATES = (S.IN_REVIEW, S.OBJECTED)  # a tier holds the case: current_tier is set
BEFORE_FINAL = (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.RETURNED, S.APPROVED, S.ON_NOTICE, S.OBJECTED)

# The permission each transition needs (checked by the services with ``has_transition_perm``;
# django-fsm itself does not enforce it).
PERM_FILE = "approvals.file_case"
PERM_REVIEW = "approvals.review_case"
PERM_WITHDRAW = "approvals.withdraw_case"
PERM_PUBLISH = "approvals.publish_notice"
PERM_OBJECTION = "approvals.handle_objection"
PERM_CANCEL = "approvals.cancel_case"
PERM_REVEAL = "approvals.reveal_personal_numbers"


# The applicant's look-up code, printed on the acknowledgement (回执) of the application: with the
# case number it opens the public status page. Random, not derived from the number or an ID
# (case numbers are sequential, and the last ID characters are guessable from a birth date):
# 10 characters of 31 letters and digits (no 0/O, 1/I, which are misread) are 49 bits.
LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LOOKUP_LENGTH = 10


def new_lookup_code() -> str:
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _i in range(LOOKUP_LENGTH))


class Case(ConcurrentTransitionMixin, models.Model):
    """One application for one program and cycle.

    ``approved`` is an explicit state: every applicable tier has approved and the case waits to be
    put on a notice (``current_tier`` is then empty). ``current_tier`` holds the *order* of the
    tier the case waits at, and is set exactly in ``in_review`` and ``objected``.
    """

    number = models.CharField(_("case number"), max_length=20, unique=True)
    # Set when the case is filed (services.case_file); rows from before it have one from the
    # migration that added it. NULL, not "": a column with a default makes SQLite rebuild the
    # table, which drops this table's guard triggers.
    lookup_code = models.CharField(  # noqa: DJ001
        _("look-up code"), max_length=LOOKUP_LENGTH, null=True, blank=True, editable=False
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="cases"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="cases"
    )
    members = models.ManyToManyField(
        Person, through="CaseMember", related_name="cases", verbose_name=_("beneficiaries")
    )
    cycle = models.CharField(_("cycle"), max_length=7, help_text=_('e.g. "2026" or "2026-11"'))
    region = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="cases"
    )
    amount = MoneyField(
        _("amount"), max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY
    )
    state = FSMField(_("state"), default=S.DRAFT, choices=S.choices, protected=True)
    current_tier = models.PositiveSmallIntegerField(_("current tier"), null=True, blank=True)
    tier_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    returned_by_tier = models.PositiveSmallIntegerField(
        _("returned by tier"), null=True, blank=True
    )
    # A notice after an intermediate tier (ProgramTier.notice_level): the tier whose approval
    # the awaited or running notice follows, and the tier that reviews the case after it
    # (``None``: the case becomes final after the notice). Set in approved and on_notice only.
    notice_tier = models.PositiveSmallIntegerField(_("notice after tier"), null=True, blank=True)
    resume_tier = models.PositiveSmallIntegerField(
        _("next tier after the notice"), null=True, blank=True
    )
    missing_items = models.JSONField(_("missing materials"), default=list, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why it was rejected, withdrawn or cancelled.")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    final_at = models.DateTimeField(_("final at"), null=True, blank=True)
    award_entry = models.ForeignKey(
        JournalEntry,
        verbose_name=_("award entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_entry = models.ForeignKey(
        JournalEntry,
        verbose_name=_("cancellation entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("file_case", _("Can file and submit relief cases")),
            ("review_case", _("Can review relief cases at a tier")),
            ("withdraw_case", _("Can withdraw relief cases")),
            ("publish_notice", _("Can put approved cases on public notice")),
            ("handle_objection", _("Can uphold or dismiss objections")),
            ("cancel_case", _("Can cancel final awards")),
            ("reveal_personal_numbers", _("Can see whole ID and bank account numbers")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=list(S.values)), name="case_state_valid"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="case_amount_positive"),
            models.CheckConstraint(
                condition=Q(state__in=list(REVIEW_STATES), current_tier__isnull=False)
                | ~Q(state__in=list(REVIEW_STATES)) & Q(current_tier__isnull=True),
                name="case_tier_iff_in_review",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | Q(returned_by_tier__isnull=False),
                name="case_returned_has_tier",
            ),
            models.CheckConstraint(
                condition=Q(resume_tier__isnull=True)
                | Q(state__in=["approved", "on_notice"], notice_tier__isnull=False),
                name="case_resume_tier_only_at_notice",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["final", "cancelled"])
                | Q(award_entry__isnull=False, final_at__isnull=False),
                name="case_final_has_award",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancel_entry__isnull=False),
                name="case_cancelled_has_reversal",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["rejected", "withdrawn", "cancelled"]) | ~Q(reason=""),
                name="case_closed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "program", "current_tier"], name="case_queue"),
            models.Index(fields=["program", "cycle"], name="case_program_cycle"),
            # The case list (/cases/) pages newest first (the primary key) within a status or
            # a village; a case number's beginning is a LIKE 'RC2026%' that PostgreSQL answers
            # from an index only with the pattern operator class (the unique index uses the
            # database's collation). SQLite ignores the operator class.
            models.Index(fields=["state", "-id"], name="case_state_recent"),
            models.Index(fields=["region", "-id"], name="case_region_recent"),
            models.Index(
                fields=["number"], name="case_number_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def current_tier_name(self) -> str:
        return tier_name(self.program, self.current_tier)

    # ---- transitions: state and own fields only; the services do the rest ------------------
    @transition(field=state, source=S.DRAFT, target=S.SUBMITTED, permission=PERM_FILE)
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(field=state, source=S.SUBMITTED, target=S.IN_REVIEW)
    def start_review(self, tier: int):
        self._at_tier(tier)

    @transition(field=state, source=S.RETURNED, target=S.IN_REVIEW, permission=PERM_FILE)
    def resubmit(self):
        self._at_tier(self.returned_by_tier)
        self.missing_items = []

    @transition(
        field=state,
        source=list(REVIEW_STATES),
        target=RETURN_VALUE(S.IN_REVIEW, S.APPROVED),
        permission=PERM_REVIEW,
    )
    def approve(self, next_tier: int | None, *, notice_after: int | None = None):
        """On to ``next_tier``; or ``approved`` (awaiting a notice) after the last tier, or
        after tier ``notice_after`` when that tier's approval is posted before ``next_tier``
        reviews the case."""
        if next_tier is None or notice_after is not None:
            self.notice_tier = notice_after if notice_after is not None else self.current_tier
            self.resume_tier = next_tier
            self.current_tier = None
            self.tier_since = None
            self.approved_at = timezone.now()
            return S.APPROVED
        self._at_tier(next_tier)
        return S.IN_REVIEW

    @transition(field=state, source=list(REVIEW_STATES), target=S.RETURNED, permission=PERM_REVIEW)
    def return_for_materials(self, items: list[str]):
        self.returned_by_tier = self.current_tier
        self.current_tier = None
        self.tier_since = None
        self.missing_items = list(items)

    @transition(field=state, source=list(REVIEW_STATES), target=S.REJECTED, permission=PERM_REVIEW)
    def reject(self, reason: str):
        self._close(reason)

    @transition(
        field=state, source=list(BEFORE_FINAL), target=S.WITHDRAWN, permission=PERM_WITHDRAW
    )
    def withdraw(self, reason: str):
        self._close(reason)

    @transition(field=state, source=S.APPROVED, target=S.ON_NOTICE, permission=PERM_PUBLISH)
    def put_on_notice(self):
        pass

    @transition(field=state, source=S.ON_NOTICE, target=S.OBJECTED, permission=PERM_OBJECTION)
    def reinvestigate(self, tier: int):
        self._at_tier(tier)
        self.notice_tier = self.resume_tier = None

    def _notice_was_the_last(self) -> bool:
        return self.resume_tier is None

    def _notice_leads_on(self) -> bool:
        return self.resume_tier is not None

    @transition(field=state, source=S.ON_NOTICE, target=S.IN_REVIEW, conditions=[_notice_leads_on])
    def resume_review(self):
        """After a clean notice that followed an intermediate tier: the next tier reviews."""
        self._at_tier(self.resume_tier)
        self.notice_tier = self.resume_tier = None

    @transition(field=state, source=S.ON_NOTICE, target=S.FINAL, conditions=[_notice_was_the_last])
    def finalise(self, entry: JournalEntry):
        self.award_entry = entry
        self.final_at = timezone.now()

    @transition(field=state, source=S.FINAL, target=S.CANCELLED, permission=PERM_CANCEL)
    def cancel(self, reason: str, entry: JournalEntry):
        self.reason = reason
        self.cancel_entry = entry

    def _at_tier(self, tier: int):
        self.current_tier = tier
        self.tier_since = timezone.now()

    def _close(self, reason: str):
        self.reason = reason
        self.current_tier = None
        self.tier_since = None
        self.notice_tier = self.resume_tier = None


class CaseMember(models.Model):
    """A beneficiary of a case. ``program``, ``cycle`` and ``is_open`` copy the case's so that the
    database itself refuses one person in two open cases of the same program and cycle."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    cycle = models.CharField(max_length=7)
    is_open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("case member")
        verbose_name_plural = _("case members")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="casemember_once_per_case"),
            models.UniqueConstraint(
                fields=["person", "program", "cycle"],
                condition=Q(is_open=True),
                name="casemember_one_open_case_per_program_cycle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.person_id}"


class CaseApproval(models.Model):
    """Who approved a case at which tier (the four-eyes rules read these)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="approvals")
    tier_order = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case approval")
        verbose_name_plural = _("case approvals")

    def __str__(self) -> str:
        return f"{self.case_id} tier {self.tier_order} by {self.user_id}"


# What a person reads for a history row's ``decision`` (the code is what the services write and
# the audit event is named after; not a field choice, so a new step needs no migration and is
# shown by its code until it is named here).
CASE_DECISIONS = {
    "file": pgettext_lazy("case decision", "filed"),
    "submit": pgettext_lazy("case decision", "submitted"),
    "start_review": pgettext_lazy("case decision", "review started"),
    "resubmit": pgettext_lazy("case decision", "resubmitted"),
    "withdraw": pgettext_lazy("case decision", "withdrawn"),
    "approve": pgettext_lazy("case decision", "approved"),
    "return": pgettext_lazy("case decision", "returned for materials"),
    "reject": pgettext_lazy("case decision", "rejected"),
    "notice": pgettext_lazy("case decision", "posted on notice"),
    "objection": pgettext_lazy("case decision", "objection received"),
    "objection_upheld": pgettext_lazy("case decision", "objection upheld"),
    "objection_dismissed": pgettext_lazy("case decision", "objection dismissed"),
    "objection_merged": pgettext_lazy("case decision", "objection merged"),
    "objection_spam": pgettext_lazy("case decision", "objection set aside as spam"),
    "resume": pgettext_lazy("case decision", "review resumed"),
    "final": pgettext_lazy("case decision", "award final"),
    "cancel": pgettext_lazy("case decision", "award cancelled"),
}


def case_state_label(code: str) -> str:
    try:
        return str(CaseState(code).label)
    except ValueError:
        return code


def tier_name(program: Program, order: int | None) -> str:
    """The name of a program's review tier by its order ("" for none; the number if the tier
    is gone)."""
    if order is None:
        return ""
    for tier in program.tiers.all():  # prefetched by the selectors that list many
        if tier.order == order:
            return tier.name
    return str(order)


class CaseHistory(models.Model):
    """One row per transition: who, when, from, to, tier, decision, comment. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="history")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=30)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case history")
        verbose_name_plural = _("case history")

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_state}->{self.to_state} {self.decision}"

    @property
    def from_state_label(self) -> str:
        return case_state_label(self.from_state) if self.from_state else ""

    @property
    def to_state_label(self) -> str:
        return case_state_label(self.to_state)

    @property
    def decision_label(self) -> str:
        return str(CASE_DECISIONS.get(self.decision, self.decision))

    @property
    def tier_name(self) -> str:
        return tier_name(self.case.program, self.tier)


class Reservation(models.Model):
    """Money held in a fund for a case on notice (or under re-investigation after one). While
    active it lowers the fund's available amount (``ledger.selectors.fund_position``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reservations")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    amount = MoneyField(max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(active=True), name="reservation_one_active_per_case"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="reservation_amount_positive"),
            models.CheckConstraint(
                condition=Q(active=True, released_at__isnull=True)
                | Q(active=False, released_at__isnull=False),
                name="reservation_released_iff_inactive",
            ),
        ]
        indexes = [models.Index(fields=["fund", "active"], name="reservation_fund_active")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount} {'active' if self.active else 'released'}"
