"""Schemathesis over the whole API (issue 13, "schemathesis --checks all: 0 server errors").

The demo county is loaded (every kind of object exists), then every operation of the OpenAPI
schema is called in-process through the WSGI application, as the finance officer and as the
finance supervisor (token authentication), with generated input: data that fits the schema and
data that does not. Every response goes through every check schemathesis runs by default (the
CLI's ``--checks all``): no server error, status codes, content types, headers and bodies as
documented, data that breaks the schema refused, a required header refused when missing,
unsupported methods answered 405, authentication not ignored. One setting differs: data that
fits the schema may still be refused with 400 by a business rule the schema cannot state (a
closed period, a ceiling, a four-eyes refusal), so 400 is among the answers accepted for it.

A bounded number of examples per operation keeps the run to a few minutes on two cores; every
failure is collected, and the test lists them all at the end.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup

pytestmark = pytest.mark.django_db

EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 2}
KNOWN_EXAMPLES = 1  # per real object named in the path


def _real_values() -> dict[str, list]:
    """The path segment before a parameter -> real values of the demo county, so that
    operations on objects reach them (generated ids mostly find nothing)."""
    from approvals.models import BankAccountChange, Case, Household, Notice, Objection, Program
    from disbursement.models import (
        BankLayout,
        BankResultImport,
        Confirmation,
        Cycle,
        Enrolment,
        ExportLog,
        JobProgress,
        PayoutBatch,
        Recovery,
    )
    from ledger.collection.models import (
        Allocation,
        CashDeposit,
        Donation,
        Donor,
        Pledge,
        Receipt,
        ReceiptVoidRequest,
    )
    from ledger.models import Account, EntryRequest, Fund, JournalEntry, Period

    def some(model, field="pk"):
        values = list(model.objects.order_by("pk").values_list(field, flat=True))
        return [v for v in {values[0], values[-1]} if v is not None] if values else []

    return {
        "bank-account-changes": some(BankAccountChange),
        "cases": some(Case),
        "households": some(Household),
        "notices": some(Notice),
        "objections": some(Objection),
        "programs": some(Program, "code"),
        "allocations": some(Allocation),
        "cash-deposits": some(CashDeposit),
        "donations": some(Donation),
        "donors": some(Donor),
        "pledges": some(Pledge),
        "receipts": [str(r) for r in Receipt.objects.select_related("book").order_by("pk")[:2]],
        "void-requests": some(ReceiptVoidRequest),
        "accounts": some(Account, "code"),
        "funds": some(Fund, "code"),
        "entries": some(JournalEntry, "seq"),
        "periods": some(Period, "code"),
        "requests": some(EntryRequest),
        "batches": some(PayoutBatch),
        "confirmations": some(Confirmation),
        "cycles": some(Cycle),
        "enrolments": some(Enrolment),
        "exports": some(ExportLog),
        "jobs": some(JobProgress),
        "layouts": some(BankLayout),
        "recoveries": some(Recovery),
        "result-imports": some(BankResultImport),
        "sample-checks": some(PayoutBatch),
    }


def _known_paths(operation, real: dict[str, list]) -> list[dict]:
    """Path parameters naming real objects: each parameter by the segment before it."""
    segments = operation.path.strip("/").split("/")
    names = {}
    for before, segment in zip(segments, segments[1:], strict=False):
        if segment.startswith("{"):
            names[segment.strip("{}")] = real.get(before, [])
    if not names or not all(names.values()):
        return []
    # the object's own parameter varies; any other (a parent) takes its first value
    *parents, own = names
    return [{**{p: names[p][0] for p in parents}, own: value} for value in names[own]]


CONFIG = {
    "checks": {
        # A schema says which requests are well formed, not which the books accept today.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
        },
    },
}


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the test's database connection between
    requests (Django's test client does the same), so it sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def demo(settings, tmp_path):
    call_command("load_demo", force=True, verbosity=0)  # its passwords are public: a test
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
    settings.MEDIA_ROOT = tmp_path
    settings.PAYOUT_EXPORT_DIR = tmp_path / "bankfiles"


def _describe(failure: Failure) -> str:
    return f"{failure.title}: {str(failure.message).splitlines()[0][:200]}"


def _exercise(
    operation, mode, examples, auth, username, failures, statuses, errors, path_parameters=None
):
    label = f"{operation.method.upper()} {operation.path}"
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

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
        try:
            response = case.call_and_validate(headers=auth)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures[label].add(f"[{username}] {_describe(failure)}")
                if failure.code in ("ST101", "ST102"):  # a server error
                    errors.append(f"{label}: {_describe(failure)}")
            return
        except Failure as failure:
            failures[label].add(f"[{username}] {_describe(failure)}")
            if failure.code in ("ST101", "ST102"):
                errors.append(f"{label}: {_describe(failure)}")
            return
        statuses[label].add(response.status_code)

    try:
        run()
    except Unsatisfiable:
        # nothing of the operation can break its schema (no parameters, no body): no negative
        # data to send
        assert mode == GenerationMode.NEGATIVE, label


def test_the_whole_api_passes_every_schemathesis_check(demo, wsgi_app, django_user_model):
    config = SchemathesisConfig.from_dict(CONFIG)
    # the schema is for signed-in users (issue 13, finding 11): read it with the officer's token
    reader = django_user_model.objects.get(username="officer")
    reader_token, _created = Token.objects.get_or_create(user=reader)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/",
        wsgi_app,
        config=config,
        headers={"Authorization": f"Token {reader_token.key}"},
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 80, len(operations)

    failures: dict[str, set[str]] = defaultdict(set)
    statuses: dict[str, set[int]] = defaultdict(set)
    errors: list[str] = []
    real = _real_values()

    for username in ("officer", "supervisor"):
        user = django_user_model.objects.get(username=username)
        token, _created = Token.objects.get_or_create(user=user)
        auth = {"Authorization": f"Token {token.key}"}

        for operation in operations:
            for mode, examples in EXAMPLES.items():
                _exercise(operation, mode, examples, auth, username, failures, statuses, errors)
            for known in _known_paths(operation, real):
                _exercise(
                    operation,
                    GenerationMode.POSITIVE,
                    KNOWN_EXAMPLES,
                    auth,
                    username,
                    failures,
                    statuses,
                    errors,
                    path_parameters=known,
                )

    report = "\n".join(
        f"{label}\n    " + "\n    ".join(sorted(found)) for label, found in sorted(failures.items())
    )
    import os

    if os.environ.get("FUZZ_REPORT"):
        for label, codes in sorted(statuses.items()):
            print(label, sorted(codes))
    assert not errors, report  # server errors first
    assert not failures, report
    # and every operation was called
    assert len(statuses) + len(failures) >= len(operations)
