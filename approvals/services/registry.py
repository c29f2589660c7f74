"""Writes to the registry: regions, staff regions, households, people; audited reveals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.audit import AuditAction, audit

from .. import crypto
from ..exceptions import DuplicatePerson, InvalidInput
from ..idnumbers import compact, id_number_parse
from ..models import (
    PERM_REVEAL,
    Household,
    Person,
    PersonStatus,
    Region,
    RegionLevel,
    Relation,
    StaffProfile,
    region_covers,
)
from ..selectors import staff_region
from ._common import name_text, require_perm, require_region, required_text
from .bankaccounts import clean_account_number


@dataclass(frozen=True)
class PersonSpec:
    name: str
    id_number: str
    relation: str = Relation.HEAD
    is_head: bool | None = None  # default: relation == head


def region_create(*, code: str, name: str, level: str, parent: Region | None, actor) -> Region:
    require_perm(actor, "approvals.add_region")
    region = Region(
        code=(code or "").strip(), name=(name or "").strip(), level=level, parent=parent
    )
    try:
        region.full_clean()
    except ValidationError as exc:
        raise InvalidInput("; ".join(exc.messages)) from exc
    with transaction.atomic():
        region.save()
        audit(actor=actor, action=AuditAction.REGION_CREATE, obj=region, code=region.code)
    return region


def staff_region_set(*, user, region: Region, actor) -> StaffProfile:
    require_perm(actor, "approvals.change_staffprofile")
    with transaction.atomic():
        profile, _created = StaffProfile.objects.update_or_create(
            user=user, defaults={"region": region}
        )
        audit(
            actor=actor,
            action=AuditAction.STAFF_REGION,
            obj=profile,
            user=user.pk,
            region=region.code,
        )
    return profile


def _duplicate(number: str, other: Person, actor) -> DuplicatePerson:
    """The refusal of a number already registered. Inside the actor's region it names the
    household and its head (the clerk can open it); outside it says only that the person is
    registered elsewhere: naming the household, its head or even its region would let any clerk
    ask "is this ID number registered, and with whom" about the whole county."""
    own = staff_region(actor)
    if own is not None and region_covers(own, other.household.region):
        return DuplicatePerson(
            _(
                "The person with ID number %(id)s is already registered in household %(hh)s "
                "(head %(head)s); a person belongs to one household only."
            )
            % {
                "id": crypto.mask_id_number(number),
                "hh": other.household_id,
                "head": getattr(other.household.head, "name", "?"),
            }
        )
    return DuplicatePerson(
        _("The person with ID number %(id)s is already registered elsewhere; contact the county.")
        % {"id": crypto.mask_id_number(number)}
    )


def _person(household: Household, spec: PersonSpec, actor) -> Person:
    parsed = id_number_parse(spec.id_number)
    relation = spec.relation
    if relation not in Relation.values:
        raise InvalidInput(_("Unknown relation %(rel)s.") % {"rel": relation})
    is_head = (relation == Relation.HEAD) if spec.is_head is None else spec.is_head
    if is_head != (relation == Relation.HEAD):
        raise InvalidInput(_("The head of household has relation 'head', and only they do."))
    lookup = crypto.lookup_hash("id", parsed.number)
    other = (
        Person.objects.filter(id_number_hash=lookup)
        .select_related("household", "household__region")
        .first()
    )
    if other is not None:
        raise _duplicate(parsed.number, other, actor)
    return Person(
        household=household,
        name=name_text(spec.name, _("The name")),
        relation=relation,
        is_head=is_head,
        id_number_enc=crypto.encrypt(parsed.number),
        id_number_hash=lookup,
        birth_date=parsed.birth_date,
        sex=parsed.sex,
    )


def household_register(
    *,
    region: Region,
    address: str,
    people: Sequence[PersonSpec],
    actor,
    phone: str = "",
    bank_name: str = "",
    bank_account: str = "",
) -> Household:
    """Register a household with its members (exactly one head) in a village of the actor's
    region. ID and bank account numbers are validated, then stored only encrypted."""
    require_perm(actor, "approvals.add_household")
    require_region(actor, region, _("Village %(name)s") % {"name": region.name})
    if region.level != RegionLevel.VILLAGE:
        raise InvalidInput(
            _("A household is registered in a village, not a %(level)s.")
            % {"level": region.get_level_display()}
        )
    address = required_text(address, _("The address"))
    if not people:
        raise InvalidInput(_("List the household's members, with its head."))
    heads = [p for p in people if (p.relation == Relation.HEAD if p.is_head is None else p.is_head)]
    if len(heads) != 1:
        raise InvalidInput(_("A household has exactly one head (found %(n)s).") % {"n": len(heads)})
    numbers = [compact(p.id_number) for p in people]
    if len(set(numbers)) != len(numbers):
        raise InvalidInput(_("The same ID number is listed twice."))
    account = clean_account_number(bank_account)
    try:
        with transaction.atomic():
            household = Household(
                region=region,
                address=address,
                phone=(phone or "").strip(),
                bank_name=(bank_name or "").strip(),
                created_by=actor,
            )
            household.set_bank_account(account)
            household.save()
            members = [_person(household, spec, actor) for spec in people]
            Person.objects.bulk_create(members)
            audit(
                actor=actor,
                action=AuditAction.HOUSEHOLD_REGISTER,
                obj=household,
                region=region.code,
                people=len(members),
            )
    except IntegrityError as exc:
        # Two clerks registering the same person at once: the unique hash decides.
        raise DuplicatePerson(
            _("One of these people was registered in another household a moment ago.")
        ) from exc
    return household


def person_add(*, household: Household, person: PersonSpec, actor) -> Person:
    require_perm(actor, "approvals.add_person")
    require_region(actor, household.region, _("Household %(id)s") % {"id": household.pk})
    if person.relation == Relation.HEAD or person.is_head:
        raise InvalidInput(_("The household already has its head; add other members here."))
    try:
        with transaction.atomic():
            row = _person(household, person, actor)
            row.save()
            audit(actor=actor, action=AuditAction.PERSON_ADD, obj=row, household=household.pk)
    except IntegrityError as exc:
        raise DuplicatePerson(
            _("This person was registered in another household a moment ago.")
        ) from exc
    return row


def person_status_set(
    *, person: Person, status: str, actor, on: date | None = None, note: str = ""
) -> Person:
    """Record that a person died or moved away (or lives here again), from the day ``on``:
    the next annual confirmation of a recurring program stops their award. Audited."""
    if status not in PersonStatus.values:
        raise InvalidInput(_("Choose living here, deceased or moved away."))
    require_perm(actor, "approvals.change_household")
    require_region(
        actor, person.household.region, _("Household %(id)s") % {"id": person.household_id}
    )
    on = on or timezone.localdate()
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        before = person.status
        person.status = status
        person.status_date = None if status == PersonStatus.LIVING else on
        person.save(update_fields=["status", "status_date"])
        audit(
            actor=actor,
            action=AuditAction.PERSON_STATUS,
            obj=person,
            before=before,
            after=status,
            on=on.isoformat(),
            note=(note or "").strip(),
        )
    return person


def reveal_id_number(*, person: Person, actor, reason: str) -> str:
    """The whole ID number, for a role that needs it; every reveal is written to the audit log
    (who, whose, why) and the number itself never is."""
    require_perm(actor, PERM_REVEAL)
    require_region(actor, person.household.region, _("This household"))
    reason = required_text(reason, _("The reason for showing the whole number"))
    plain = person.id_number_plain()
    audit(actor=actor, action=AuditAction.PERSON_REVEAL_ID_NUMBER, obj=person, reason=reason)
    return plain


def reveal_bank_account(*, household: Household, actor, reason: str) -> str:
    require_perm(actor, PERM_REVEAL)
    require_region(actor, household.region, _("This household"))
    reason = required_text(reason, _("The reason for showing the whole number"))
    plain = household.bank_account_plain()
    audit(
        actor=actor, action=AuditAction.HOUSEHOLD_REVEAL_BANK_ACCOUNT, obj=household, reason=reason
    )
    return plain
