"""Correcting the registry after registration: a household's address, phone and village; a
member's name, relation and ID number; adding and removing a member. (Bank accounts are changed
through ``bankaccounts``, with its own maker-checker.)

What every correction guarantees:

* the actor holds the role's permission and the household lies in their region (a move to
  another village needs that village in their region too);
* optimistic concurrency: the caller says which ``version`` of the household it read; the
  household row is locked and a save against an older version is refused (``EditConflict``),
  so a second clerk never silently overwrites the first one's correction. Every correction
  raises the version by one;
* an audit event in the same transaction with the household, each field's value before and
  after, and the reason. ID numbers appear in it only masked;
* an ID number is sensitive: changing it needs a reason, re-runs the duplicate check (outside
  the clerk's region the answer says only "registered elsewhere"), re-reads birth date and sex
  from the number, and is refused while a payment to the person is pending or at the bank (the
  bank file carries the number copied when the batch was built);
* a member is removed only with a reason and only when nothing names them (cases, awards,
  enrolments, payments, account changes): otherwise their status says moved away or deceased.

Lock order: the household row, then its people (a person's row is only written under its
household's lock).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ledger.audit import AuditAction, audit

from .. import crypto
from ..exceptions import (
    DuplicatePerson,
    EditConflict,
    InvalidInput,
    PaymentInFlight,
    PersonInUse,
)
from ..hooks import account_payments_in_flight
from ..idnumbers import id_number_parse
from ..models import CaseState, Household, Person, Region, RegionLevel, Relation
from ._common import name_text, require_perm, require_region, required_text
from .registry import PersonSpec, _duplicate, _person

PERM_CHANGE_HOUSEHOLD = "approvals.change_household"
PERM_CHANGE_PERSON = "approvals.change_person"
PERM_ADD_PERSON = "approvals.add_person"
# A case still moving through review keeps the village it was filed in: the household is not
# moved under it. Settled cases (decided, withdrawn) do not hold it.
_SETTLED_CASE_STATES = (
    CaseState.FINAL,
    CaseState.REJECTED,
    CaseState.WITHDRAWN,
    CaseState.CANCELLED,
)


def _lock_household(household: Household, version: int, actor) -> Household:
    """Lock the household, check the actor's region and that nobody saved it since ``version``."""
    locked = Household.objects.select_for_update().select_related("region").get(pk=household.pk)
    require_region(actor, locked.region, _("Household %(id)s") % {"id": locked.pk})
    if version is None or int(version) != locked.version:
        raise EditConflict(
            _(
                "Household %(id)s was changed by someone else after you opened it (your copy is "
                "version %(yours)s, the saved one %(saved)s). Reload the page to see their "
                "change, then make yours again."
            )
            % {"id": locked.pk, "yours": version, "saved": locked.version}
        )
    return locked


def _bump(household: Household) -> None:
    household.version += 1
    household.save(update_fields=["version"])


def _changes(before: dict, after: dict) -> dict:
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def household_update(
    *,
    household: Household,
    version: int,
    actor,
    address: str | None = None,
    phone: str | None = None,
    region: Region | None = None,
    reason: str = "",
) -> Household:
    """Correct the address, phone or village of a household (``None``: leave as it is)."""
    require_perm(actor, PERM_CHANGE_HOUSEHOLD)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock_household(household, version, actor)
        before = {
            "address": locked.address,
            "phone": locked.phone,
            "region": locked.region.code,
        }
        if address is not None:
            locked.address = required_text(address, _("The address"))
        if phone is not None:
            locked.phone = (phone or "").strip()
        if region is not None and region.pk != locked.region_id:
            if region.level != RegionLevel.VILLAGE:
                raise InvalidInput(
                    _("A household lives in a village, not a %(level)s.")
                    % {"level": region.get_level_display()}
                )
            require_region(actor, region, _("Village %(name)s") % {"name": region.name})
            moving = locked.cases.exclude(state__in=_SETTLED_CASE_STATES).first()
            if moving is not None:
                raise InvalidInput(
                    _(
                        "Case %(number)s of this household is still under way in %(village)s; "
                        "it is reviewed where it was filed. Move the household once it is "
                        "decided or withdrawn."
                    )
                    % {"number": moving.number, "village": locked.region.name}
                )
            locked.region = region
        after = {"address": locked.address, "phone": locked.phone, "region": locked.region.code}
        changes = _changes(before, after)
        if not changes:
            raise InvalidInput(_("Nothing changes: the household already reads like this."))
        locked.version += 1
        locked.save(update_fields=["address", "phone", "region", "version"])
        audit(
            actor=actor,
            action=AuditAction.HOUSEHOLD_UPDATE,
            obj=locked,
            household=locked.pk,
            changes=changes,
            reason=reason,
        )
    return locked


def person_update(
    *,
    person: Person,
    version: int,
    actor,
    name: str | None = None,
    relation: str | None = None,
    id_number: str | None = None,
    reason: str = "",
) -> Person:
    """Correct a member's name, relation or ID number (``None`` or an empty ID: leave as it is).

    The head stays the head (a household has exactly one; a new head is registered as such).
    An ID number change needs a reason and is refused while a payment to the person is pending
    or sent."""
    require_perm(actor, PERM_CHANGE_PERSON)
    reason = (reason or "").strip()
    try:
        with transaction.atomic():
            household = _lock_household(person.household, version, actor)
            row = Person.objects.select_for_update().get(pk=person.pk, household=household)
            before = {
                "name": row.name,
                "relation": row.relation,
                "id_number": row.id_number_masked,
                "birth_date": row.birth_date.isoformat(),
                "sex": row.sex,
            }
            if name is not None:
                row.name = name_text(name, _("The name"))
            if relation is not None and relation != row.relation:
                if relation not in Relation.values:
                    raise InvalidInput(_("Unknown relation %(rel)s.") % {"rel": relation})
                if row.is_head or relation == Relation.HEAD:
                    raise InvalidInput(
                        _(
                            "The head of household stays the head, and only they have the "
                            "relation 'head'."
                        )
                    )
                row.relation = relation
            id_changed = False
            if id_number and id_number.strip():
                parsed = id_number_parse(id_number)
                lookup = crypto.lookup_hash("id", parsed.number)
                if lookup != row.id_number_hash:
                    id_changed = True
                    if not reason:
                        raise InvalidInput(
                            _(
                                "Say why the ID number is corrected (e.g. which document shows "
                                "the right one)."
                            )
                        )
                    other = (
                        Person.objects.filter(id_number_hash=lookup)
                        .select_related("household", "household__region")
                        .first()
                    )
                    if other is not None:
                        raise _duplicate(parsed.number, other, actor)
                    if _payments_in_flight(row):
                        raise PaymentInFlight(
                            _(
                                "A payment to %(name)s is pending or at the bank with the ID "
                                "number on file; correct it once the bank's result is in (or "
                                "the draft batch is discarded)."
                            )
                            % {"name": row.name}
                        )
                    row.id_number_enc = crypto.encrypt(parsed.number)
                    row.id_number_hash = lookup
                    row.birth_date = parsed.birth_date
                    row.sex = parsed.sex
            after = {
                "name": row.name,
                "relation": row.relation,
                "id_number": crypto.mask_id_number(row.id_number_plain())
                if id_changed
                else before["id_number"],
                "birth_date": row.birth_date.isoformat(),
                "sex": row.sex,
            }
            changes = _changes(before, after)
            if not changes:
                raise InvalidInput(
                    _("Nothing changes: %(name)s already reads like this.") % {"name": row.name}
                )
            # Birth dates are never written whole into the trail: only that it changed.
            if "birth_date" in changes:
                changes["birth_date"] = ["…", "…"]
            row.save(
                update_fields=[
                    "name",
                    "relation",
                    "id_number_enc",
                    "id_number_hash",
                    "birth_date",
                    "sex",
                ]
            )
            _bump(household)
            audit(
                actor=actor,
                action=AuditAction.PERSON_UPDATE,
                obj=row,
                household=household.pk,
                changes=changes,
                reason=reason,
            )
    except IntegrityError as exc:
        # Someone registered the corrected number a moment ago: the unique hash decides.
        raise DuplicatePerson(
            _("The person with this ID number was registered elsewhere a moment ago.")
        ) from exc
    return row


def _payments_in_flight(person: Person) -> int:
    """Payments pending or sent to the person, whichever account they go to."""
    return account_payments_in_flight(person.household, person) + (
        account_payments_in_flight(person.household, None) if not person.bank_account_enc else 0
    )


def member_add(
    *, household: Household, person: PersonSpec, version: int, actor, reason: str = ""
) -> Person:
    """Add a member (not a head) to a registered household; the ID number is checked like at
    registration (once per county, region-safe answer)."""
    require_perm(actor, PERM_ADD_PERSON)
    if person.relation == Relation.HEAD or person.is_head:
        raise InvalidInput(_("The household already has its head; add other members here."))
    try:
        with transaction.atomic():
            locked = _lock_household(household, version, actor)
            row = _person(locked, person, actor)
            row.save()
            _bump(locked)
            audit(
                actor=actor,
                action=AuditAction.PERSON_ADD,
                obj=row,
                household=locked.pk,
                name=row.name,
                id_number=row.id_number_masked,
                relation=row.relation,
                reason=(reason or "").strip(),
            )
    except IntegrityError as exc:
        raise DuplicatePerson(
            _("This person was registered in another household a moment ago.")
        ) from exc
    return row


def member_remove(*, person: Person, version: int, actor, reason: str) -> Household:
    """Remove a member registered by mistake, saying why. The head is not removed, nor anyone
    named in a case, award, enrolment, payment or account change (record their status
    instead: moved away or deceased)."""
    require_perm(actor, PERM_CHANGE_PERSON)
    reason = required_text(reason, _("The reason for removing the member"))
    in_use = PersonInUse(
        _(
            "%(name)s is named in cases, awards, payments or bank account changes and stays in "
            "the register: record them as moved away or deceased instead."
        )
        % {"name": person.name}
    )
    with transaction.atomic():
        household = _lock_household(person.household, version, actor)
        row = Person.objects.select_for_update().get(pk=person.pk, household=household)
        if row.is_head:
            raise InvalidInput(
                _("The head of household is not removed; a household keeps exactly one head.")
            )
        snapshot = {
            "name": row.name,
            "relation": row.relation,
            "id_number": row.id_number_masked,
        }
        pk = row.pk
        try:
            with transaction.atomic():
                row.delete()
        except (ProtectedError, IntegrityError) as exc:
            raise in_use from exc
        _bump(household)
        audit(
            actor=actor,
            action=AuditAction.PERSON_REMOVE,
            # About the household (the person row is gone): its history finds it by the
            # household, and the person's earlier events by ``person``.
            obj=household,
            household=household.pk,
            person=pk,
            removed=snapshot,
            reason=reason,
        )
    return household


__all__ = [
    "PERM_CHANGE_HOUSEHOLD",
    "PERM_CHANGE_PERSON",
    "household_update",
    "member_add",
    "member_remove",
    "person_update",
]
