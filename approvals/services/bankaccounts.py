"""Bank accounts of people and households: set or change one (audited), with a second person's
approval when a payment to the account being replaced is pending or sent.

A person's own account is where payments to them go; a household's account is the default for
members without one. Every change is a ``BankAccountChange`` row and an audit event (the masked
numbers only, never the whole ones). Whether payments to an account are in flight is asked of
the apps above through ``approvals.hooks.account_payments_in_flight`` (disbursement counts its
pending and sent payments): none, and the change is applied at once; some, and it waits for
another user holding ``approvals.approve_bankaccountchange`` in the household's region.

Lock order: the ledger's chain head first (a payout batch copies accounts under it, so a batch
cannot be built between the count and the change), then the holder's row.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.audit import AuditAction, audit
from ledger.locks import lock_head

from .. import crypto
from ..exceptions import AccountChangePending, ChangeDecided, InvalidInput, NotAllowed
from ..hooks import account_payments_in_flight
from ..models import (
    PERM_APPROVE_ACCOUNT_CHANGE,
    PERM_REVEAL,
    AccountChangeStatus,
    BankAccountChange,
    Household,
    Person,
)
from ._common import require_perm, require_region, required_text

PERM_CHANGE_PERSON = "approvals.change_person"
PERM_CHANGE_HOUSEHOLD = "approvals.change_household"


def clean_account_number(value: str) -> str:
    """Digits only (spaces allowed in between); 8 to 30 of them, or empty."""
    account = "".join((value or "").split())
    if account and (not account.isdigit() or not 8 <= len(account) <= 30):
        raise InvalidInput(_("A bank account number has 8 to 30 digits."))
    return account


def _holder_label(household: Household, person: Person | None) -> str:
    if person is not None:
        return _("the account of %(name)s") % {"name": person.name}
    return _("the default account of household %(id)s") % {"id": household.pk}


def _lock_holder(household: Household, person: Person | None):
    if person is not None:
        return (
            Person.objects.select_for_update().select_related("household__region").get(pk=person.pk)
        )
    return Household.objects.select_for_update().select_related("region").get(pk=household.pk)


def _apply(holder, change: BankAccountChange) -> None:
    holder.bank_name = change.bank_name
    holder.bank_account_enc = change.bank_account_enc
    holder.bank_account_hash = change.bank_account_hash
    holder.bank_account_last4 = change.bank_account_last4
    holder.save(
        update_fields=[
            "bank_name",
            "bank_account_enc",
            "bank_account_hash",
            "bank_account_last4",
        ]
    )


def bank_account_change(
    *,
    household: Household,
    person: Person | None = None,
    bank_name: str,
    account: str,
    reason: str,
    actor,
) -> BankAccountChange:
    """Set, change or remove (``account=""``) the bank account of ``person`` (their own), or of
    ``household`` (its default) when ``person`` is ``None``.

    Applied at once (status ``applied``) when no payment to the current account is pending or
    sent; otherwise recorded as a request (status ``pending``) for a second person to approve.
    Refused when a request for the same account is already pending, or nothing would change.
    """
    if person is not None and person.household_id != household.pk:
        raise InvalidInput(_("%(name)s is not a member of this household.") % {"name": person.name})
    require_perm(actor, PERM_CHANGE_PERSON if person is not None else PERM_CHANGE_HOUSEHOLD)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A bank account is changed by a person: name who asks."))
    require_region(actor, household.region, _("Household %(id)s") % {"id": household.pk})
    reason = required_text(reason, _("The reason for the change"))
    plain = clean_account_number(account)
    bank_name = (bank_name or "").strip()
    if plain and not bank_name:
        raise InvalidInput(_("Name the bank of the account."))
    if not plain:
        bank_name = ""
    what = _holder_label(household, person)
    try:
        with transaction.atomic():
            lock_head()
            holder = _lock_holder(household, person)
            new_hash = crypto.lookup_hash("bank", plain) if plain else ""
            if new_hash == holder.bank_account_hash and bank_name == holder.bank_name:
                raise InvalidInput(
                    _("Nothing changes: %(what)s is already %(account)s.")
                    % {"what": what, "account": holder.bank_account_masked or _("empty")}
                )
            waiting = BankAccountChange.objects.filter(
                household=household, person=person, status=AccountChangeStatus.PENDING
            ).first()
            if waiting is not None:
                raise AccountChangePending(
                    _(
                        "A change of %(what)s asked by %(user)s on %(day)s already awaits "
                        "approval; it must be approved or rejected before another is asked."
                    )
                    % {
                        "what": what,
                        "user": waiting.requested_by,
                        "day": timezone.localtime(waiting.requested_at).date(),
                    }
                )
            in_flight = (
                account_payments_in_flight(household, person) if holder.bank_account_enc else 0
            )
            change = BankAccountChange(
                household=household,
                person=person,
                bank_name=bank_name,
                previous_last4=holder.bank_account_last4,
                reason=reason,
                pending_payments=in_flight,
                status=AccountChangeStatus.PENDING if in_flight else AccountChangeStatus.APPLIED,
                requested_by=actor,
            )
            # The same stored shape as the holder's own fields (encrypted, hash, last four).
            staged = Person() if person is not None else Household()
            staged.set_bank_account(plain)
            change.bank_account_enc = staged.bank_account_enc
            change.bank_account_hash = staged.bank_account_hash
            change.bank_account_last4 = staged.bank_account_last4
            change.save()
            if not in_flight:
                _apply(holder, change)
            what_changed = dict(
                obj=change,
                household=household.pk,
                person=person.pk if person is not None else None,
                previous=change.previous_masked,
                new=change.bank_account_masked,
                bank=bank_name,
                reason=reason,
                payments_in_flight=in_flight,
            )
            if in_flight:
                audit(actor=actor, action=AuditAction.BANK_ACCOUNT_CHANGE_REQUEST, **what_changed)
            else:
                audit(actor=actor, action=AuditAction.BANK_ACCOUNT_CHANGE, **what_changed)
    except IntegrityError as exc:
        # Two clerks asking at once: the unique pending request decides.
        raise AccountChangePending(
            _("A change of %(what)s was asked a moment ago and awaits approval.") % {"what": what}
        ) from exc
    return change


def _lock_change(change: BankAccountChange) -> BankAccountChange:
    return (
        BankAccountChange.objects.select_for_update(of=("self",))
        .select_related("household__region", "person", "requested_by")
        .get(pk=change.pk)
    )


def _check_decider(change: BankAccountChange, actor) -> None:
    require_perm(actor, PERM_APPROVE_ACCOUNT_CHANGE)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A change is decided by a person: name who decides."))
    require_region(
        actor, change.household.region, _("Household %(id)s") % {"id": change.household_id}
    )
    if change.status != AccountChangeStatus.PENDING:
        raise ChangeDecided(
            _("Change BAC%(id)s is %(status)s: there is nothing left to decide.")
            % {"id": change.pk, "status": AccountChangeStatus(change.status).label}
        )
    if change.requested_by_id == actor.pk:
        raise NotAllowed(
            _(
                "You asked for change BAC%(id)s yourself; another person must approve or "
                "reject it (four eyes)."
            )
            % {"id": change.pk}
        )


def bank_account_change_approve(
    *, change: BankAccountChange, actor, note: str = ""
) -> BankAccountChange:
    """A second person approves a pending change: the account is changed now. Payments already
    in a batch keep the account they were built with; later ones use the new one."""
    with transaction.atomic():
        lock_head()
        change = _lock_change(change)
        _check_decider(change, actor)
        holder = _lock_holder(change.household, change.person)
        previous = holder.bank_account_masked
        change.status = AccountChangeStatus.APPROVED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.decision_note = (note or "").strip()
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _apply(holder, change)
        audit(
            actor=actor,
            action=AuditAction.BANK_ACCOUNT_CHANGE_APPROVE,
            obj=change,
            household=change.household_id,
            person=change.person_id,
            previous=previous,
            new=change.bank_account_masked,
            asked_by=change.requested_by_id,
        )
    return change


def bank_account_change_reject(*, change: BankAccountChange, actor, note: str) -> BankAccountChange:
    """A second person rejects a pending change, saying why: the account stays as it is."""
    note = required_text(note, _("The reason for rejecting"))
    with transaction.atomic():
        change = _lock_change(change)
        _check_decider(change, actor)
        change.status = AccountChangeStatus.REJECTED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.decision_note = note
        change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit(
            actor=actor,
            action=AuditAction.BANK_ACCOUNT_CHANGE_REJECT,
            obj=change,
            household=change.household_id,
            person=change.person_id,
            asked_by=change.requested_by_id,
            note=note,
        )
    return change


def reveal_person_bank_account(*, person: Person, actor, reason: str) -> str:
    """A person's own whole account number (audited like the household's)."""
    require_perm(actor, PERM_REVEAL)
    require_region(actor, person.household.region, _("This household"))
    reason = required_text(reason, _("The reason for showing the whole number"))
    plain = person.bank_account_plain()
    audit(actor=actor, action=AuditAction.PERSON_REVEAL_BANK_ACCOUNT, obj=person, reason=reason)
    return plain
