"""Regions, staff profiles, households and people (the registry)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import crypto


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("county")
    TOWNSHIP = "township", _("township")
    VILLAGE = "village", _("village")


# National division codes: 2 province, 2 city, 2 county, 3 township, 3 village digits. A region's
# own digits end at this position; everything below it shares that prefix.
LEVEL_PREFIX = {RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9, RegionLevel.VILLAGE: 12}
PARENT_LEVEL = {RegionLevel.TOWNSHIP: RegionLevel.COUNTY, RegionLevel.VILLAGE: RegionLevel.TOWNSHIP}


def _strip_digits(expression):
    # Portable "only digits" check (no REGEXP on SQLite's CHECK): remove every digit and
    # expect nothing left.
    for digit in "0123456789":
        expression = Replace(expression, Value(digit), Value(""))
    return expression


class Region(models.Model):
    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("region", "parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("code"), 12), name="region_code_12_chars"
            ),
            models.CheckConstraint(
                condition=Exact(_strip_digits(F("code")), Value("")),
                name="region_code_digits_only",
            ),
            models.CheckConstraint(
                condition=Q(level="county", code__endswith="000000")
                | Q(level="township", code__endswith="000") & ~Q(code__endswith="000000")
                | Q(level="village") & ~Q(code__endswith="000"),
                name="region_code_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(level="county", parent__isnull=True)
                | Q(level__in=["township", "village"], parent__isnull=False),
                name="region_parent_iff_below_county",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """The code digits every region at or below this one starts with."""
        return self.code[: LEVEL_PREFIX[self.level]]

    def covers(self, other: Region) -> bool:
        return region_covers(self, other)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        expected = PARENT_LEVEL.get(self.level)
        if expected is None and self.parent_id:
            errors["parent"] = _("A county has no parent region.")
        elif expected is not None:
            if self.parent is None:
                errors["parent"] = _("A %(level)s needs a parent %(parent)s.") % {
                    "level": self.get_level_display(),
                    "parent": RegionLevel(expected).label,
                }
            elif self.parent.level != expected:
                errors["parent"] = _("The parent of a %(level)s must be a %(parent)s.") % {
                    "level": self.get_level_display(),
                    "parent": RegionLevel(expected).label,
                }
            elif not self.code.startswith(self.parent.prefix):
                errors["code"] = _("The code must start with the parent's digits %(prefix)s.") % {
                    "prefix": self.parent.prefix
                }
        if errors:
            raise ValidationError(errors)


def region_covers(user_region: Region | None, case_region: Region | None) -> bool:
    """True when ``case_region`` is ``user_region`` or lies below it (no query needed)."""
    if user_region is None or case_region is None:
        return False
    return case_region.code.startswith(user_region.prefix)


class StaffProfile(models.Model):
    """The region a staff user works in: they see and act on cases of that region and below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} @ {self.region}"


class BankAccountMixin:
    """The bank account fields' behaviour, shared by a person (their own account) and a household
    (the default, used for a member who has none): stored encrypted (``crypto``) with a keyed hash
    beside it for look-up, and its last four digits for masked display."""

    bank_name: str
    bank_account_enc: str
    bank_account_hash: str
    bank_account_last4: str

    @property
    def bank_account_masked(self) -> str:
        return crypto.mask_bank_account(self.bank_account_last4)

    @property
    def has_bank_account(self) -> bool:
        return bool(self.bank_account_enc)

    def set_bank_account(self, plain: str) -> None:
        plain = "".join(plain.split())
        if not plain:
            self.bank_account_enc = self.bank_account_hash = self.bank_account_last4 = ""
            return
        self.bank_account_enc = crypto.encrypt(plain)
        self.bank_account_hash = crypto.lookup_hash("bank", plain)
        self.bank_account_last4 = plain[-4:].rjust(4, "*")

    def bank_account_plain(self) -> str:
        """The whole number: only for the payment file and ``reveal_bank_account`` (audited)."""
        return crypto.decrypt(self.bank_account_enc) if self.bank_account_enc else ""


def bank_account_complete(prefix: str) -> models.CheckConstraint:
    """The three stored parts of an account are all there or all empty."""
    return models.CheckConstraint(
        condition=Q(bank_account_enc="", bank_account_hash="", bank_account_last4="")
        | ~Q(bank_account_enc="")
        & Exact(Length("bank_account_hash"), 64)
        & Exact(Length("bank_account_last4"), 4),
        name=f"{prefix}_bank_account_complete",
    )


class Household(BankAccountMixin, models.Model):
    """A family applying for relief. Its bank account is the household's default: a payment to a
    member who has no account of their own goes to it (``Person`` has its own)."""

    region = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, editable=False)
    bank_account_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    bank_account_last4 = models.CharField(
        _("bank account, last 4"), max_length=4, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    # Optimistic concurrency: every correction of the household or of its members raises it by
    # one; an edit form carries the version it was read at, and a save against an older version
    # is refused (``EditConflict``) instead of overwriting what another user saved meanwhile.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["region", "id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            bank_account_complete("household"),
            models.CheckConstraint(condition=Q(version__gte=1), name="household_version_positive"),
        ]

    def __str__(self) -> str:
        head = self.head
        return f"{head.name if head else '?'} · {self.region.name}"

    @property
    def head(self) -> Person | None:
        return next((p for p in self.people.all() if p.is_head), None)


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", pgettext_lazy("family relation", "parent")
    OTHER = "other", _("other")


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class PersonStatus(models.TextChoices):
    """Whether the person still lives in the registry's area (the annual confirmation stops a
    recurring award for anyone not ``living``)."""

    LIVING = "living", _("living here")
    DECEASED = "deceased", _("deceased")
    MOVED = "moved", _("moved away")


class Person(BankAccountMixin, models.Model):
    """A member of a household. The ID number is encrypted with a keyed hash beside it (a person
    is registered once: the hash is unique); birth date and sex, read from the number, are kept
    in clear because eligibility needs them. A person may have a bank account of their own
    (encrypted like the household's); a payment to them goes there, else to the household's
    default account (``payout_account``)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="people"
    )
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices)
    is_head = models.BooleanField(_("head of household"), default=False)
    id_number_enc = models.TextField(_("ID number (encrypted)"), editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=PersonStatus.choices, default=PersonStatus.LIVING
    )
    status_date = models.DateField(_("status since"), null=True, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, editable=False)
    bank_account_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    bank_account_last4 = models.CharField(
        _("bank account, last 4"), max_length=4, blank=True, editable=False
    )

    class Meta:
        ordering = ["household", "-is_head", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(is_head=True), name="person_one_head"
            ),
            models.CheckConstraint(
                condition=Q(is_head=True, relation="head") | Q(is_head=False) & ~Q(relation="head"),
                name="person_head_relation",
            ),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
            models.CheckConstraint(
                condition=Q(status="living")
                | Q(status__in=["deceased", "moved"]) & Q(status_date__isnull=False),
                name="person_status_valid_dated",
            ),
            models.CheckConstraint(
                condition=Exact(Length("id_number_hash"), 64) & ~Q(id_number_enc=""),
                name="person_id_number_present",
            ),
            bank_account_complete("person"),
        ]

    def __str__(self) -> str:
        return self.name

    def id_number_plain(self) -> str:
        """The whole number: only for ``reveal_id_number`` (audited) and exact matching."""
        return crypto.decrypt(self.id_number_enc)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number_plain())

    def payout_account(self) -> BankAccountMixin | None:
        """Where a payment to this person goes: their own account, else the household's default,
        else nowhere (``None``)."""
        if self.bank_account_enc:
            return self
        if self.household.bank_account_enc:
            return self.household
        return None

    @property
    def age(self) -> int:
        """Age in whole years today: what a screen, the API or an export shows instead of the
        birth date, which (beside even a masked ID number) narrows the whole number down."""
        return self.age_on(timezone.localdate())

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years
