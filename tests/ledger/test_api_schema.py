"""The OpenAPI schema and the docs page of the ledger API: the schema is valid and says what the
API really does (schemathesis calls every operation and checks the answers against it), and the
docs page loads nothing from outside the site."""

import re
from collections import defaultdict
from datetime import date

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
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
}


@pytest.fixture
def schema_doc():
    response = APIClient().get("/api/schema/", {"format": "json"})
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
    assert {"200", "201", "400", "409"} <= set(create["responses"])
    assert {"200", "201", "404", "409"} <= set(reverse["responses"])


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


def test_docs_page_loads_nothing_from_outside():
    # when the docs page is opened
    response = APIClient().get("/api/docs/")
    html = response.content.decode()

    # then every script, style sheet and icon it references is one of our static files
    assert response.status_code == 200
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert references, html
    for url in references:
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not vendored"
    # and no absolute URL to another host appears anywhere in the page or its inline script
    assert not re.search(r"https?://", html), re.findall(r"https?://[^\s\"']+", html)
    assert '"validatorUrl": null' in html  # Swagger's online validator badge stays off


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


def test_api_conforms_to_its_schema(settings, officer, wsgi_app):
    """Schemathesis calls every operation with generated input (authenticated by token) and
    checks: no server error, every status code documented, bodies and headers as documented."""
    # given some books and an officer's token
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
    entry = transfer("1002", "3101", "100.00", day=date.today(), source="test")
    transfer("5101", "1002", "25.00", fund="RELIEF")
    token = Token.objects.create(user=officer)
    auth = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
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
    }
    known_query = {
        "/api/ledger/balances/": {"account": "1002"},
        "/api/ledger/statements/": {"account": "1002"},
    }
    known_body = {
        "/api/ledger/entries/": {
            "date": date.today().isoformat(),
            "lines": [
                {"account": "1002", "fund": "RELIEF", "side": "D", "amount": "1.00"},
                {"account": "3101", "fund": "RELIEF", "side": "C", "amount": "1.00"},
            ],
        }
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

    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/ledger/"):
            continue
        reads = operation.method.upper() == "GET"
        exercise(operation.as_strategy(), 6 if reads else 3)
        overrides = {}
        if operation.path in known_path:
            overrides["path_parameters"] = known_path[operation.path]
        if operation.path in known_query:
            overrides["query"] = known_query[operation.path]
        if operation.path in known_body and not reads:
            overrides["body"] = known_body[operation.path]
        if overrides:
            exercise(operation.as_strategy(**overrides), 3)

    # then every ledger operation was exercised, and each also reached a real success
    assert len(statuses) == 11, statuses
    for operation, codes in statuses.items():
        assert codes & {200, 201}, (operation, codes)
