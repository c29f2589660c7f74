"""Issue 13, findings 2, 4 and 5: masks that cannot be undone, the objector's contact for the
objection handlers only, and no "is this person registered, and where" answer across regions.

Every rule is tested through the service (where it has one), the screen and the API.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import crypto, services
from approvals.exceptions import DuplicatePerson
from approvals.idnumbers import check_character
from approvals.services import PersonSpec
from ledger.models import AuditEvent

from .factories import id_number, make_household, make_staff

pytestmark = pytest.mark.django_db

API = "/api/approvals"


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _birth_writings(born: date) -> list[str]:
    return [born.isoformat(), born.strftime("%Y%m%d"), f"{born.year}年{born.month}月{born.day}日"]


# --------------------------------------------------------------------------------------------
# finding 2: the mask hides more than the birth date, and no birth date stands beside it
# --------------------------------------------------------------------------------------------
def test_the_mask_shows_the_first_four_and_the_last_two_characters_only():
    assert crypto.mask_id_number("11010519491231002X") == "1101************2X"
    assert crypto.mask_id_number("410102196203151231") == "4101************31"
    # nothing of the county, the birth date or the first two sequence digits is left
    masked = crypto.mask_id_number("410102196203151231")
    assert "19620315" not in masked and "0102" not in masked[4:]


def _candidates(masked: str, *, county: str, year: int, day: date | None = None) -> int:
    """How many valid numbers agree with the visible characters of ``masked``, for someone who
    also knows the county (the household's village says it) and the birth year (what a screen
    may show) or even the whole birth date. The check character counts: it rules out 10 of 11."""
    visible = {i: c for i, c in enumerate(masked) if c != "*"}
    days = (
        [day]
        if day
        else [
            date.fromordinal(o)
            for o in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1)
        ]
    )
    found = 0
    for born, seq in itertools.product(days, range(1000)):
        first17 = f"{county}{born:%Y%m%d}{seq:03d}"
        number = first17 + check_character(first17)
        if all(number[i] == c for i, c in visible.items()):
            found += 1
    return found


def test_a_mask_with_the_birth_year_or_even_the_birth_date_leaves_many_numbers():
    # given one person's number, masked as every screen shows it
    number = "410102196203151231"
    masked = crypto.mask_id_number(number)

    # when someone who knows the county and the birth year tries every number that fits
    with_year = _candidates(masked, county="410102", year=1962)
    # or knows the whole birth date (never shown beside a mask, but a neighbour may know it)
    with_date = _candidates(masked, county="410102", year=1962, day=date(1962, 3, 15))

    # then thousands remain with the year, and several even with the date: the check character
    # alone gives nothing back (the old 6+4 mask left 1 with the date, about 33 with the year)
    assert with_year > 2000
    assert with_date >= 5


def test_the_household_page_api_and_admin_show_an_age_never_the_birth_date(
    client, people, world, make_user
):
    # given a household whose head was born on 15 March 1962
    born = date(1962, 3, 15)
    household = services.household_register(
        region=world.village_a1,
        address="一号",
        people=[PersonSpec("王大明", id_number("19620315"))],
        actor=people.worker,
    )
    head = household.people.get()
    age = head.age_on(date.today())
    admin = make_staff(make_user, "administrator", world.county, "staff_admin")
    admin.is_staff = True
    admin.save()

    # when the case worker opens the household page and the API, the administrator the admin
    client.force_login(people.worker)
    page = client.get(reverse("approvals:household", args=[household.pk])).content.decode()
    body = api(people.worker).get(f"{API}/households/{household.pk}/").json()
    client.force_login(admin)
    admin_page = client.get(
        reverse("admin:approvals_household_change", args=[household.pk])
    ).content.decode()

    # then each shows the masked number and the age, nowhere the birth date
    (person,) = body["people"]
    assert "birth_date" not in person and person["age"] == age == head.age
    assert person["id_number_masked"] == head.id_number_masked
    for text in (page, admin_page, str(body)):
        assert head.id_number_masked in text
        assert not [w for w in _birth_writings(born) if w in text]
    assert f"<td>{age}</td>" in page


# --------------------------------------------------------------------------------------------
# finding 4: the objector's name, contact and tracking code only for objection handlers
# --------------------------------------------------------------------------------------------
CONTACT, NAME = "13912345678", "李四海"


@pytest.fixture
def objection(new_case, drive):
    case = drive(new_case(), "on_notice")
    return services.objection_file(
        notice_item=case.notice_items.get(), contact=CONTACT, name=NAME, text="家中有车"
    )


@pytest.fixture
def everyone(people, world, make_user):
    """One user of every role that reads objections, in the objection's township or above."""
    return {
        "case_worker": people.worker,
        "village_reviewer": people.village_rev,
        "town_reviewer": people.town_rev,
        "county_reviewer": people.county_rev,
        "administrator": people.admin,
        "auditor": people.auditor,
        "finance_officer": make_staff(make_user, "finance_officer", world.county, "officer"),
        "finance_supervisor": make_staff(
            make_user, "finance_supervisor", world.county, "supervisor"
        ),
    }


HANDLERS = {"village_reviewer", "town_reviewer", "county_reviewer"}


@pytest.mark.parametrize(
    "role",
    [
        "case_worker",
        "village_reviewer",
        "town_reviewer",
        "county_reviewer",
        "administrator",
        "auditor",
        "finance_officer",
        "finance_supervisor",
    ],
)
def test_only_objection_handlers_read_who_objected_through_the_api_and_the_screen(
    client, everyone, objection, role
):
    user = everyone[role]
    handler = role in HANDLERS

    # when the user reads the objections through the API (list and detail) and the screen
    listed = api(user).get(f"{API}/objections/")
    detail = api(user).get(f"{API}/objections/{objection.pk}/")
    client.force_login(user)
    screen = client.get(reverse("approvals:objection", args=[objection.pk]))

    # then a handler reads the objector's name, contact and tracking code; everyone else who
    # may read objections reads the objection and its outcome, the objector's fields null
    if user.has_perm("approvals.view_objection"):
        assert listed.status_code == detail.status_code == 200
        rows = listed.json()["results"]
        assert [r["id"] for r in rows] == [objection.pk]
        for row in (rows[0], detail.json()):
            assert row["text"] == "家中有车" and row["status"] == "open"
            shown = (row["name"], row["contact"], row["tracking_code"])
            expected = (NAME, CONTACT, objection.tracking_code) if handler else (None,) * 3
            assert shown == expected
    else:
        assert listed.status_code == detail.status_code == 403
    for answer in (listed, detail):
        text = answer.content.decode()
        assert (CONTACT in text and objection.tracking_code in text) == handler
    # the screen is the handlers' only: others are refused, as before
    assert screen.status_code == (200 if handler else 403)
    if handler:
        assert CONTACT in screen.content.decode() and NAME in screen.content.decode()


def test_the_handlers_answer_to_dismiss_names_the_objector(people, objection):
    # when a reviewer dismisses the objection through the API
    answer = api(people.town_rev).post(
        f"{API}/objections/{objection.pk}/dismiss/", {"reply": "经核实为临时工"}, format="json"
    )
    # then the answer (built outside the list) applies the same rule: the handler sees it
    assert answer.status_code == 200
    assert (answer.json()["contact"], answer.json()["status"]) == (CONTACT, "dismissed")


def test_the_admin_shows_the_objector_only_to_a_handler(
    client, people, world, make_user, objection
):
    # given an administrator with the admin, and a staff user who also handles objections
    admin = make_staff(make_user, "administrator", world.county, "staff_admin")
    handler = make_staff(make_user, "administrator", world.county, "staff_handler")
    handler.user_permissions.add(Permission.objects.get(codename="handle_objection"))
    for user in (admin, handler):
        user.is_staff = True
        user.save()
    url = reverse("admin:approvals_objection_change", args=[objection.pk])
    changelist = reverse("admin:approvals_objection_changelist")

    # when each opens the objection and the list in the admin
    client.force_login(admin)
    seen_by_admin = client.get(url).content.decode() + client.get(changelist).content.decode()
    client.force_login(handler)
    seen_by_handler = client.get(url).content.decode()

    # then only the handler reads who objected; the tracking code is not even the title
    for secret in (CONTACT, NAME, objection.tracking_code):
        assert secret not in seen_by_admin
        assert secret in seen_by_handler
    assert "家中有车" in seen_by_admin


# --------------------------------------------------------------------------------------------
# finding 5: a duplicate outside one's region says only "registered elsewhere"
# --------------------------------------------------------------------------------------------
@pytest.fixture
def registered(people, world):
    """A household in village A1 (township A) whose head is 张三丰."""
    number = id_number("19560101")
    household = services.household_register(
        region=world.village_a1,
        address="一号",
        people=[PersonSpec("张三丰", number)],
        actor=people.worker,
    )
    return household, number


def _says_elsewhere(message: str, household) -> None:
    assert "already registered elsewhere; contact the county" in message
    assert "household" not in message  # neither its id nor that one exists nearby
    assert "张三丰" not in message and "梅园" not in message


def test_the_service_names_the_household_only_inside_the_clerks_region(people, world, registered):
    household, number = registered

    # when a clerk of township B registers the same person in village B1
    with pytest.raises(DuplicatePerson) as outside:
        services.household_register(
            region=world.village_b1,
            address="二号",
            people=[PersonSpec("张三丰", number)],
            actor=people.worker_b,
        )
    # then the answer says only that the person is registered elsewhere
    _says_elsewhere(outside.value.message, household)
    assert f"household {household.pk}" not in outside.value.message

    # when the clerk of the household's own village tries the same
    with pytest.raises(DuplicatePerson) as inside:
        services.household_register(
            region=world.village_a1,
            address="三号",
            people=[PersonSpec("张三丰", number)],
            actor=people.worker,
        )
    # then, as before, the household and its head are named: the clerk can open it
    assert f"household {household.pk} (head 张三丰)" in inside.value.message

    # and adding the person to a household of township B says the same as registering
    other = make_household(people.worker_b, world.village_b1, head_name="李四")
    with pytest.raises(DuplicatePerson) as added:
        services.person_add(
            household=other,
            person=PersonSpec("张三丰", number, relation="parent"),
            actor=people.worker_b,
        )
    _says_elsewhere(added.value.message, household)


def test_the_api_answers_registered_elsewhere_across_regions(people, world, registered):
    household, number = registered
    before = AuditEvent.objects.count()

    # when the clerk of township B posts a household with that number
    answer = api(people.worker_b).post(
        f"{API}/households/",
        {
            "region": world.village_b1.code,
            "address": "二号",
            "people": [{"name": "张三丰", "id_number": number, "relation": "head"}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="dup-1",
    )

    # then 409 duplicate_person, saying only "elsewhere"; nothing registered
    assert answer.status_code == 409
    assert answer.json()["code"] == "duplicate_person"
    _says_elsewhere(answer.json()["message"], household)
    assert AuditEvent.objects.count() == before


def test_the_screen_answers_registered_elsewhere_across_regions(client, people, world, registered):
    household, number = registered

    # when the clerk of township B registers the person through the screen
    client.force_login(people.worker_b)
    page = client.post(
        reverse("approvals:household-new"),
        {
            "region": world.village_b1.pk,
            "address": "二号",
            "phone": "",
            "bank_name": "",
            "bank_account": "",
            "people-TOTAL_FORMS": "1",
            "people-INITIAL_FORMS": "1",
            "people-MIN_NUM_FORMS": "1",
            "people-MAX_NUM_FORMS": "1000",
            "people-0-name": "张三丰",
            "people-0-id_number": number,
            "people-0-relation": "head",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # then the form comes back (400) with that sentence and nothing about the household
    assert page.status_code == 400
    text = page.content.decode()
    assert "already registered elsewhere; contact the county" in text
    assert "张三丰" in text  # the clerk's own typing, kept in the form
    assert f"household {household.pk}" not in text and "梅园" not in text
