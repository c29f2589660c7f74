"""Relief programs and their review tiers."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from djmoney.money import Money

from common.workdays import DayCount
from ledger.models import BilingualNameMixin, Fund, Purpose

from .registry import Region, RegionLevel


class ProgramCategory(models.TextChoices):
    ONE_OFF_RELIEF = "one_off_relief", _("one-off relief")
    ANNUAL_REWARD = "annual_reward", _("annual reward and assistance")
    SPECIAL_ASSISTANCE = "special_assistance", _("special assistance")


CATEGORY_PURPOSE = {
    ProgramCategory.ONE_OFF_RELIEF: Purpose.RELIEF,
    ProgramCategory.ANNUAL_REWARD: Purpose.REWARD,
    ProgramCategory.SPECIAL_ASSISTANCE: Purpose.SPECIAL,
}


class AmountRule(models.TextChoices):
    PER_HOUSEHOLD = "per_household", _("fixed per household")
    PER_PERSON = "per_person", _("fixed per person")
    REQUESTED = "requested", _("requested, up to a cap")


class NameMasking(models.TextChoices):
    MASK = "mask", _("mask the middle (张*明)")
    SURNAME = "surname", _("surname only (张**)")
    HIDE = "hide", _("hide the name")


def _money(**kwargs) -> MoneyField:
    return MoneyField(
        max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY, **kwargs
    )


DEFAULT_CHARGES_FUND = "GENERAL"


def _month_day(field: str) -> Q:
    """The database's share of "MM-DD": five characters with the dash in the middle (the day
    itself is checked in ``Program.configuration_errors``)."""
    return (
        Exact(Length(field), 5)
        & Q(**{f"{field}__contains": "-"})
        & ~Q(**{f"{field}__startswith": "-"})
    )


def parse_month_day(text: str) -> tuple[int, int] | None:
    """``(month, day)`` of an "MM-DD" text that names a real day of a leap year, else None."""
    text = (text or "").strip()
    if len(text) != 5 or text[2] != "-" or not (text[:2] + text[3:]).isdigit():
        return None
    month, day = int(text[:2]), int(text[3:])
    try:
        date(2024, month, day)
    except ValueError:
        return None
    return month, day


def month_day_in(year: int, month_day: tuple[int, int]) -> date:
    """The day in ``year``; 29 February in a common year is 28 February."""
    month, day = month_day
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)


def default_charges_fund(paying: Fund | None) -> Fund | None:
    """The unrestricted fund GENERAL when it exists, else the program's paying fund."""
    return Fund.objects.filter(code=DEFAULT_CHARGES_FUND).first() or paying


class Program(BilingualNameMixin):
    code = models.CharField(_("code"), max_length=20, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=ProgramCategory.choices)
    fund = models.ForeignKey(
        Fund, verbose_name=_("paying fund"), on_delete=models.PROTECT, related_name="programs"
    )
    # Who bears the bank's charges on this program's payments: by default the unrestricted fund
    # (奖励扶助 rules: fees are paid by finance, never out of the award money), else the program's
    # own fund. Each charge is booked as its own single-fund entry in this fund.
    charges_fund = models.ForeignKey(
        Fund,
        verbose_name=_("fund paying bank charges"),
        on_delete=models.PROTECT,
        related_name="+",
        blank=True,
        help_text=_(
            "The fund that pays the bank's charges on this program's payments. Left empty, the "
            "unrestricted fund GENERAL (or, without it, the paying fund)."
        ),
    )
    amount_rule = models.CharField(_("amount rule"), max_length=15, choices=AmountRule.choices)
    amount = _money(
        verbose_name=_("fixed amount"),
        null=True,
        blank=True,
        help_text=_("Per household or per person, for the fixed rules."),
    )
    cap = _money(
        verbose_name=_("cap"),
        null=True,
        blank=True,
        help_text=_("The most a case may request, for the requested rule."),
    )
    notice_days = models.PositiveSmallIntegerField(_("notice period (days)"), default=7)
    notice_day_count = models.CharField(
        _("notice days counted as"),
        max_length=8,
        choices=DayCount.choices,
        default=DayCount.CALENDAR,
        help_text=_(
            "A notice runs from its first day for the notice period, counted in calendar days "
            "or in working days (official holidays and make-up workdays included)."
        ),
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payment deadline (working days)"),
        null=True,
        blank=True,
        help_text=_(
            "Working days from the final award to payment; an award unpaid after them is "
            "overdue. Leave empty for no deadline."
        ),
    )
    opens_on = models.DateField(_("applications open"), null=True, blank=True)
    closes_on = models.DateField(_("applications close"), null=True, blank=True)
    # A window recurring every year, as month-day ("01-01" to "03-31"); it may wrap the new
    # year ("11-01" to "01-31"). Both empty: applications are open all year.
    window_opens = models.CharField(
        _("applications open each year on"),
        max_length=5,
        blank=True,
        help_text=_('Month and day, e.g. "01-01". Leave both days empty for all year.'),
    )
    window_closes = models.CharField(
        _("applications close each year on"),
        max_length=5,
        blank=True,
        help_text=_('Month and day, e.g. "03-31" (the last day applications are taken).'),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    eligibility_on = models.CharField(
        _("ages counted on"),
        max_length=5,
        blank=True,
        help_text=_(
            'Month and day in the cycle\'s year on which ages are counted, e.g. "12-31" for '
            '"aged 60 by the end of the year"; the annual confirmation uses it too. Leave empty '
            "to count ages on the day a case is filed (and, for a confirmation, on the day it "
            "is prepared)."
        ),
    )
    allowed_regions = models.ManyToManyField(
        Region,
        verbose_name=_("allowed regions"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for every region; otherwise cases must lie in one of these."),
    )
    excludes = models.ManyToManyField(
        "self",
        verbose_name=_("excludes programs"),
        blank=True,
        symmetrical=True,
        help_text=_("A person may not be in this and an excluded program in the same cycle."),
    )
    name_masking = models.CharField(
        _("names on public notice"),
        max_length=8,
        choices=NameMasking.choices,
        default=NameMasking.MASK,
    )
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Public notices hide names and the number of people."),
    )
    notice_authority = models.CharField(_("approving authority"), max_length=200, blank=True)
    objection_phone = models.CharField(_("objection phone"), max_length=30, blank=True)
    objection_address = models.CharField(_("objection address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [
            models.CheckConstraint(
                # isnull spelt out: a CHECK on NULL > 0 is unknown, which the database passes.
                condition=Q(
                    amount_rule__in=["per_household", "per_person"],
                    amount__isnull=False,
                    amount__gt=0,
                )
                | Q(amount_rule="requested", cap__isnull=False, cap__gt=0),
                name="program_amount_rule_complete",
            ),
            models.CheckConstraint(condition=Q(notice_days__gte=1), name="program_notice_days"),
            models.CheckConstraint(
                condition=Q(notice_day_count__in=["calendar", "working"]),
                name="program_notice_day_count_valid",
            ),
            models.CheckConstraint(
                condition=Q(payment_days__isnull=True) | Q(payment_days__gte=1),
                name="program_payment_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True)
                | Q(closes_on__isnull=True)
                | Q(opens_on__lte=models.F("closes_on")),
                name="program_window_ordered",
            ),
            models.CheckConstraint(
                # Both month-days or neither: half a window is not a window. The shape is
                # "MM-DD" (no REGEXP in SQLite's CHECK: length and dash here, the day in clean).
                condition=Q(window_opens="", window_closes="")
                | _month_day("window_opens") & _month_day("window_closes"),
                name="program_yearly_window_complete",
            ),
            models.CheckConstraint(
                condition=Q(eligibility_on="") | _month_day("eligibility_on"),
                name="program_eligibility_on_month_day",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="program_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(category__in=["one_off_relief", "annual_reward", "special_assistance"]),
                name="program_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if self.charges_fund_id is None:
            self.charges_fund = default_charges_fund(self.fund if self.fund_id else None)
        super().save(*args, **kwargs)

    @property
    def purpose(self) -> str:
        return CATEGORY_PURPOSE[self.category]

    @property
    def expense_account(self) -> str:
        from ledger import chart

        return chart.REWARD_EXPENSE if self.purpose == Purpose.REWARD else chart.RELIEF_EXPENSE

    @property
    def currency(self) -> str:
        money = self.amount if self.amount_rule != AmountRule.REQUESTED else self.cap
        return str(money.currency) if money is not None else settings.DEFAULT_CURRENCY

    def configuration_errors(self) -> dict[str, str]:
        """What is wrong with the program's set-up (shared by ``clean`` and the services)."""
        errors: dict[str, str] = {}
        if self.charges_fund_id is None and self.fund_id is not None:
            self.charges_fund = default_charges_fund(self.fund)
        if self.fund_id and not self.fund.allows_purpose(self.purpose):
            errors["fund"] = _(
                "Fund %(fund)s may not pay %(purpose)s; choose a fund restricted to that purpose "
                "or an unrestricted one."
            ) % {"fund": self.fund.code, "purpose": Purpose(self.purpose).label}
        errors.update(self._charges_fund_errors())
        errors.update(self._yearly_day_errors())
        if self.amount_rule == AmountRule.REQUESTED:
            if self.cap is None or self.cap.amount <= 0:
                errors["cap"] = _("A requested-amount program needs a cap above zero.")
        elif self.amount is None or self.amount.amount <= 0:
            errors["amount"] = _("A fixed-amount program needs an amount above zero.")
        if self.fund_id and not errors and not self.fund.holds_currency(self.currency):
            errors["fund"] = _("Fund %(fund)s does not hold %(cur)s.") % {
                "fund": self.fund.code,
                "cur": self.currency,
            }
        return errors

    def _yearly_day_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        bad = _('Write a month and day as "MM-DD", e.g. "03-31".')
        for name in ("window_opens", "window_closes", "eligibility_on"):
            value = getattr(self, name) or ""
            if value and parse_month_day(value) is None:
                errors[name] = bad
        if bool(self.window_opens) != bool(self.window_closes):
            missing = "window_closes" if self.window_opens else "window_opens"
            errors.setdefault(
                missing,
                _("Give both days of the yearly application window, or neither (all year)."),
            )
        return errors

    def window_open_on(self, day: date) -> bool:
        """Whether applications are taken on ``day``: inside the yearly window (which may wrap
        the new year) and the one-off dates, when the program has them."""
        if self.opens_on and day < self.opens_on:
            return False
        if self.closes_on and day > self.closes_on:
            return False
        start, end = parse_month_day(self.window_opens), parse_month_day(self.window_closes)
        if start is None or end is None:
            return True
        today = (day.month, day.day)
        if start <= end:
            return start <= today <= end
        return today >= start or today <= end

    def window_text(self) -> str:
        """The yearly window for messages: "01-01 – 03-31" (empty when open all year)."""
        if not (self.window_opens and self.window_closes):
            return ""
        return f"{self.window_opens} – {self.window_closes}"

    def eligibility_date(self, year: int) -> date | None:
        """The day ages are counted on for a cycle in ``year`` (None: the day of the act)."""
        month_day = parse_month_day(self.eligibility_on)
        return month_day_in(year, month_day) if month_day else None

    def _charges_fund_errors(self) -> dict[str, str]:
        if self.charges_fund_id is None:
            return {}
        charges = self.charges_fund
        if not charges.allows_purpose(Purpose.OPERATIONS):
            return {
                "charges_fund": _(
                    "Fund %(fund)s may not pay bank charges (%(purpose)s); choose the "
                    "unrestricted fund or one restricted to that purpose."
                )
                % {"fund": charges.code, "purpose": Purpose.OPERATIONS.label}
            }
        if (
            self.category == ProgramCategory.ANNUAL_REWARD
            and charges.restricted
            and charges.pk == self.fund_id
        ):
            return {
                "charges_fund": _(
                    "Bank charges on reward and assistance payments are paid by finance, never "
                    "out of the award money: choose the unrestricted fund, not %(fund)s."
                )
                % {"fund": charges.code}
            }
        if not charges.holds_currency(self.currency):
            return {
                "charges_fund": _("Fund %(fund)s does not hold %(cur)s.")
                % {"fund": charges.code, "cur": self.currency}
            }
        return {}

    def clean(self):
        errors = self.configuration_errors()
        if errors:
            raise ValidationError(errors)

    def applicable_tiers(self, amount: Money) -> list[ProgramTier]:
        """The review tiers a case of this amount passes, in order."""
        return [t for t in self.tiers.all() if t.applies_to(amount)]


class ProgramTier(BilingualNameMixin):
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="tiers"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    role = models.CharField(
        _("role"),
        max_length=50,
        default="reviewer",
        help_text=_("The group whose members review at this tier."),
    )
    region_level = models.CharField(_("region level"), max_length=8, choices=RegionLevel.choices)
    min_amount = _money(
        verbose_name=_("applies from amount"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty to review every case; otherwise only cases of this amount or more."
        ),
    )
    review_days = models.PositiveSmallIntegerField(
        _("review deadline (working days)"),
        null=True,
        blank=True,
        help_text=_(
            "Working days this tier has to decide a case from the day it arrives; a case "
            "waiting longer is flagged overdue. Leave empty for no deadline."
        ),
    )
    notice_level = models.CharField(
        _("public notice after this tier"),
        max_length=8,
        choices=RegionLevel.choices,
        blank=True,
        help_text=_(
            "Post the cases this tier approves on a public notice at this level (village, "
            "township or county) before the next tier reviews them. After the last tier a "
            "notice always follows; empty there means at any level."
        ),
    )

    class Meta:
        ordering = ["program", "order"]
        verbose_name = _("review tier")
        verbose_name_plural = _("review tiers")
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="tier_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="tier_order_positive"),
            models.CheckConstraint(
                condition=Q(region_level__in=["county", "township", "village"]),
                name="tier_region_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True) | Q(min_amount__gt=0),
                name="tier_min_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(review_days__isnull=True) | Q(review_days__gte=1),
                name="tier_review_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(notice_level__in=["", "county", "township", "village"]),
                name="tier_notice_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} #{self.order} {self.name}"

    def applies_to(self, amount: Money) -> bool:
        if self.min_amount is None:
            return True
        if str(self.min_amount.currency) != str(amount.currency):
            return True  # a threshold in another currency cannot exempt the case from review
        return amount >= self.min_amount

    def clean(self):
        if (
            self.min_amount is not None
            and self.program_id
            and str(self.min_amount.currency) != self.program.currency
        ):
            raise ValidationError(
                {
                    "min_amount": _("Use the program's currency %(cur)s.")
                    % {"cur": self.program.currency}
                }
            )
