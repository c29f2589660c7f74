"""The OpenAPI schema and the docs page of the ledger API: the schema is valid and says what the
API really does (schemathesis calls every operation and checks the answers against it), and the
docs page loads nothing from outside the site."""

import re
from collections import defaultdict
from datetime import date

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from djmoney.money import Money
from drf_spectacular.validation import validate_schema
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

from ledger import services
from ledger.services import LineSpec
from tests.ledger.factories import transfer

pytestmark = pytest.mark.django_db

LEDGER_PATHS = {
    "/api/ledger/accounts/",
    "/api/ledger/accounts/{code}/",
    "/api/ledger/funds/",
    "/api/ledger/funds/{code}/",
    "/api/ledger/entries/",
    "/api/ledger/entries/{seq}/",
    "/api/ledger/entries/{seq}/reverse/",
    "/api/ledger/balances/",
    "/api/ledger/trial-balance/",
    "/api/ledger/statements/",
    "/api/ledger/requests/",
    "/api/ledger/requests/{id}/",
    "/api/ledger/requests/{id}/approve/",
    "/api/ledger/requests/{id}/reject/",
    "/api/ledger/requests/{id}/withdraw/",
    "/api/ledger/requests/{id}/documents/",
    "/api/ledger/requests/{id}/documents/{attachment_id}/",
    "/api/ledger/periods/",
    "/api/ledger/periods/{code}/",
    "/api/ledger/periods/{code}/close/",
}


@pytest.fixture
def schema_doc(make_user):
    # the schema is for signed-in users only (issue 13): any role reads the whole of it
    api = APIClient()
    api.force_authenticate(make_user())
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_with_every_ledger_path(schema_doc):
    # then the document validates against the OpenAPI 3 meta-schema and lists every endpoint
    validate_schema(schema_doc)
    assert schema_doc["openapi"].startswith("3.")
    assert set(schema_doc["paths"]) >= LEDGER_PATHS


def test_schema_documents_both_authentications(schema_doc):
    schemes = schema_doc["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["in"] == "header"
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert schemes["cookieAuth"]["in"] == "cookie"
    for path in LEDGER_PATHS:
        for operation in schema_doc["paths"][path].values():
            assert {"tokenAuth": []} in operation["security"]
            assert {"cookieAuth": []} in operation["security"]


def test_schema_documents_errors_and_their_body(schema_doc):
    # every operation documents 401 and 403 with the shared error body
    error = schema_doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message"}
    assert "detail" in error["properties"]
    for path in LEDGER_PATHS:
        for method, operation in schema_doc["paths"][path].items():
            for code in ("401", "403"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)
    # and the writes document their conflicts and refusals
    create = schema_doc["paths"]["/api/ledger/entries/"]["post"]
    reverse = schema_doc["paths"]["/api/ledger/entries/{seq}/reverse/"]["post"]
    assert {"200", "202", "400", "409"} <= set(create["responses"])
    assert {"200", "202", "404", "409"} <= set(reverse["responses"])
    approve = schema_doc["paths"]["/api/ledger/requests/{id}/approve/"]["post"]
    close = schema_doc["paths"]["/api/ledger/periods/{code}/close/"]["post"]
    assert {"200", "403", "404", "409"} <= set(approve["responses"])
    assert {"200", "404", "409"} <= set(close["responses"])


def test_schema_documents_the_idempotency_key(schema_doc):
    create = schema_doc["paths"]["/api/ledger/entries/"]["post"]
    header = next(p for p in create["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert header["required"] is True
    assert "Idempotent-Replayed" in create["responses"]["200"]["headers"]
    # only JSON can carry the nested lines
    assert set(create["requestBody"]["content"]) == {"application/json"}


def test_schema_sends_amounts_as_strings(schema_doc):
    schemas = schema_doc["components"]["schemas"]
    amount = schemas["LineInputRequest"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert amount["format"] == "decimal"
    for name, field in [("JournalLine", "amount"), ("FundPosition", "available")]:
        assert schemas[name]["properties"][field]["type"] == "string"


def test_docs_page_loads_nothing_from_outside(make_user):
    # when a signed-in user opens the docs page
    api = APIClient()
    api.force_login(make_user())
    response = api.get("/api/docs/")
    html = response.content.decode()

    # then every script, style sheet and icon it references is one of our static files, or the
    # page's own start-up script (served by the docs view itself: no inline script)
    assert response.status_code == 200
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references, html
    script_urls = [url for url in references if url.startswith("/api/docs/?")]
    assert len(script_urls) == 1, references
    for url in set(references) - set(script_urls):
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not vendored"
    assert "<script>" not in html and "<style>" not in html
    script = api.get(script_urls[0].replace("&amp;", "&")).content.decode()
    # and no absolute URL to another host appears in the page or its start-up script
    for text in (html, script):
        assert not re.search(r"https?://", text), re.findall(r"https?://[^\s\"']+", text)
    assert '"validatorUrl": null' in script  # Swagger's online validator badge stays off


def test_schema_and_docs_are_for_signed_in_users_only(client):
    # an anonymous caller gets no schema (401 with a token challenge, or 403), and a browser is
    # sent to the login page from the docs
    schema = APIClient().get("/api/schema/", {"format": "json"})
    assert schema.status_code in (401, 403)
    assert b"openapi" not in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")


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


def _asked(maker, key, attachments=()):
    return services.entry_request_submit(
        date=date.today(),
        lines=[
            LineSpec("1002", "RELIEF", "D", Money("1.00", "CNY")),
            LineSpec("3102", "RELIEF", "C", Money("1.00", "CNY")),
        ],
        reason="schema test",
        idempotency_key=key,
        attachments=attachments,
        actor=maker,
    )


def test_api_conforms_to_its_schema(settings, officer, make_user, wsgi_app, tmp_path):
    """Schemathesis calls every operation with generated input (authenticated by token) and
    checks: no server error, every status code documented, bodies and headers as documented."""
    # given some books, requests made by an officer, and the token of a clerk who both asks
    # and approves (never their own)
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
    settings.MEDIA_ROOT = tmp_path
    entry = transfer("1002", "3102", "100.00", day=date.today())
    transfer("5101", "1002", "25.00", fund="RELIEF")
    clerk = make_user("finance_officer", "finance_supervisor", username="clerk")
    to_approve, to_reject = _asked(officer, "s-1"), _asked(officer, "s-2")
    to_withdraw = _asked(clerk, "s-3")
    with_document = _asked(
        officer, "s-4", [SimpleUploadedFile("slip.pdf", b"%PDF-1.4 slip", "application/pdf")]
    )
    document = with_document.attachments.get()
    past = services.period_open(
        code="2020-01", start=date(2020, 1, 1), end=date(2020, 1, 31), actor=None
    )
    token = Token.objects.create(user=clerk)
    auth = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=auth)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    # Known-good inputs per operation, so some cases reach real objects and answer 2xx.
    known_path = {
        "/api/ledger/accounts/{code}/": {"code": "1002"},
        "/api/ledger/funds/{code}/": {"code": "RELIEF"},
        "/api/ledger/entries/{seq}/": {"seq": entry.seq},
        "/api/ledger/entries/{seq}/reverse/": {"seq": entry.seq},
        "/api/ledger/requests/{id}/": {"id": to_approve.pk},
        "/api/ledger/requests/{id}/approve/": {"id": to_approve.pk},
        "/api/ledger/requests/{id}/reject/": {"id": to_reject.pk},
        "/api/ledger/requests/{id}/withdraw/": {"id": to_withdraw.pk},
        "/api/ledger/requests/{id}/documents/": {"id": to_withdraw.pk},
        "/api/ledger/requests/{id}/documents/{attachment_id}/": {
            "id": with_document.pk,
            "attachment_id": document.pk,
        },
        "/api/ledger/periods/{code}/": {"code": past.code},
        "/api/ledger/periods/{code}/close/": {"code": past.code},
    }
    known_query = {
        "/api/ledger/balances/": {"account": "1002"},
        "/api/ledger/statements/": {"account": "1002"},
    }
    known_body = {
        "/api/ledger/entries/": {
            "date": date.today().isoformat(),
            "reason": "schema test",
            "lines": [
                {"account": "1002", "fund": "RELIEF", "side": "D", "amount": "1.00"},
                {"account": "3102", "fund": "RELIEF", "side": "C", "amount": "1.00"},
            ],
        },
        "/api/ledger/entries/{seq}/reverse/": {"reason": "schema test"},
        "/api/ledger/requests/{id}/approve/": {},
        "/api/ledger/requests/{id}/reject/": {"reason": "schema test"},
        "/api/ledger/periods/{code}/close/": {"confirm": True},
    }
    statuses = defaultdict(set)

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
            response = case.call_and_validate(headers=auth, checks=checks)
            statuses[f"{case.method} {case.operation.path}"].add(response.status_code)

        run()

    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/ledger/")
    ]
    # Known inputs first (generated ids could decide a request before its own turn), then
    # generated ones.
    for operation in operations:
        reads = operation.method.upper() == "GET"
        overrides = {}
        if operation.path in known_path:
            overrides["path_parameters"] = known_path[operation.path]
        if operation.path in known_query:
            overrides["query"] = known_query[operation.path]
        if operation.path in known_body and not reads:
            overrides["body"] = known_body[operation.path]
        if operation.path == "/api/ledger/entries/{seq}/reverse/":
            # a key of its own: generated keys repeat, and entries/ used them for other content
            overrides["headers"] = {"Idempotency-Key": "schema-reverse"}
        if overrides:
            exercise(operation.as_strategy(**overrides), 3)
    for operation in operations:
        reads = operation.method.upper() == "GET"
        exercise(operation.as_strategy(), 6 if reads else 3)

    # then every ledger operation was exercised, and each also reached a real success (but the
    # upload, whose generated files are never real documents: tests/ledger/test_requests.py)
    assert len(statuses) == 21, statuses
    for operation, codes in statuses.items():
        if operation == "POST /api/ledger/requests/{id}/documents/":
            continue
        assert codes & {200, 201, 202}, (operation, codes)
