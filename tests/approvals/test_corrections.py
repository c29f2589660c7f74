"""Correcting the registry (issue 14): households, members and ID numbers after registration.

Each correction: role and region checked; audited with before and after (ID numbers masked,
birth dates never written); optimistic concurrency on the household's version; an ID change
needs a reason, re-runs the duplicate check with the region-safe answer, and waits for payments
in flight; a member is removed only with a reason and when nothing names them.
"""

from __future__ import annotations

import pytest

from approvals import crypto, services
from approvals.exceptions import (
    DuplicatePerson,
    EditConflict,
    InvalidIdNumber,
    InvalidInput,
    NotAllowed,
    PersonInUse,
)
from approvals.models import Household, Person
from ledger.audit import AuditAction
from ledger.models import AuditEvent

from .factories import id_number, make_household, make_staff


def _state(household):
    household = Household.objects.get(pk=household.pk)
    return (
        household.address,
        household.phone,
        household.region_id,
        household.version,
        tuple(
            Person.objects.filter(household=household)
            .order_by("id")
            .values_list("name", "relation", "id_number_hash", "birth_date")
        ),
    )


def test_a_household_is_corrected_and_audited_with_before_and_after(
    household, people, world, make_user
):
    # given a registered household (version 1) and a case worker of the township
    assert household.version == 1
    town_worker = make_staff(make_user, "case_worker", world.town_a, "town_worker")

    # when the case worker corrects its address and phone, and moves it to the next village
    updated = services.household_update(
        household=household,
        version=1,
        address="梅园二村3号",
        phone="13900000000",
        region=world.village_a2,
        reason="搬迁",
        actor=town_worker,
    )

    # then the household reads the new values, its version went up by one
    assert (updated.address, updated.phone, updated.region) == (
        "梅园二村3号",
        "13900000000",
        world.village_a2,
    )
    assert Household.objects.get(pk=household.pk).version == 2
    # and the audit event says who, each field before and after, and why
    event = AuditEvent.objects.get(action=AuditAction.HOUSEHOLD_UPDATE)
    assert event.actor == town_worker and event.object_id == str(household.pk)
    assert event.data["changes"] == {
        "address": ["梅园一村8号", "梅园二村3号"],
        "phone": ["13800000000", "13900000000"],
        "region": [world.village_a1.code, world.village_a2.code],
    }
    assert event.data["reason"] == "搬迁"


def test_the_second_of_two_edits_from_the_same_version_is_refused(household, people):
    # given two clerks who opened the household at version 1; the first saves
    services.household_update(
        household=household, version=1, phone="13911111111", actor=people.worker
    )
    after_first = _state(household)

    # when the second saves their copy, read at version 1
    with pytest.raises(EditConflict, match="changed by someone else"):
        services.household_update(
            household=household, version=1, address="别的地址", actor=people.worker
        )

    # then nothing of theirs is written: the first clerk's change stands
    assert _state(household) == after_first
    # and the same holds for a member's correction made from the stale copy
    head = household.people.get(is_head=True)
    with pytest.raises(EditConflict):
        services.person_update(person=head, version=1, name="张大明", actor=people.worker)
    assert _state(household) == after_first


@pytest.mark.parametrize(
    "who, village, error",
    [
        ("worker_b", "village_a1", NotAllowed),  # the household lies outside their region
        ("worker", "village_b1", NotAllowed),  # the target village lies outside theirs
        ("worker", "village_a2", NotAllowed),  # a village beside theirs, too
        ("village_rev", None, NotAllowed),  # a reviewer does not correct households
        ("admin", None, NotAllowed),  # neither does the administrator
        ("worker", "town_a", InvalidInput),  # a household lives in a village
    ],
)
def test_role_and_region_are_checked(household, people, world, who, village, error):
    before = _state(household)
    with pytest.raises(error):
        services.household_update(
            household=household,
            version=1,
            phone="13922222222",
            region=getattr(world, village) if village else None,
            actor=getattr(people, who),
        )
    assert _state(household) == before


def test_a_household_with_a_case_under_way_is_not_moved(
    household, people, world, program, make_user
):
    town_worker = make_staff(make_user, "case_worker", world.town_a, "town_worker")
    services.case_file(program=program, household=household, actor=people.worker, cycle="2026")
    before = _state(household)
    with pytest.raises(InvalidInput, match="still under way"):
        services.household_update(
            household=household, version=1, region=world.village_a2, actor=town_worker
        )
    assert _state(household) == before


def test_nothing_to_change_is_said(household, people):
    with pytest.raises(InvalidInput, match="Nothing changes"):
        services.household_update(
            household=household, version=1, phone=household.phone, actor=people.worker
        )


# --------------------------------------------------------------------------------------------
# members
# --------------------------------------------------------------------------------------------
def test_a_member_is_renamed_and_relation_corrected(household, people):
    child = household.people.get(is_head=False)
    services.person_update(
        person=child, version=1, name="李小红", relation="spouse", actor=people.worker
    )
    child.refresh_from_db()
    assert (child.name, child.relation) == ("李小红", "spouse")
    event = AuditEvent.objects.get(action=AuditAction.PERSON_UPDATE)
    assert event.data["household"] == household.pk
    assert event.data["changes"] == {
        "name": ["成员1", "李小红"],
        "relation": ["child", "spouse"],
    }


def test_the_head_stays_the_head(household, people):
    head = household.people.get(is_head=True)
    child = household.people.get(is_head=False)
    with pytest.raises(InvalidInput, match="stays the head"):
        services.person_update(person=head, version=1, relation="spouse", actor=people.worker)
    with pytest.raises(InvalidInput, match="stays the head"):
        services.person_update(person=child, version=1, relation="head", actor=people.worker)


def test_an_id_number_change_needs_a_reason_and_reads_birth_and_sex_again(household, people):
    child = household.people.get(is_head=False)
    new = id_number("20120305", male=False)
    before = _state(household)

    # without a reason: refused, nothing changes
    with pytest.raises(InvalidInput, match="Say why"):
        services.person_update(person=child, version=1, id_number=new, actor=people.worker)
    assert _state(household) == before

    # with a reason: the number, birth date and sex are the new ones
    services.person_update(
        person=child, version=1, id_number=new, reason="户口簿核对有误", actor=people.worker
    )
    child.refresh_from_db()
    assert child.id_number_plain() == new
    assert child.birth_date.isoformat() == "2012-03-05" and child.sex == "F"
    # and the trail holds the masked numbers only, no birth date
    event = AuditEvent.objects.get(action=AuditAction.PERSON_UPDATE)
    text = str(event.data)
    assert event.data["changes"]["id_number"][1] == crypto.mask_id_number(new)
    assert new not in text and "2012-03-05" not in text and "20120305" not in text
    assert event.data["reason"] == "户口簿核对有误"


def test_an_invalid_id_number_is_refused(household, people):
    child = household.people.get(is_head=False)
    before = _state(household)
    with pytest.raises(InvalidIdNumber):
        services.person_update(
            person=child, version=1, id_number="110105201001010000", reason="x", actor=people.worker
        )
    assert _state(household) == before


def test_a_duplicate_id_answers_region_safely(household, people, world):
    # given a person registered in another township (outside the clerk's region)
    other = make_household(people.worker_b, world.village_b1)
    taken = other.people.get().id_number_plain()
    child = household.people.get(is_head=False)

    # when the clerk corrects a member's number to that one
    with pytest.raises(DuplicatePerson) as caught:
        services.person_update(
            person=child, version=1, id_number=taken, reason="核对", actor=people.worker
        )

    # then the answer says only "registered elsewhere": no household, head or region
    message = str(caught.value)
    assert "already registered elsewhere" in message
    assert f"household {other.pk}" not in message and "张小明" not in message
    assert "新街" not in message
    assert taken not in message

    # and inside their region it names the household, to open it
    mine = make_household(people.worker, world.village_a1, head_name="王五")
    with pytest.raises(DuplicatePerson, match=f"household {mine.pk}"):
        services.person_update(
            person=child,
            version=1,
            id_number=mine.people.get().id_number_plain(),
            reason="核对",
            actor=people.worker,
        )


def test_a_member_is_added_and_removed_with_a_reason(household, people):
    # when a member is added (version 1 -> 2)
    baby = services.member_add(
        household=household,
        person=services.PersonSpec(
            name="张小宝", id_number=id_number("20240101"), relation="child"
        ),
        version=1,
        reason="新生儿落户",
        actor=people.worker,
    )
    added = AuditEvent.objects.get(action=AuditAction.PERSON_ADD, object_id=str(baby.pk))
    assert added.data["reason"] == "新生儿落户" and added.data["household"] == household.pk

    # then removing needs a reason
    with pytest.raises(InvalidInput):
        services.member_remove(person=baby, version=2, reason=" ", actor=people.worker)
    # and with one, the member is gone, the trail keeps who it was (masked)
    services.member_remove(person=baby, version=2, reason="重复登记", actor=people.worker)
    assert not Person.objects.filter(pk=baby.pk).exists()
    removed = AuditEvent.objects.get(action=AuditAction.PERSON_REMOVE)
    assert removed.data["removed"]["name"] == "张小宝"
    assert "*" in removed.data["removed"]["id_number"]
    assert Household.objects.get(pk=household.pk).version == 3


def test_the_head_and_a_member_named_in_a_case_are_not_removed(household, people, program):
    head = household.people.get(is_head=True)
    child = household.people.get(is_head=False)
    with pytest.raises(InvalidInput, match="head"):
        services.member_remove(person=head, version=1, reason="x", actor=people.worker)
    services.case_file(
        program=program, household=household, members=[child], actor=people.worker, cycle="2026"
    )
    before = _state(household)
    with pytest.raises(PersonInUse, match="moved away or deceased"):
        services.member_remove(person=child, version=1, reason="x", actor=people.worker)
    assert _state(household) == before
