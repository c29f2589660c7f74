"""The correction screens (issue 14): household, member, add and remove, and the history on the
household page. Role and region are checked on each; a second save from a stale copy is refused
with what was typed kept; errors sit next to their field; no whole ID number or birth date is
written into a page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from approvals.models import Household, Person
from ledger.audit import AuditAction
from ledger.models import AuditEvent

from .factories import id_number


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return login


def _url(name, household, person=None):
    args = [household.pk] if person is None else [household.pk, person.pk]
    return reverse(f"approvals:{name}", args=args)


def _household_post(household, **changes):
    data = {
        "version": str(household.version),
        "region": str(household.region_id),
        "address": household.address,
        "phone": household.phone,
        "reason": "",
    }
    data.update(changes)
    return data


def test_the_case_worker_corrects_a_household_and_the_history_shows_it(as_user, household, people):
    client = as_user(people.worker)
    page = client.get(_url("household", household)).content.decode()
    assert _url("household-edit", household) in page

    # when the worker corrects the phone, saying why
    form = client.get(_url("household-edit", household))
    assert form.status_code == 200 and 'name="version"' in form.content.decode()
    response = client.post(
        _url("household-edit", household),
        _household_post(household, phone="13912345678", reason="户主换号"),
    )

    # then the household reads the new phone and its page shows who, what and why
    assert response.status_code == 302
    assert Household.objects.get(pk=household.pk).phone == "13912345678"
    html = client.get(_url("household", household)).content.decode()
    history = html[html.index('id="history"') :]
    assert "household corrected" in history and "worker" in history
    assert "13800000000 → 13912345678" in history and "户主换号" in history
    assert "registered" in history


def test_two_clerks_editing_at_once_the_second_is_refused_and_keeps_what_they_typed(
    as_user, household, people, make_user, client, world
):
    from django.test import Client

    from .factories import make_staff

    # given two clerks who opened the same household's form (version 1)
    first = as_user(people.worker)
    other = make_staff(make_user, "case_worker", world.village_a1, "worker2")
    second = Client()
    second.force_login(other)
    second.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert 'value="1"' in first.get(_url("household-edit", household)).content.decode()
    assert 'value="1"' in second.get(_url("household-edit", household)).content.decode()

    # when the first saves a new address, then the second saves a new phone from their copy
    assert (
        first.post(
            _url("household-edit", household), _household_post(household, address="梅园一村9号")
        ).status_code
        == 302
    )
    response = second.post(
        _url("household-edit", household), _household_post(household, phone="13700000000")
    )

    # then the second is refused (409), told to reload, and their typing is still in the form
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else" in html and 'value="13700000000"' in html
    # and the first clerk's address stands, the phone was not written
    saved = Household.objects.get(pk=household.pk)
    assert (saved.address, saved.phone, saved.version) == ("梅园一村9号", "13800000000", 2)


@pytest.mark.parametrize("name", ["household-edit", "member-add", "person-edit", "member-remove"])
def test_role_and_region_are_checked_on_every_screen(as_user, household, people, name):
    child = household.people.get(is_head=False)
    person = child if name in ("person-edit", "member-remove") else None
    url = _url(name, household, person)
    # a case worker of another township: the household does not exist for them
    assert as_user(people.worker_b).get(url).status_code == 404
    # a reviewer, the auditor, the administrator: not their role
    for user in (people.village_rev, people.auditor, people.admin):
        assert as_user(user).get(url).status_code == 403
        assert as_user(user).post(url, {"version": "1", "reason": "x"}).status_code == 403
    assert Household.objects.get(pk=household.pk).version == 1


def test_a_member_is_corrected_and_no_whole_number_is_shown(as_user, household, people):
    client = as_user(people.worker)
    child = household.people.get(is_head=False)
    plain = child.id_number_plain()
    birth = child.birth_date

    # the form shows the masked number and an empty box for a corrected one
    html = client.get(_url("person-edit", household, child)).content.decode()
    assert child.id_number_masked in html and plain not in html
    assert birth.isoformat() not in html and birth.strftime("%Y%m%d") not in html

    # an invalid number: said next to the box, the name typed is kept, nothing changes
    response = client.post(
        _url("person-edit", household, child),
        {
            "version": "1",
            "name": "张小红",
            "relation": "child",
            "id_number": "110105201001010000",
            "reason": "核对",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_id_number_errors"' in html and 'value="张小红"' in html
    assert Person.objects.get(pk=child.pk).name == "成员1"

    # a valid new number without a reason: the reason box says so
    new = id_number("20110606")
    response = client.post(
        _url("person-edit", household, child),
        {"version": "1", "name": "成员1", "relation": "child", "id_number": new, "reason": ""},
    )
    assert response.status_code == 400
    assert 'id="id_reason_errors"' in response.content.decode()
    assert Person.objects.get(pk=child.pk).id_number_plain() == plain

    # with a reason: corrected, and the household page shows the masked change only
    response = client.post(
        _url("person-edit", household, child),
        {
            "version": "1",
            "name": "成员1",
            "relation": "child",
            "id_number": new,
            "reason": "户口簿",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=child.pk).id_number_plain() == new
    page = client.get(_url("household", household)).content.decode()
    assert "member corrected" in page and "户口簿" in page
    for whole in (plain, new, "2011-06-06", "20110606", birth.isoformat()):
        assert whole not in page


def test_a_member_is_added_and_removed_on_the_screens(as_user, household, people):
    client = as_user(people.worker)
    number = id_number("20230303")
    response = client.post(
        _url("member-add", household),
        {
            "version": "1",
            "name": "张小宝",
            "id_number": number,
            "relation": "child",
            "reason": "新生儿",
        },
    )
    assert response.status_code == 302
    baby = Person.objects.get(name="张小宝")

    # removing without a reason: said next to the box, nothing removed
    response = client.post(_url("member-remove", household, baby), {"version": "2", "reason": ""})
    assert response.status_code == 400 and 'id="id_reason_errors"' in response.content.decode()
    assert Person.objects.filter(pk=baby.pk).exists()

    response = client.post(
        _url("member-remove", household, baby), {"version": "2", "reason": "重复登记"}
    )
    assert response.status_code == 302
    assert not Person.objects.filter(pk=baby.pk).exists()
    page = client.get(_url("household", household)).content.decode()
    assert "member removed" in page and "重复登记" in page and number not in page
    assert AuditEvent.objects.filter(action=AuditAction.PERSON_REMOVE).count() == 1


def test_a_duplicate_number_is_said_next_to_the_box(as_user, household, people, world):
    from .factories import make_household

    other = make_household(people.worker_b, world.village_b1)
    taken = other.people.get().id_number_plain()
    client = as_user(people.worker)
    response = client.post(
        _url("member-add", household),
        {"version": "1", "name": "李四", "id_number": taken, "relation": "child", "reason": ""},
    )
    html = response.content.decode()
    assert response.status_code == 409
    errors_at = html.index('id="id_id_number_errors"')
    assert "already registered elsewhere" in html[errors_at : errors_at + 400]
    assert taken not in html and 'value="李四"' in html
