"""Bad input to the API is a 400 naming the field, never a server error or an HTML page (issue 13,
finding 10): numeric filters are whole numbers within a column's range, a filter sent empty is
refused, every path under /api/ that no endpoint answers is the JSON 404, a JSON number is not
taken for text; and the screens' query strings never crash either."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money
from rest_framework.test import APIClient

from approvals.models import Household
from ledger import services
from ledger.services import LineSpec
from tests.approvals.factories import make_household, make_staff, make_world
from tests.ledger.factories import transfer

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["-2.3e40", "-1.79e308", "1e400", "99999999999999999999", "0", "1.5", "abc", "²"]


@pytest.fixture
def staff(make_user):
    world = make_world()
    return {
        "officer": make_staff(make_user, "finance_officer", world.county, "officer"),
        "supervisor": make_staff(make_user, "finance_supervisor", world.county, "supervisor"),
        "worker": make_staff(make_user, "case_worker", world.village_a1, "worker"),
        "world": world,
    }


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def schema(staff):
    # the schema is for signed-in users only (issue 13, finding 11)
    return _api(staff["officer"]).get("/api/schema/", {"format": "json"}).json()


def _list_operations(schema):
    """(path, query parameters) of every GET without a path parameter."""
    for path, item in schema["paths"].items():
        get = item.get("get")
        if get is None or "{" in path:
            continue
        yield path, [p for p in get.get("parameters", []) if p["in"] == "query"]


def _type(param) -> str:
    schema = param.get("schema", {})
    return schema.get("type", "string")


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_every_numeric_filter_refuses_out_of_range_numbers_with_the_field(staff, schema, role):
    client = _api(staff[role])
    checked = 0
    for path, params in _list_operations(schema):
        if client.get(path).status_code == 403:
            continue  # not this role's list: refused before its filters are read
        for param in params:
            if param["name"] in ("page", "page_size") or _type(param) not in (
                "integer",
                "number",
            ):
                continue
            for value in BAD_NUMBERS:
                response = client.get(path, {param["name"]: value})
                assert response.status_code == 400, (path, param["name"], value, response)
                body = response.json()
                assert body["code"] == "invalid" and param["name"] in body["detail"], (
                    path,
                    value,
                    body,
                )
                checked += 1
    assert checked >= 4 * len(BAD_NUMBERS)  # batch, household, person, case at least


def test_every_filter_sent_empty_is_refused_with_the_field(staff, schema):
    client = _api(staff["officer"])
    checked = 0
    for path, params in _list_operations(schema):
        if client.get(path).status_code == 403:
            continue  # not this role's list: refused before its filters are read
        for param in params:
            if param["name"] in ("page", "page_size"):
                continue
            response = client.get(path, {param["name"]: ""})
            if param.get("required"):
                assert response.status_code == 400, (path, param["name"])
                continue
            assert response.status_code == 400, (path, param["name"], response.content[:300])
            assert param["name"] in response.json()["detail"], (path, param["name"])
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("value", ["-2.3e40", "1e400", "abc", "0"])
def test_paging_with_bad_numbers_is_json_never_a_server_error(staff, value):
    client = _api(staff["officer"])
    for path in ("/api/ledger/entries/", "/api/payouts/batches/", "/api/collection/donations/"):
        for name in ("page", "page_size"):
            response = client.get(path, {name: value})
            assert response.status_code in (200, 400, 404), (path, name, value)
            response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/nothing/",
        "/api/ledger/nothing/",
        "/api/ledger/entries/1.5/",
        "/api/payouts/batches/1e400/",
        "/api/approvals/cases/-1/",
        "/api/ledger/accounts/a/b/c/",
    ],
)
def test_every_api_path_without_an_endpoint_answers_the_json_404(staff, path):
    client = _api(staff["officer"])
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response["Content-Type"].startswith("application/json"), (method, path)
        assert response.json()["code"] == "not_found"
    # and anonymously too
    response = APIClient().get(path)
    assert response.status_code in (401, 404) and response.json()["code"]


@pytest.mark.parametrize(
    "path",
    ["/api/ledger/accounts/a.b/", "/api/ledger/entries/99999999999999999999999/"],
)
def test_an_object_that_is_not_there_is_the_json_404(staff, path):
    response = _api(staff["officer"]).get(path)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_api_path_without_its_final_slash_is_sent_on(staff):
    response = _api(staff["officer"]).get("/api/ledger/accounts", {"type": "asset"})
    assert response.status_code == 301
    assert response["Location"] == "/api/ledger/accounts/?type=asset"


def test_a_number_is_not_taken_for_a_text_reason(staff, make_user):
    # given an entry and an entry request waiting for a decision
    entry = transfer("1002", "3102", "100.00", day=date.today())
    clerk = make_user("finance_officer", "finance_supervisor", username="clerk")
    asked = services.entry_request_submit(
        date=date.today(),
        lines=[
            LineSpec("1002", "RELIEF", "D", Money("1.00", "CNY")),
            LineSpec("3102", "RELIEF", "C", Money("1.00", "CNY")),
        ],
        reason="schema test",
        idempotency_key="typed-1",
        actor=staff["officer"],
    )
    client = _api(clerk)
    # when reasons are sent as JSON numbers, then each is refused with the field named
    for path in (
        f"/api/ledger/requests/{asked.pk}/reject/",
        f"/api/ledger/entries/{entry.seq}/reverse/",
    ):
        for value in (5, 1.5, True, ["a"]):
            response = client.post(
                path, {"reason": value}, format="json", HTTP_IDEMPOTENCY_KEY="typed-reverse"
            )
            assert response.status_code == 400, (path, value, response.content)
            assert "reason" in response.json().get("detail", {}), (path, value, response.json())
    asked.refresh_from_db()
    assert asked.status == "pending"
    # and text is still text
    response = client.post(
        f"/api/ledger/requests/{asked.pk}/reject/", {"reason": "5"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_screens_query_strings_never_crash(client, staff):
    world = staff["world"]
    household = make_household(staff["worker"], world.village_a1)
    assert isinstance(household, Household)
    pages = {
        "officer": [
            reverse("collection:donation-new"),
            reverse("collection:allocation-new"),
            reverse("collection:donations"),
            reverse("collection:receipts"),
            reverse("collection:pledges"),
            reverse("collection:donors"),
            reverse("payouts:batches"),
            reverse("payouts:late"),
            reverse("payouts:cycles"),
            reverse("payouts:recoveries"),
            reverse("payouts:recovery-new"),
            reverse("ledger:journal"),
            reverse("ledger:trial-balance"),
        ],
        "worker": [
            reverse("approvals:household-new"),
            reverse("approvals:household-bank-account", args=[household.pk]),
        ],
    }
    names = [
        "page", "days", "person", "donor", "pledge", "job", "members", "year", "status",
        "program", "batch", "payment", "date_from", "date_to", "account", "fund",
    ]  # fmt: skip
    for role, urls in pages.items():
        client.force_login(staff[role])
        for url in urls:
            for value in [*BAD_NUMBERS, ""]:
                response = client.get(url, dict.fromkeys(names, value))
                assert response.status_code < 500, (url, value, response.status_code)
