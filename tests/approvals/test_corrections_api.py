"""Correcting households and members through the API (issue 14): PATCH a household, add,
correct and remove a member; the version guards against overwriting; role and region are
checked; no whole ID number in any answer."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from approvals.models import Household, Person
from ledger.audit import AuditAction
from ledger.models import AuditEvent

from .factories import id_number, make_household

pytestmark = pytest.mark.django_db

API = "/api/approvals/households"


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_patch_corrects_a_household_and_shows_the_new_version(household, people):
    client = api(people.worker)
    read = client.get(f"{API}/{household.pk}/").json()
    assert read["version"] == 1

    response = client.patch(
        f"{API}/{household.pk}/",
        {"version": 1, "phone": "13955555555", "reason": "户主换号"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["phone"] == "13955555555" and body["version"] == 2
    assert body["address"] == household.address  # not sent, not changed
    event = AuditEvent.objects.get(action=AuditAction.HOUSEHOLD_UPDATE)
    assert event.data["changes"] == {"phone": ["13800000000", "13955555555"]}


def test_a_stale_version_is_refused_with_409_and_nothing_changes(household, people):
    client = api(people.worker)
    assert (
        client.patch(
            f"{API}/{household.pk}/", {"version": 1, "address": "一号"}, format="json"
        ).status_code
        == 200
    )
    response = client.patch(
        f"{API}/{household.pk}/", {"version": 1, "address": "二号"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "edit_conflict"
    assert Household.objects.get(pk=household.pk).address == "一号"


def test_outside_the_region_or_role_the_api_refuses(household, people, world):
    before = Household.objects.get(pk=household.pk).version
    # another township's case worker: not found
    assert (
        api(people.worker_b)
        .patch(f"{API}/{household.pk}/", {"version": 1, "phone": "1"}, format="json")
        .status_code
        == 404
    )
    # a reviewer and the auditor: not their role
    for user in (people.village_rev, people.auditor):
        assert (
            api(user)
            .patch(f"{API}/{household.pk}/", {"version": 1, "phone": "1"}, format="json")
            .status_code
            == 403
        )
    # a village outside the clerk's region: refused by the field's scope
    response = api(people.worker).patch(
        f"{API}/{household.pk}/",
        {"version": 1, "region": world.village_b1.code},
        format="json",
    )
    assert response.status_code == 400
    assert Household.objects.get(pk=household.pk).version == before


def test_members_are_added_corrected_and_removed(household, people, world):
    client = api(people.worker)
    number = id_number("20220202")

    added = client.post(
        f"{API}/{household.pk}/members/",
        {
            "version": 1,
            "name": "张小宝",
            "id_number": number,
            "relation": "child",
            "reason": "落户",
        },
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert number not in added.content.decode()
    baby = Person.objects.get(name="张小宝")

    # a corrected ID number without a reason is refused; with one it is taken
    new = id_number("20220303")
    refused = client.patch(
        f"{API}/{household.pk}/members/{baby.pk}/",
        {"version": 2, "id_number": new},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_input"
    corrected = client.patch(
        f"{API}/{household.pk}/members/{baby.pk}/",
        {"version": 2, "id_number": new, "name": "张宝宝", "reason": "出生证明"},
        format="json",
    )
    assert corrected.status_code == 200, corrected.json()
    assert new not in corrected.content.decode()
    baby.refresh_from_db()
    assert baby.name == "张宝宝" and baby.id_number_plain() == new

    # a duplicate from another township: 409, region-safe
    other = make_household(people.worker_b, world.village_b1)
    dup = client.patch(
        f"{API}/{household.pk}/members/{baby.pk}/",
        {"version": 3, "id_number": other.people.get().id_number_plain(), "reason": "x"},
        format="json",
    )
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_person"
    assert "registered elsewhere" in dup.content.decode()

    # removed with a reason
    removed = client.post(
        f"{API}/{household.pk}/members/{baby.pk}/remove/",
        {"version": 3, "reason": "重复登记"},
        format="json",
    )
    assert removed.status_code == 200, removed.json()
    assert not Person.objects.filter(pk=baby.pk).exists()
    assert removed.json()["version"] == 4

    # a member of another household is not found here
    stranger = make_household(people.worker, world.village_a1, head_name="王五")
    head = stranger.people.get()
    missing = client.patch(
        f"{API}/{household.pk}/members/{head.pk}/", {"version": 4, "name": "x"}, format="json"
    )
    assert missing.status_code == 404
