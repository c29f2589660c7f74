"""Changes of a bank account (a person's own, or a household's default), each kept as a row.

A change is applied at once when no payment to the account it replaces is pending or sent;
otherwise it is a request (``pending``) that another user holding
``approvals.approve_bankaccountchange`` approves (the account is changed then) or rejects. The
database refuses a decision by the person who asked, a decision without its decider, and a
second pending request for the same account.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from .. import crypto
from .registry import Household, Person

PERM_APPROVE_ACCOUNT_CHANGE = "approvals.approve_bankaccountchange"


class AccountChangeStatus(models.TextChoices):
    APPLIED = "applied", _("applied (no payment was pending)")
    PENDING = "pending", _("awaiting a second person's approval")
    APPROVED = "approved", _("approved and applied")
    REJECTED = "rejected", _("rejected")


class BankAccountChange(models.Model):
    """One change of a bank account: whose (``person``, or the household's default when empty),
    to what (stored like the account itself: encrypted, keyed hash, last four digits; all empty
    when the account is removed), why, who asked and who decided."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="bank_account_changes",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_account_changes",
        help_text=_("Empty: the household's default account."),
    )
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_enc = models.TextField(_("new account (encrypted)"), blank=True, editable=False)
    bank_account_hash = models.CharField(max_length=64, blank=True, editable=False)
    bank_account_last4 = models.CharField(
        _("new account, last 4"), max_length=4, blank=True, editable=False
    )
    previous_last4 = models.CharField(
        _("previous account, last 4"), max_length=4, blank=True, editable=False
    )
    reason = models.TextField(_("reason"))
    pending_payments = models.PositiveIntegerField(
        _("payments pending or sent to the previous account"), default=0
    )
    status = models.CharField(_("status"), max_length=8, choices=AccountChangeStatus.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("bank account change")
        verbose_name_plural = _("bank account changes")
        permissions = [
            ("approve_bankaccountchange", _("Can approve bank account changes asked by others")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AccountChangeStatus]),
                name="bankaccountchange_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["applied", "pending"], decided_by__isnull=True)
                | Q(
                    status__in=["approved", "rejected"],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                ),
                name="bankaccountchange_decided_iff_decision",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="bankaccountchange_decider_is_not_maker",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="bankaccountchange_has_reason"),
            models.CheckConstraint(
                condition=Q(bank_account_enc="", bank_account_hash="", bank_account_last4="")
                | ~Q(bank_account_enc="")
                & Exact(Length("bank_account_hash"), 64)
                & Exact(Length("bank_account_last4"), 4),
                name="bankaccountchange_account_complete",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending", person__isnull=False),
                name="bankaccountchange_one_pending_per_person",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="pending", person__isnull=True),
                name="bankaccountchange_one_pending_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"BAC{self.pk}"

    @property
    def bank_account_masked(self) -> str:
        return crypto.mask_bank_account(self.bank_account_last4)

    @property
    def previous_masked(self) -> str:
        return crypto.mask_bank_account(self.previous_last4)

    @property
    def holder(self) -> Person | Household:
        return self.person if self.person_id else self.household
