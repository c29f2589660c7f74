"""The relief-case JSON API (/api/approvals/): every endpoint with the right role, the wrong role
and no login; region scoping (another township's user sees nothing and gets 404); masked and
revealed personal numbers; the services' refusals as JSON that change nothing; the whole story of
a case driven through the API; and a schemathesis check of the read endpoints against the
schema."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from approvals import services
from approvals.models import (
    Case,
    CaseHistory,
    CaseState,
    Household,
    Notice,
    Objection,
    Reservation,
)
from ledger.models import AuditEvent, Fund, JournalEntry
from ledger.selectors import fund_position

from .factories import id_number, make_household, make_program, make_staff

pytestmark = pytest.mark.django_db

API = "/api/approvals"
BANK = "6228480012345678901"


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def post(user, url, body=None, **headers):
    return api(user).post(url, body or {}, format="json", **headers)


def _available(fund_code="RELIEF") -> Decimal:
    (position,) = [p for p in fund_position(fund=Fund.objects.get(code=fund_code))]
    return position.available


def _snapshot():
    """What a refused request must leave untouched."""
    return (
        CaseHistory.objects.count(),
        AuditEvent.objects.count(),
        list(Case.objects.order_by("pk").values_list("pk", "state", "current_tier")),
        Household.objects.count(),
        Notice.objects.count(),
        Reservation.objects.filter(active=True).count(),
        list(Objection.objects.order_by("pk").values_list("pk", "status")),
    )


# --------------------------------------------------------------------------------------------
# a populated county: one case of each kind an endpoint needs
# --------------------------------------------------------------------------------------------
@pytest.fixture
def objs(people, world, funded, household, new_case, drive):
    """A draft, a case in review, one on notice with an open objection, and their notice."""
    draft = new_case(cycle="2025")
    reviewing = drive(new_case(cycle="2024"), "in_review")
    on_notice = drive(new_case(cycle="2026"), "on_notice")
    item = on_notice.notice_items.get()
    objection = services.objection_file(notice_item=item, contact="13900000000", text="收入不符")
    return {
        "draft": draft.pk,
        "case": reviewing.pk,
        "on_notice": on_notice.pk,
        "household": household.pk,
        "notice": item.notice_id,
        "objection": objection.pk,
        "program": funded.code,
    }


ENDPOINTS = [
    ("get", "regions/"),
    ("get", "programs/"),
    ("get", "programs/{program}/"),
    ("get", "households/"),
    ("get", "households/{household}/"),
    ("post", "households/"),
    ("post", "households/{household}/reveal/"),
    ("get", "cases/"),
    ("get", "cases/{case}/"),
    ("post", "cases/"),
    ("post", "cases/{draft}/submit/"),
    ("post", "cases/{case}/resubmit/"),
    ("post", "cases/{case}/approve/"),
    ("post", "cases/approve-many/"),
    ("post", "cases/{case}/return/"),
    ("post", "cases/{case}/reject/"),
    ("post", "cases/{case}/withdraw/"),
    ("post", "cases/{case}/cancel/"),
    ("get", "queue/"),
    ("get", "notices/"),
    ("get", "notices/{notice}/"),
    ("post", "notices/"),
    ("get", "objections/"),
    ("get", "objections/{objection}/"),
    ("post", "objections/{objection}/uphold/"),
    ("post", "objections/{objection}/dismiss/"),
]


def _call(client, method, path, objs):
    url = f"{API}/{path.format(**objs)}"
    return client.get(url) if method == "get" else client.post(url, {}, format="json")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_callers_get_401(objs, method, path):
    # given the state of the books before
    before = _snapshot()

    # when an anonymous caller calls the endpoint
    response = _call(api(), method, path, objs)

    # then 401 with the token challenge, as JSON with a code, and nothing changed
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Token")
    assert _snapshot() == before


# (method, path, the role that may NOT call it): each endpoint refused to a role without its
# permission, before any body is read
WRONG_ROLE = [
    ("get", "regions/", "finance_officer"),
    ("get", "programs/", "finance_officer"),
    ("get", "programs/{program}/", "finance_officer"),
    ("get", "households/", "finance_officer"),
    ("get", "households/{household}/", "finance_officer"),
    ("post", "households/", "reviewer"),
    ("post", "households/{household}/reveal/", "reviewer"),
    ("get", "cases/", "finance_officer"),
    ("get", "cases/{case}/", "finance_officer"),
    ("post", "cases/", "reviewer"),
    ("post", "cases/{draft}/submit/", "reviewer"),
    ("post", "cases/{case}/resubmit/", "reviewer"),
    ("post", "cases/{case}/approve/", "case_worker"),
    ("post", "cases/approve-many/", "case_worker"),
    ("post", "cases/{case}/return/", "case_worker"),
    ("post", "cases/{case}/reject/", "case_worker"),
    ("post", "cases/{case}/withdraw/", "reviewer"),
    ("post", "cases/{case}/cancel/", "case_worker"),
    ("get", "queue/", "case_worker"),
    ("get", "queue/", "auditor"),
    ("get", "notices/", "finance_officer"),
    ("get", "notices/{notice}/", "finance_officer"),
    ("post", "notices/", "case_worker"),
    ("post", "notices/", "auditor"),
    ("get", "objections/", "finance_officer"),
    ("get", "objections/{objection}/", "finance_officer"),
    ("post", "objections/{objection}/uphold/", "case_worker"),
    ("post", "objections/{objection}/dismiss/", "auditor"),
]


@pytest.mark.parametrize(("method", "path", "role"), WRONG_ROLE)
def test_wrong_role_gets_403(objs, make_user, world, method, path, role):
    # given a user of that role working at the county (region is not the reason)
    user = make_staff(make_user, role, world.county, f"wrong_{role}")
    before = _snapshot()

    # when they call the endpoint
    response = _call(api(user), method, path, objs)

    # then 403 permission_denied, and nothing changed
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert _snapshot() == before


def test_staff_without_a_region_are_told_to_get_one(objs, make_user):
    # given a reviewer nobody assigned a region to
    user = make_user("reviewer", username="lost")

    # when they read the cases
    response = api(user).get(f"{API}/cases/")

    # then 403 says what is missing
    assert response.status_code == 403
    assert "no region assigned" in response.json()["message"]


# --------------------------------------------------------------------------------------------
# regions and programs
# --------------------------------------------------------------------------------------------
def test_regions_lists_own_region_and_below(people, world):
    # when the township reviewer of town A lists regions
    response = api(people.town_rev).get(f"{API}/regions/")

    # then town A and its villages, not the county above nor town B beside it
    assert response.status_code == 200
    assert [r["code"] for r in response.json()["results"]] == [
        world.town_a.code,
        world.village_a1.code,
        world.village_a2.code,
    ]
    assert response.json()["results"][1] == {
        "code": "320102001001",
        "name": "梅园一村",
        "level": "village",
        "parent": "320102001000",
    }


def test_programs_show_tiers_and_money_as_strings(people, program):
    # when a case worker reads the programs, and one program
    listing = api(people.worker).get(f"{API}/programs/")
    detail = api(people.worker).get(f"{API}/programs/{program.code}/")

    # then the program comes with its ordered tiers; money is a 2-decimal string + currency
    assert listing.status_code == 200
    assert [p["code"] for p in listing.json()["results"]] == [program.code]
    body = detail.json()
    assert detail.status_code == 200
    assert (body["amount"], body["cap"], body["currency"]) == ("1000.00", None, "CNY")
    assert body["charges_fund"] == "GENERAL"  # the fund that bears its bank charges
    assert (body["fund"], body["amount_rule"], body["notice_days"]) == (
        "RELIEF",
        "per_household",
        7,
    )
    assert [(t["order"], t["region_level"], t["role"]) for t in body["tiers"]] == [
        (1, "village", "reviewer"),
        (2, "township", "reviewer"),
        (3, "county", "reviewer"),
    ]
    assert body["name"] == "Program RELIEF1"  # the request's language
    assert api(people.worker).get(f"{API}/programs/NOPE/").status_code == 404


# --------------------------------------------------------------------------------------------
# households: masked numbers, registration, audited reveal
# --------------------------------------------------------------------------------------------
def test_household_detail_masks_id_and_bank_numbers(people, household):
    # given the whole numbers as registered
    plain_ids = [p.id_number_plain() for p in household.people.all()]

    # when a reviewer reads the household
    response = api(people.village_rev).get(f"{API}/households/{household.pk}/")

    # then ID numbers show the first four and last two only, the bank account its last four
    assert response.status_code == 200
    body = response.json()
    assert body["bank_account_masked"] == "**** 8901"
    assert body["head_name"] == "张小明" and body["people_count"] == 2
    masked = [p["id_number_masked"] for p in body["people"]]
    assert masked == [f"{n[:4]}************{n[-2:]}" for n in plain_ids]
    text = response.content.decode()
    assert BANK not in text and not any(n in text for n in plain_ids)
    assert "bank_account" not in body  # only the masked form leaves


def test_household_list_is_region_scoped(people, world, household):
    # given a household in village B1 too
    other = make_household(people.worker_b, world.village_b1, head_name="李四")

    # when each township reviewer lists households
    mine = api(people.town_rev).get(f"{API}/households/").json()["results"]
    theirs = api(people.town_b_rev).get(f"{API}/households/").json()["results"]
    county = api(people.county_rev).get(f"{API}/households/", {"region": world.town_b.code})

    # then each sees their own township's only; the county may filter by region
    assert [h["id"] for h in mine] == [household.pk]
    assert [h["id"] for h in theirs] == [other.pk]
    assert [h["id"] for h in county.json()["results"]] == [other.pk]


def _household_body(world, **overrides):
    body = {
        "region": world.village_a1.code,
        "address": "梅园一村9号",
        "phone": "13800000001",
        "bank_name": "农业银行",
        "bank_account": "6228480099990000",
        "people": [
            {"name": "赵大", "id_number": id_number("19700101"), "relation": "head"},
            {"name": "赵小", "id_number": id_number("20120101"), "relation": "child"},
        ],
    }
    body.update(overrides)
    return body


def test_register_household(people, world):
    # when the village case worker registers a household with two members
    body = _household_body(world)
    response = post(people.worker, f"{API}/households/", body, HTTP_IDEMPOTENCY_KEY="hh-1")

    # then 201 with the household, numbers masked; stored encrypted; an audit event
    assert response.status_code == 201, response.content
    created = response.json()
    household = Household.objects.get(pk=created["id"])
    assert response["Location"] == f"{API}/households/{household.pk}/"
    assert created["region"] == world.village_a1.code
    assert created["bank_account_masked"] == "**** 0000"
    assert [p["name"] for p in created["people"]] == ["赵大", "赵小"]
    assert body["people"][0]["id_number"] not in response.content.decode()
    assert household.bank_account_plain() == "6228480099990000"
    assert AuditEvent.objects.filter(action="household.register", object_id=str(household.pk))


def test_registering_the_same_household_twice_is_refused_naming_the_first(people, world):
    # given a household registered once (a retry after a lost answer sends the same body)
    body = _household_body(world)
    first = post(people.worker, f"{API}/households/", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    before = _snapshot()

    # when the same request comes again
    again = post(people.worker, f"{API}/households/", body, HTTP_IDEMPOTENCY_KEY="k1")

    # then 409 duplicate_person naming the household already registered; nothing added
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_person"
    assert f"household {first.json()['id']}" in again.json()["message"]
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "status", "code", "words"),
    [
        ({"people": []}, 400, "invalid", None),
        ({"address": ""}, 400, "invalid", None),
        (
            {"people": [{"name": "甲", "id_number": "110105194912310020", "relation": "head"}]},
            400,
            "invalid_id_number",
            "does not match the 17 digits",
        ),
        (
            {"people": [{"name": "甲", "id_number": id_number(), "relation": "child"}]},
            400,
            "invalid_input",
            "exactly one head",
        ),
        ({"region": "320102001000"}, 400, "invalid", None),  # the township: above the region
        ({"region": "320102002001"}, 400, "invalid", None),  # village B1: beside the region
        ({"bank_account": "12ab"}, 400, "invalid_input", "8 to 30 digits"),
    ],
)
def test_bad_household_input_is_refused_and_changes_nothing(
    people, world, overrides, status, code, words
):
    before = _snapshot()
    response = post(people.worker, f"{API}/households/", _household_body(world, **overrides))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    if words:
        assert words in response.json()["message"]
    assert _snapshot() == before


def test_a_household_is_registered_in_a_village(make_user, world):
    # given a case worker of the township (so the township lies in their region)
    worker = make_staff(make_user, "case_worker", world.town_a, "town_worker")

    response = post(worker, f"{API}/households/", _household_body(world, region=world.town_a.code))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert "registered in a village" in response.json()["message"]
    assert Household.objects.count() == 0


def test_malformed_idempotency_key_is_refused(people, world):
    response = post(
        people.worker, f"{API}/households/", _household_body(world), HTTP_IDEMPOTENCY_KEY="a b"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert Household.objects.count() == 0


def test_reveal_id_number_is_audited(people, household):
    # given a member of the household
    person = household.people.get(is_head=False)
    url = f"{API}/households/{household.pk}/reveal/"

    # when the case worker asks for the whole ID number, with a reason
    body = {"what": "id_number", "person": person.pk, "reason": "核对身份证原件"}
    response = post(people.worker, url, body)

    # then the whole number, not cached; one audit event naming who, whose and why
    assert response.status_code == 200, response.content
    assert response.json() == {
        "what": "id_number",
        "household": household.pk,
        "person": person.pk,
        "value": person.id_number_plain(),
    }
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="person.reveal_id_number")
    assert (event.actor, event.object_id) == (people.worker, str(person.pk))
    assert event.data == {"reason": "核对身份证原件"}  # the number itself is never logged

    # and each reveal is logged again, the bank account too
    post(people.worker, url, body)
    bank = post(people.worker, url, {"what": "bank_account", "reason": "核对存折"})
    assert bank.json()["value"] == BANK and bank.json()["person"] is None
    assert AuditEvent.objects.filter(action="person.reveal_id_number").count() == 2
    assert AuditEvent.objects.filter(action="household.reveal_bank_account").count() == 1


def test_reveal_is_forbidden_to_reviewers_and_not_logged(people, household):
    person = household.people.first()
    body = {"what": "id_number", "person": person.pk, "reason": "看看"}

    response = post(people.village_rev, f"{API}/households/{household.pk}/reveal/", body)

    assert response.status_code == 403
    assert person.id_number_plain() not in response.content.decode()
    assert not AuditEvent.objects.filter(action__contains="reveal").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"what": "id_number", "reason": "核对"}, "person"),
        ({"what": "id_number", "person": 1, "reason": "  "}, "reason"),
        ({"what": "bank_account"}, "reason"),
        ({"what": "phone", "reason": "x"}, "what"),
    ],
)
def test_reveal_needs_a_person_and_a_reason(people, household, body, field):
    response = post(people.worker, f"{API}/households/{household.pk}/reveal/", body)
    assert response.status_code == 400
    assert field in response.json()["detail"]
    assert not AuditEvent.objects.filter(action__contains="reveal").exists()


def test_reveal_of_someone_outside_the_household_is_refused(people, world, household):
    stranger = make_household(people.worker, world.village_a1, head_name="钱七").people.get()
    body = {"what": "id_number", "person": stranger.pk, "reason": "核对"}
    response = post(people.worker, f"{API}/households/{household.pk}/reveal/", body)
    assert response.status_code == 400
    assert response.json()["detail"]["person"] == ["Not a member of this household."]
    assert not AuditEvent.objects.filter(action__contains="reveal").exists()


# --------------------------------------------------------------------------------------------
# cases: file, read, filter
# --------------------------------------------------------------------------------------------
def test_file_a_case(people, funded, household):
    # when the case worker files a case for the household
    body = {"program": funded.code, "household": household.pk, "cycle": "2026", "comment": "急"}
    response = post(people.worker, f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="c-1")

    # then a draft with the program's amount, every member a beneficiary, a history row
    assert response.status_code == 201, response.content
    case = response.json()
    assert response["Location"] == f"{API}/cases/{case['id']}/"
    assert (case["state"], case["amount"], case["currency"]) == ("draft", "1000.00", "CNY")
    assert case["number"].startswith("RC") and case["filed_by"] == "worker"
    assert len(case["members"]) == 2
    assert [h["decision"] for h in case["history"]] == ["file"]
    assert case["history"][0]["comment"] == "急"


def test_filing_twice_is_refused_naming_the_open_case(people, funded, household):
    body = {"program": funded.code, "household": household.pk, "cycle": "2026"}
    first = post(people.worker, f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="c-1")
    before = _snapshot()

    again = post(people.worker, f"{API}/cases/", body, HTTP_IDEMPOTENCY_KEY="c-1")

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_beneficiary"
    assert first.json()["number"] in again.json()["message"]
    assert _snapshot() == before


def test_file_a_requested_amount_case_for_chosen_members(people, household):
    # given a program paying the requested amount up to 3000
    from .factories import cny, fund_money

    program = make_program(code="REQ", amount_rule="requested", cap=cny(3000))
    fund_money(5000)
    child = household.people.get(is_head=False)

    # when the case worker files for the child only, requesting 800.50
    body = {
        "program": "REQ",
        "household": household.pk,
        "cycle": "2026-11",
        "members": [child.pk],
        "requested_amount": "800.50",
    }
    response = post(people.worker, f"{API}/cases/", body)

    # then the case is for that amount and that person
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "800.50"
    assert [m["id"] for m in response.json()["members"]] == [child.pk]

    # and above the cap it is refused, saying the cap; a float amount is refused outright
    over = post(people.worker, f"{API}/cases/", {**body, "requested_amount": "3000.01"})
    assert over.status_code == 400 and over.json()["code"] == "not_eligible"
    assert "cap of" in over.json()["message"]
    as_float = post(people.worker, f"{API}/cases/", {**body, "requested_amount": 800.5})
    assert as_float.status_code == 400 and "requested_amount" in as_float.json()["detail"]
    assert program.cases.count() == 1


def test_filing_for_a_household_outside_the_region_is_refused(people, world, funded):
    other = make_household(people.worker_b, world.village_b1, head_name="李四")
    body = {"program": funded.code, "household": other.pk, "cycle": "2026"}
    response = post(people.worker, f"{API}/cases/", body)
    assert response.status_code == 400
    assert "household" in response.json()["detail"]
    assert Case.objects.count() == 0


def test_case_list_filters(people, world, funded, household, new_case, drive):
    # given cases in review, in draft, and one in another township
    reviewing = drive(new_case(cycle="2026"), "in_review")
    draft = new_case(cycle="2025")
    other_household = make_household(people.worker_b, world.village_b1, head_name="李四")
    other = services.case_file(
        program=funded, household=other_household, cycle="2026", actor=people.worker_b
    )

    def ids(user, **query):
        response = api(user).get(f"{API}/cases/", query)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    # then filters narrow the caller's region, newest first
    assert ids(people.county_rev) == [other.pk, draft.pk, reviewing.pk]
    assert ids(people.town_rev) == [draft.pk, reviewing.pk]
    assert ids(people.town_rev, state="in_review") == [reviewing.pk]
    assert ids(people.town_rev, cycle="2025") == [draft.pk]
    assert ids(people.county_rev, program=funded.code, region=world.town_b.code) == [other.pk]
    assert ids(people.town_rev, region=world.town_b.code) == []  # not theirs: nothing
    bad = api(people.town_rev).get(f"{API}/cases/", {"state": "lost"})
    assert bad.status_code == 400 and "state" in bad.json()["detail"]
    row = api(people.town_rev).get(f"{API}/cases/", {"state": "in_review"}).json()["results"][0]
    assert row["head_name"] == "张小明" and row["current_tier"] == 1
    assert row["village"] == "梅园一村" and row["amount"] == "1000.00"


def test_case_detail_has_history_and_approvals(people, new_case, drive):
    case = drive(new_case(), "approved")

    response = api(people.auditor).get(f"{API}/cases/{case.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "approved" and body["current_tier"] is None
    assert [(a["tier_order"], a["user"]) for a in body["approvals"]] == [
        (1, "village_rev"),
        (2, "town_rev"),
        (3, "county_rev"),
    ]
    assert [(h["decision"], h["actor"]) for h in body["history"]] == [
        ("file", "worker"),
        ("submit", "worker"),
        ("start_review", None),
        ("approve", "village_rev"),
        ("approve", "town_rev"),
        ("approve", "county_rev"),
    ]
    assert body["history"][3]["from_state"] == "in_review"
    assert body["reserved"] is None and body["open_objections"] == 0


# --------------------------------------------------------------------------------------------
# region scoping
# --------------------------------------------------------------------------------------------
def test_another_townships_user_sees_nothing_and_gets_404(objs, people):
    outsider = people.town_b_rev
    client = api(outsider)

    # reads of objects of town A: 404, exactly as for an id that does not exist
    for path in (
        "cases/{case}/",
        "households/{household}/",
        "notices/{notice}/",
        "objections/{objection}/",
    ):
        response = client.get(f"{API}/{path.format(**objs)}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    # lists: nothing of it
    for path in ("cases/", "households/", "notices/", "objections/", "queue/"):
        assert client.get(f"{API}/{path}").json()["results"] == [], path

    # and acting on it: 404, nothing changed
    before = _snapshot()
    assert post(outsider, f"{API}/cases/{objs['case']}/approve/").status_code == 404
    assert post(outsider, f"{API}/cases/{objs['case']}/reject/", {"reason": "x"}).status_code == 404
    upheld = post(
        outsider, f"{API}/objections/{objs['objection']}/uphold/", {"tier": 2, "comment": "x"}
    )
    assert upheld.status_code == 404
    many = post(outsider, f"{API}/cases/approve-many/", {"ids": [objs["case"]]})
    assert many.json()["results"] == [
        {
            "id": objs["case"],
            "number": None,
            "ok": False,
            "state": None,
            "message": "No case with this id in your region.",
        }
    ]
    assert _snapshot() == before


def test_village_user_sees_only_their_lines_of_a_township_notice(people, world, funded, make_user):
    # given a township notice carrying a case of village A1 and one of village A2
    a1 = make_household(people.worker, world.village_a1, head_name="张一")
    worker_a2 = make_staff(make_user, "case_worker", world.village_a2, "worker_a2")
    a2 = make_household(worker_a2, world.village_a2, head_name="张二")
    case_a1 = services.case_file(program=funded, household=a1, cycle="2026", actor=people.worker)
    case_a2 = services.case_file(program=funded, household=a2, cycle="2026", actor=worker_a2)
    for case, worker in ((case_a1, people.worker), (case_a2, worker_a2)):
        services.case_submit(case=case, actor=worker)
    village_rev_a2 = make_staff(make_user, "reviewer", world.village_a2, "vr_a2")
    services.case_approve(case=case_a1, actor=people.village_rev)
    services.case_approve(case=case_a2, actor=village_rev_a2)
    for case in (case_a1, case_a2):
        services.case_approve(case=case, actor=people.town_rev)
        services.case_approve(case=case, actor=people.county_rev)
    notice = services.notice_publish(
        program=funded,
        region=world.town_a,
        cycle="2026",
        cases=[case_a1, case_a2],
        actor=people.town_rev,
    )

    # when the village A1 reviewer and the township reviewer read it
    village = api(people.village_rev).get(f"{API}/notices/{notice.pk}/").json()
    town = api(people.town_rev).get(f"{API}/notices/{notice.pk}/").json()

    # then the village sees its own line only, the township both
    assert [i["case"] for i in village["items"]] == [case_a1.pk]
    assert sorted(i["case"] for i in town["items"]) == sorted([case_a1.pk, case_a2.pk])
    assert api(people.town_b_rev).get(f"{API}/notices/{notice.pk}/").status_code == 404


# --------------------------------------------------------------------------------------------
# transitions
# --------------------------------------------------------------------------------------------
def test_submit_approve_through_three_tiers(people, new_case):
    case = new_case()

    submitted = post(people.worker, f"{API}/cases/{case.pk}/submit/", {"comment": "材料齐全"})
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["state"], submitted.json()["current_tier"]) == ("in_review", 1)

    for reviewer, expected in (
        (people.village_rev, ("in_review", 2)),
        (people.town_rev, ("in_review", 3)),
        (people.county_rev, ("approved", None)),
    ):
        response = post(reviewer, f"{API}/cases/{case.pk}/approve/", {"comment": "属实"})
        assert response.status_code == 200, response.content
        assert (response.json()["state"], response.json()["current_tier"]) == expected


def test_approving_at_the_wrong_tier_is_refused(people, new_case, drive):
    case = drive(new_case(), "in_review")  # waits at the village tier
    before = _snapshot()

    response = post(people.town_rev, f"{API}/cases/{case.pk}/approve/")

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert "village level" in response.json()["message"]
    assert _snapshot() == before


def test_approving_a_case_you_filed_is_refused(make_user, world, funded, household):
    # given someone who is both case worker and village reviewer, and files a case
    dual = make_staff(make_user, "case_worker", world.village_a1, "dual", "reviewer")
    body = {"program": funded.code, "household": household.pk, "cycle": "2026"}
    case_id = post(dual, f"{API}/cases/", body).json()["id"]
    assert post(dual, f"{API}/cases/{case_id}/submit/").status_code == 200
    before = _snapshot()

    # when they approve it
    response = post(dual, f"{API}/cases/{case_id}/approve/")

    # then a clear refusal, and nothing changed
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert "You filed case" in response.json()["message"]
    assert _snapshot() == before


def test_return_for_materials_then_resubmit(people, new_case, drive):
    case = drive(new_case(), "in_review")

    # a return needs the missing items listed
    empty = post(people.village_rev, f"{API}/cases/{case.pk}/return/", {"missing_items": []})
    assert empty.status_code == 400 and "missing_items" in empty.json()["detail"]

    returned = post(
        people.village_rev,
        f"{API}/cases/{case.pk}/return/",
        {"missing_items": ["低保证明", "户口本复印件"], "comment": "补齐"},
    )
    assert returned.status_code == 200, returned.content
    assert returned.json()["state"] == "returned"
    assert returned.json()["missing_items"] == ["低保证明", "户口本复印件"]
    assert returned.json()["returned_by_tier"] == 1

    again = post(people.worker, f"{API}/cases/{case.pk}/resubmit/", {"comment": "已补"})
    assert again.status_code == 200
    assert (again.json()["state"], again.json()["current_tier"]) == ("in_review", 1)
    assert again.json()["missing_items"] == []


def test_reject_needs_a_written_reason(people, new_case, drive):
    case = drive(new_case(), "in_review")
    before = _snapshot()

    # when the reviewer rejects without a reason (missing, or only spaces)
    missing = post(people.village_rev, f"{API}/cases/{case.pk}/reject/", {})
    blank = post(people.village_rev, f"{API}/cases/{case.pk}/reject/", {"reason": "   "})

    # then 400 naming the field, and nothing changed
    for response in (missing, blank):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert "reason" in response.json()["detail"]
    assert _snapshot() == before

    # and with a reason the case is rejected, the reason kept
    done = post(people.village_rev, f"{API}/cases/{case.pk}/reject/", {"reason": "收入超标"})
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["reason"]) == ("rejected", "收入超标")


def test_withdraw_releases_the_reservation(people, new_case, drive):
    case = drive(new_case(), "on_notice")
    assert _available() == Decimal("9000.00")

    response = post(people.worker, f"{API}/cases/{case.pk}/withdraw/", {"reason": "申请人撤回"})

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "withdrawn"
    assert response.json()["reserved"] is None
    assert _available() == Decimal("10000.00")


def test_transition_from_the_wrong_state_is_a_conflict(people, new_case, drive):
    case = drive(new_case(), "approved")
    before = _snapshot()

    response = post(people.village_rev, f"{API}/cases/{case.pk}/approve/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert case.number in response.json()["message"]
    assert _snapshot() == before


def test_cancel_a_final_award_reverses_it(people, new_case, drive):
    case = drive(new_case(), "final")
    assert case.award_entry is not None

    missing = post(people.county_rev, f"{API}/cases/{case.pk}/cancel/", {"reason": ""})
    assert missing.status_code == 400
    response = post(people.county_rev, f"{API}/cases/{case.pk}/cancel/", {"reason": "重复申报"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "cancelled"
    reversal = JournalEntry.objects.get(seq=body["cancel_entry"])
    assert reversal.reverses_id == case.award_entry_id


def test_approve_many_gives_a_result_per_case(people, world, funded, drive):
    # given two cases waiting at the village tier, one already approved, and an unknown id
    households = [
        make_household(people.worker, world.village_a1, head_name=name)
        for name in ("甲一", "乙二", "丙三")
    ]
    cases = [
        services.case_file(program=funded, household=h, cycle="2026", actor=people.worker)
        for h in households
    ]
    drive(cases[0], "in_review")
    drive(cases[1], "in_review")
    done = drive(cases[2], "approved")

    # when the village reviewer approves them all at once
    ids = [cases[0].pk, done.pk, cases[1].pk, 999999]
    response = post(
        people.village_rev, f"{API}/cases/approve-many/", {"ids": ids, "comment": "批量"}
    )

    # then one result per id, in order; the refusals say why
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["approved"], body["refused"]) == (2, 2)
    results = body["results"]
    assert [(r["id"], r["ok"], r["state"]) for r in results] == [
        (cases[0].pk, True, "in_review"),
        (done.pk, False, "approved"),
        (cases[1].pk, True, "in_review"),
        (999999, False, None),
    ]
    assert results[0]["message"] == "" and results[0]["number"] == cases[0].number
    assert "cannot be approved now" in results[1]["message"]
    assert Case.objects.get(pk=cases[1].pk).current_tier == 2


def test_approve_many_refuses_a_repeated_id(people, new_case, drive):
    case = drive(new_case(), "in_review")
    response = post(people.village_rev, f"{API}/cases/approve-many/", {"ids": [case.pk, case.pk]})
    assert response.status_code == 400
    assert "ids" in response.json()["detail"]
    assert Case.objects.get(pk=case.pk).current_tier == 1


def test_queue_lists_waiting_cases_oldest_first(people, world, funded, drive):
    # given two cases waiting at the village tier, the second one for 5 days
    first, second = (
        services.case_file(
            program=funded,
            household=make_household(people.worker, world.village_a1, head_name=name),
            cycle="2026",
            actor=people.worker,
        )
        for name in ("甲一", "乙二")
    )
    drive(first, "in_review")
    drive(second, "in_review")
    Case.objects.filter(pk=second.pk).update(tier_since=timezone.now() - timedelta(days=5))

    # when the village reviewer opens the queue; the township reviewer too
    response = api(people.village_rev).get(f"{API}/queue/")
    town = api(people.town_rev).get(f"{API}/queue/")

    # then oldest first with the days waiting; nothing waits at the township tier yet
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["case"]["id"], r["days_waiting"], r["tier"]) for r in rows] == [
        (second.pk, 5, 1),
        (first.pk, 0, 1),
    ]
    assert rows[0]["tier_name"] == "Village committee"
    assert town.json()["results"] == []


# --------------------------------------------------------------------------------------------
# notices and objections
# --------------------------------------------------------------------------------------------
def _publish(user, case, world, **extra):
    body = {
        "program": case.program.code,
        "region": world.village_a1.code,
        "cycle": case.cycle,
        "cases": [case.pk],
        **extra,
    }
    return post(user, f"{API}/notices/", body)


def test_publish_a_notice_reserves_the_money(people, world, new_case, drive):
    case = drive(new_case(), "approved")

    start = date.today() + timedelta(days=2)
    response = _publish(people.town_rev, case, world, starts_on=start.isoformat())

    assert response.status_code == 201, response.content
    notice = response.json()
    assert response["Location"] == f"{API}/notices/{notice['id']}/"
    assert (notice["version"], notice["status"]) == (1, "published")
    # seven calendar days: the first day and six more
    end = start + timedelta(days=6)
    assert (notice["starts_on"], notice["ends_on"]) == (start.isoformat(), end.isoformat())
    assert notice["items"] == [
        {
            "id": notice["items"][0]["id"],
            "case": case.pk,
            "case_number": case.number,
            "display_name": "张*明",
            "people_count": 2,
            "amount": "1000.00",
            "currency": "CNY",
            "village_name": "梅园一村",
            "struck": False,
        }
    ]
    assert _available() == Decimal("9000.00")
    detail = api(people.worker).get(f"{API}/cases/{case.pk}/").json()
    assert (detail["state"], detail["reserved"]) == ("on_notice", "1000.00")

    # publishing again (a retry) is refused naming the case; nothing reserved twice
    before = _snapshot()
    again = _publish(people.town_rev, case, world, starts_on=start.isoformat())
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert case.number in again.json()["message"]
    assert _snapshot() == before
    listing = api(people.village_rev).get(f"{API}/notices/").json()["results"]
    assert [n["id"] for n in listing] == [notice["id"]] and "items" not in listing[0]


def test_publish_is_refused_when_the_fund_is_short(people, world, household, drive):
    # given a case approved for 1000 but only 600 in the fund
    from .factories import fund_money

    program = make_program(code="SHORT")
    fund_money(600)
    case = drive(
        services.case_file(program=program, household=household, cycle="2026", actor=people.worker),
        "approved",
    )
    before = _snapshot()

    response = _publish(people.town_rev, case, world)

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_funds"
    assert "600.00" in response.json()["message"]
    assert _snapshot() == before


def test_publish_with_bad_input(people, world, new_case, drive):
    case = drive(new_case(), "approved")
    empty = _publish(people.town_rev, case, world, cases=[])
    assert empty.status_code == 400 and "cases" in empty.json()["detail"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    backdated = _publish(people.town_rev, case, world, starts_on=yesterday)
    assert backdated.status_code == 400 and backdated.json()["code"] == "invalid_input"
    assert (
        "never before" in backdated.json()["message"] and yesterday in backdated.json()["message"]
    )
    other = _publish(people.town_rev, case, world, cycle="2027")
    assert other.status_code == 400 and "not this notice" in other.json()["message"]
    assert Notice.objects.count() == 0


def test_objections_list_uphold_and_dismiss(people, world, funded, household, new_case, drive):
    # given a case on notice with two objections
    case = drive(new_case(), "on_notice")
    item = case.notice_items.get()
    first = services.objection_file(notice_item=item, contact="139", text="收入不符")
    second = services.objection_file(notice_item=item, contact="138", text="有车", name="王五")

    # when the township reviewer lists and reads them
    listing = api(people.town_rev).get(f"{API}/objections/", {"status": "open"})
    detail = api(people.town_rev).get(f"{API}/objections/{second.pk}/")
    assert [o["id"] for o in listing.json()["results"]] == [second.pk, first.pk]
    assert detail.json()["name"] == "王五" and detail.json()["case_number"] == case.number
    assert detail.json()["notice"] == item.notice_id

    # then dismissing needs a reply
    no_reply = post(people.town_rev, f"{API}/objections/{first.pk}/dismiss/", {"reply": ""})
    assert no_reply.status_code == 400
    dismissed = post(
        people.town_rev, f"{API}/objections/{first.pk}/dismiss/", {"reply": "经核实收入符合"}
    )
    assert dismissed.status_code == 200
    assert (dismissed.json()["status"], dismissed.json()["handled_by"]) == ("dismissed", "town_rev")

    # and upholding at a tier that does not apply is refused; at tier 2 the case goes back
    wrong = post(
        people.town_rev, f"{API}/objections/{second.pk}/uphold/", {"tier": 9, "comment": "复核"}
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_input"
    upheld = post(
        people.town_rev, f"{API}/objections/{second.pk}/uphold/", {"tier": 2, "comment": "复核"}
    )
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    case.refresh_from_db()
    assert (case.state, case.current_tier) == (CaseState.OBJECTED, 2)

    # handling it twice is a conflict
    twice = post(people.town_rev, f"{API}/objections/{first.pk}/dismiss/", {"reply": "再次"})
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"


# --------------------------------------------------------------------------------------------
# the whole story through the API
# --------------------------------------------------------------------------------------------
def test_whole_story_through_the_api(people, world, funded):
    assert _available() == Decimal("10000.00")

    # given a household registered by the village case worker
    registered = post(people.worker, f"{API}/households/", _household_body(world))
    assert registered.status_code == 201
    household_id = registered.json()["id"]

    # when the case is filed and submitted
    filed = post(
        people.worker,
        f"{API}/cases/",
        {"program": funded.code, "household": household_id, "cycle": "2026"},
    )
    case_id = filed.json()["id"]
    case_url = f"{API}/cases/{case_id}"
    assert post(people.worker, f"{case_url}/submit/").json()["current_tier"] == 1

    # then three different people approve at the three tiers, each seeing it in their queue
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        queue = api(reviewer).get(f"{API}/queue/").json()["results"]
        assert [row["case"]["id"] for row in queue] == [case_id]
        assert post(reviewer, f"{case_url}/approve/").status_code == 200
    assert api(people.worker).get(f"{case_url}/").json()["state"] == "approved"
    assert _available() == Decimal("10000.00")

    # when it is published on a notice: the money is reserved
    today = date.today()
    notice = post(
        people.town_rev,
        f"{API}/notices/",
        {"program": funded.code, "region": world.town_a.code, "cycle": "2026", "cases": [case_id]},
    ).json()
    assert notice["version"] == 1
    assert _available() == Decimal("9000.00")

    # when someone objects (the public page calls the service) and the township upholds it
    item = Case.objects.get(pk=case_id).notice_items.get()
    objection = services.objection_file(notice_item=item, contact="13900001111", text="家中有车")
    listed = api(people.town_rev).get(f"{API}/objections/").json()["results"]
    assert [o["tracking_code"] for o in listed] == [objection.tracking_code]
    upheld = post(
        people.town_rev,
        f"{API}/objections/{objection.pk}/uphold/",
        {"tier": 2, "comment": "需复核车辆情况"},
    )
    assert upheld.status_code == 200
    detail = api(people.town_rev).get(f"{case_url}/").json()
    assert (detail["state"], detail["current_tier"], detail["reserved"]) == (
        "objected",
        2,
        "1000.00",
    )
    first_notice = api(people.town_rev).get(f"{API}/notices/{notice['id']}/").json()
    assert first_notice["items"][0]["struck"] is True
    assert _available() == Decimal("9000.00")

    # when tiers 2 and 3 approve again and it goes onto a new version of the notice
    assert post(people.town_rev, f"{case_url}/approve/").json()["current_tier"] == 3
    assert post(people.county_rev, f"{case_url}/approve/").json()["state"] == "approved"
    second = post(
        people.town_rev,
        f"{API}/notices/",
        {"program": funded.code, "region": world.town_a.code, "cycle": "2026", "cases": [case_id]},
    )
    assert second.status_code == 201
    assert second.json()["version"] == 2
    assert _available() == Decimal("9000.00")  # the reservation is not taken twice

    # when the notices close after their end date
    after = date.fromisoformat(second.json()["ends_on"]) + timedelta(days=1)
    assert after > today
    call_command("close_notices", today=after)

    # then the case is final, the award booked and the reservation released
    final = api(people.county_rev).get(f"{case_url}/").json()
    assert final["state"] == "final" and final["award_entry"] is not None
    assert final["reserved"] is None and final["final_at"] is not None
    (position,) = fund_position(fund=Fund.objects.get(code="RELIEF"))
    assert (position.awards_payable, position.reserved, position.available) == (
        Decimal("1000.00"),
        Decimal("0.00"),
        Decimal("9000.00"),
    )
    statuses = {
        n["version"]: n["status"]
        for n in api(people.town_rev).get(f"{API}/notices/").json()["results"]
    }
    assert statuses == {1: "closed", 2: "closed"}
    assert [h["decision"] for h in final["history"]] == [
        "file",
        "submit",
        "start_review",
        "approve",
        "approve",
        "approve",
        "notice",
        "objection",
        "objection_upheld",
        "approve",
        "approve",
        "notice",
        "final",
    ]
    call_command("verify_ledger", progress_every=0)  # raises on any drift


# --------------------------------------------------------------------------------------------
# the schema
# --------------------------------------------------------------------------------------------
@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the test's database connection between
    requests (Django's own test client does the same), so it sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_read_endpoints_conform_to_the_schema(settings, objs, people, wsgi_app):
    """Schemathesis calls every GET of /api/approvals/ with generated input (as the county
    reviewer, by token) and checks: no server error, every status documented, bodies and headers
    as documented. The writes are covered by the tests above."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
    token = Token.objects.create(user=people.county_rev)
    auth = {"Authorization": f"Token {token.key}", "Accept-Language": "en"}
    # the applicant's acknowledgement is the case worker's (filing role), not the reviewer's
    worker_token = Token.objects.create(user=people.worker)
    auth_for = {
        "/api/approvals/cases/{id}/acknowledgement/": {
            "Authorization": f"Token {worker_token.key}",
            "Accept-Language": "en",
        }
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=auth)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    known_path = {
        "/api/approvals/programs/{code}/": {"code": objs["program"]},
        "/api/approvals/households/{id}/": {"id": objs["household"]},
        "/api/approvals/cases/{id}/": {"id": objs["on_notice"]},
        "/api/approvals/cases/{id}/acknowledgement/": {"id": objs["on_notice"]},
        "/api/approvals/notices/{id}/": {"id": objs["notice"]},
        "/api/approvals/objections/{id}/": {"id": objs["objection"]},
        "/api/approvals/bank-account-changes/{id}/": {
            "id": services.bank_account_change(
                household=Household.objects.get(pk=objs["household"]),
                bank_name="农业银行",
                account="6228480099990000",
                reason="换卡",
                actor=people.worker,
            ).pk
        },
    }
    statuses: dict[str, set[int]] = {}

    def exercise(strategy, examples):
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            headers = auth_for.get(case.operation.path, auth)
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses.setdefault(case.operation.path, set()).add(response.status_code)

        run()

    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/approvals/") or operation.method.upper() != "GET":
            continue
        exercise(operation.as_strategy(), 6)
        if operation.path in known_path:
            exercise(operation.as_strategy(path_parameters=known_path[operation.path]), 2)
        if "{" not in operation.path:  # and the plain list, nothing generated, reaches data
            exercise(operation.as_strategy(query={}), 1)

    # then every read was exercised and each reached a success
    assert len(statuses) == 15, statuses
    for path, codes in statuses.items():
        assert 200 in codes, (path, codes)
