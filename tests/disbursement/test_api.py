"""The payout JSON API (/api/payouts/): every endpoint with the right role, the wrong role, no
login and the wrong region; long jobs answered 202 and polled; the services' refusals as JSON
``{code, message, detail}`` that change nothing (approving one's own batch, exporting an
unapproved batch, result files with a wrong column, an unknown reference, a different amount, a
duplicate line, an undefined status: every bad line in ``detail.problems``); masked account
numbers; the whole payout story through the API; and the schema, generated without a warning
and honoured by the read endpoints (schemathesis)."""

from __future__ import annotations

import base64
import csv
import io
import json
from decimal import Decimal

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
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

from disbursement import services
from disbursement.models import (
    BankResultImport,
    Cycle,
    Enrolment,
    Entitlement,
    ExportLog,
    JobProgress,
    Payment,
    PayoutBatch,
)
from ledger.models import AuditEvent
from tests.approvals.factories import fund_money, make_staff

from .conftest import confirm, enrol
from .util import HEADER, bank, csv_bytes, payable, read_xlsx, result_rows, snapshot

API = "/api/payouts"


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def post(user, url, body=None, **extra):
    return api(user).post(url, body or {}, format="json", **extra)


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """POST that starts a job: the job runs (in-process) once the request's work commits; the
    answer and the job's row as it stands afterwards."""

    def call(user, url, body=None, *, fmt="json"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api(user).post(url, body or {}, format=fmt)
        job = None
        if response.status_code == 202:
            job = JobProgress.objects.get(pk=response.json()["id"])
            assert response["Location"] == f"{API}/jobs/{job.pk}/"
        return response, job

    return call


def _state():
    """Everything a refused request must leave untouched."""
    return (
        snapshot(),
        tuple(PayoutBatch.objects.order_by("id").values_list("id", "status", "approved_by_id")),
        ExportLog.objects.count(),
        JobProgress.objects.count(),
        tuple(Enrolment.objects.order_by("id").values_list("id", "status")),
        Cycle.objects.count(),
        Entitlement.objects.count(),
    )


@pytest.fixture
def outsider(make_user, world):
    """A finance officer and a supervisor of the other township: nothing of town A is theirs."""
    return (
        make_staff(make_user, "finance_officer", world.town_b, "far_officer"),
        make_staff(make_user, "finance_supervisor", world.town_b, "far_supervisor"),
    )


@pytest.fixture
def township_officer(make_user, world):
    return make_staff(make_user, "finance_officer", world.town_a, "town_officer")


@pytest.fixture
def enrolled(people, reward, make_households):
    """Two beneficiaries of the reward program, money in the reward fund, cycle 2026 open."""
    fund_money(5000, "REWARD")
    households = make_households(2, prefix="62170000")
    enrolments = [enrol(reward, h.people.get(is_head=True)) for h in households]
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    return enrolments, cycle


@pytest.fixture
def draft(final_cases, people, relief):
    return services.batch_build(program=relief, actor=people.officer)


@pytest.fixture
def sent(draft, people, layout):
    services.batch_approve(batch=draft, actor=people.supervisor)
    services.batch_export(batch=draft, layout=layout, actor=people.officer)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def objs(draft, enrolled, layout, people):
    enrolments, cycle = enrolled
    job = JobProgress.objects.create(kind="build_batch", created_by=people.officer)
    return {
        "batch": draft.pk,
        "cycle": cycle.pk,
        "confirmation": services.confirmation_prepare(cycle=cycle, actor=people.officer).pk,
        "enrolment": enrolments[0].pk,
        "layout": layout.pk,
        "export": 999999,  # permission is checked before the object is looked up
        "import": 999999,
        "job": job.pk,
    }


ENDPOINTS = [
    ("get", "cycles/"),
    ("get", "cycles/{cycle}/"),
    ("post", "cycles/"),
    ("post", "cycles/{cycle}/generate/"),
    ("get", "confirmations/"),
    ("get", "confirmations/{confirmation}/"),
    ("post", "confirmations/"),
    ("post", "confirmations/{confirmation}/stop/"),
    ("post", "confirmations/{confirmation}/signoff/"),
    ("post", "confirmations/{confirmation}/publish/"),
    ("post", "confirmations/{confirmation}/approve/"),
    ("get", "enrolments/"),
    ("get", "enrolments/{enrolment}/"),
    ("post", "enrolments/{enrolment}/suspend/"),
    ("post", "enrolments/{enrolment}/exit/"),
    ("post", "enrolments/{enrolment}/reinstate/"),
    ("get", "batches/"),
    ("get", "batches/{batch}/"),
    ("post", "batches/"),
    ("post", "batches/{batch}/approve/"),
    ("post", "batches/{batch}/discard/"),
    ("get", "batches/{batch}/payments/"),
    ("get", "layouts/"),
    ("get", "layouts/{layout}/"),
    ("get", "exports/"),
    ("get", "exports/{export}/"),
    ("post", "exports/"),
    ("get", "exports/{export}/download/"),
    ("get", "result-imports/"),
    ("get", "result-imports/{import}/"),
    ("post", "result-imports/"),
    ("get", "jobs/"),
    ("get", "jobs/{job}/"),
    ("post", "jobs/{job}/retry/"),
]


def _call(client, method, path, objs):
    url = f"{API}/{path.format(**objs)}"
    return client.get(url) if method == "get" else client.post(url, {}, format="json")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_callers_get_401(objs, method, path):
    before = _state()
    response = _call(api(), method, path, objs)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "not_authenticated"
    assert _state() == before


# (method, path, a role that may NOT call it), each at the county so region is not the reason
WRONG_ROLE = [
    ("get", "cycles/", "reviewer"),
    ("get", "cycles/{cycle}/", "case_worker"),
    ("post", "cycles/", "finance_supervisor"),
    ("post", "cycles/{cycle}/generate/", "auditor"),
    ("get", "confirmations/", "case_worker"),
    ("get", "confirmations/{confirmation}/", "case_worker"),
    ("post", "confirmations/", "finance_supervisor"),
    ("post", "confirmations/", "reviewer"),
    ("post", "confirmations/{confirmation}/signoff/", "case_worker"),
    ("post", "confirmations/{confirmation}/publish/", "finance_officer"),
    ("post", "confirmations/{confirmation}/approve/", "finance_officer"),
    ("post", "confirmations/{confirmation}/approve/", "reviewer"),
    ("get", "enrolments/", "reviewer"),
    ("get", "enrolments/{enrolment}/", "reviewer"),
    ("post", "enrolments/{enrolment}/suspend/", "auditor"),
    ("post", "enrolments/{enrolment}/exit/", "finance_supervisor"),
    ("post", "enrolments/{enrolment}/reinstate/", "reviewer"),
    ("get", "batches/", "case_worker"),
    ("get", "batches/{batch}/", "reviewer"),
    ("post", "batches/", "finance_supervisor"),
    ("post", "batches/", "auditor"),
    ("post", "batches/{batch}/approve/", "finance_officer"),
    ("post", "batches/{batch}/discard/", "finance_supervisor"),
    ("get", "batches/{batch}/payments/", "case_worker"),
    ("get", "layouts/", "reviewer"),
    ("get", "layouts/{layout}/", "case_worker"),
    ("get", "exports/", "case_worker"),
    ("get", "exports/{export}/", "reviewer"),
    ("post", "exports/", "finance_supervisor"),
    ("get", "exports/{export}/download/", "auditor"),
    ("get", "exports/{export}/download/", "finance_supervisor"),
    ("get", "result-imports/", "reviewer"),
    ("get", "result-imports/{import}/", "case_worker"),
    ("post", "result-imports/", "finance_supervisor"),
    ("get", "jobs/", "reviewer"),
    ("get", "jobs/{job}/", "case_worker"),
    ("post", "jobs/{job}/retry/", "reviewer"),
]


@pytest.mark.parametrize(("method", "path", "role"), WRONG_ROLE)
def test_wrong_role_gets_403(objs, make_user, world, method, path, role):
    user = make_staff(make_user, role, world.county, f"wrong_{role}")
    before = _state()
    response = _call(api(user), method, path, objs)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert _state() == before


def test_staff_without_a_region_are_told_to_get_one(objs, make_user):
    user = make_user("finance_officer", username="lost")
    response = api(user).get(f"{API}/batches/")
    assert response.status_code == 403
    assert "no region assigned" in response.json()["message"]


# --------------------------------------------------------------------------------------------
# region
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "batches/{batch}/"),
        ("get", "batches/{batch}/payments/"),
        ("post", "batches/{batch}/discard/"),
        ("get", "enrolments/{enrolment}/"),
        ("post", "enrolments/{enrolment}/suspend/"),
        ("get", "jobs/{job}/"),
    ],
)
def test_another_townships_officer_gets_404(objs, outsider, method, path):
    # given a county batch, an enrolment in town A and the county officer's job
    far_officer, _far_supervisor = outsider
    before = _state()

    # when the officer of town B asks for them, they do not exist for them
    response = _call(api(far_officer), method, path, objs)
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert _state() == before


def test_another_township_sees_empty_lists(objs, outsider):
    far_officer, far_supervisor = outsider
    for user, path in [
        (far_officer, "batches/"),
        (far_officer, "enrolments/"),
        (far_officer, "exports/"),
        (far_officer, "result-imports/"),
        (far_officer, "jobs/"),
        (far_supervisor, "batches/"),
    ]:
        response = api(user).get(f"{API}/{path}")
        assert response.status_code == 200, (path, response.content)
        assert response.json()["results"] == [], path


def test_a_supervisor_of_another_township_cannot_approve(objs, outsider):
    _far_officer, far_supervisor = outsider
    before = _state()
    response = post(far_supervisor, f"{API}/batches/{objs['batch']}/approve/")
    assert response.status_code == 404
    assert _state() == before


def test_building_for_a_region_outside_ones_own_is_refused(
    final_cases, relief, township_officer, world
):
    before = _state()
    response = post(
        township_officer,
        f"{API}/batches/",
        {"program": relief.code, "region": world.town_b.code},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "region" in body["detail"]
    assert _state() == before


def test_cycles_are_opened_and_generated_by_county_staff_only(enrolled, reward, township_officer):
    _enrolments, cycle = enrolled
    before = _state()
    for response in (
        post(township_officer, f"{API}/cycles/", {"program": reward.code, "code": "2027"}),
        post(township_officer, f"{API}/cycles/{cycle.pk}/generate/"),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "not_allowed"
        assert "only staff working at the county" in response.json()["message"]
    assert _state() == before


# --------------------------------------------------------------------------------------------
# cycles and enrolments
# --------------------------------------------------------------------------------------------
def test_open_a_cycle_once_and_generate_it_as_a_job(enrolled, reward, people, start):
    # when a county officer opens cycle 2027 twice
    first = post(people.officer, f"{API}/cycles/", {"program": reward.code, "code": "2027"})
    again = post(people.officer, f"{API}/cycles/", {"program": reward.code, "code": "2027"})

    # then it is opened once: 201, then 200 with the same cycle
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    cycle = first.json()
    assert cycle["program"] == reward.code and cycle["status"] == "open"
    assert cycle["amount"] == "1000.00" and cycle["entitlement_count"] == 0
    assert first["Location"] == f"{API}/cycles/{cycle['id']}/"

    # when its entitlements are generated (a job) before its annual confirmation is approved,
    # then the job fails saying so, and nothing is booked
    response, job = start(people.officer, f"{API}/cycles/{cycle['id']}/generate/")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "generate_cycle"
    polled = api(people.officer).get(f"{API}/jobs/{job.pk}/").json()
    assert polled["status"] == "failed" and polled["result"]["code"] == "invalid_state"
    assert "no approved annual confirmation" in polled["error"]
    assert not Entitlement.objects.exists()

    # when the cycle is confirmed and approved (which books), generating again is done and
    # creates nothing new
    confirm(Cycle.objects.get(pk=cycle["id"]), people)
    detail = api(people.officer).get(f"{API}/cycles/{cycle['id']}/").json()
    assert detail["entitlement_count"] == 2 and detail["entitlement_total"] == "2000.00"
    assert payable("REWARD") == Decimal("2000.00")
    _response, job2 = start(people.officer, f"{API}/cycles/{cycle['id']}/generate/")
    job2.refresh_from_db()
    assert job2.status == "done" and job2.result["created"] == 0
    assert Entitlement.objects.count() == 2


def test_a_one_off_program_has_no_cycles(relief, people):
    before = _state()
    response = post(people.officer, f"{API}/cycles/", {"program": relief.code, "code": "2026"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert "one-off relief program" in response.json()["message"]
    assert _state() == before


def test_suspend_reinstate_and_exit(people, reward, make_households):
    household = make_households(1, prefix="62170000")[0]
    head = household.people.get(is_head=True)
    made = enrol(reward, head)
    enrolment = api(people.worker).get(f"{API}/enrolments/{made.pk}/").json()
    assert enrolment["status"] == "active" and enrolment["person_name"] == head.name
    assert enrolment["village"] == household.region.code
    url = f"{API}/enrolments/{enrolment['id']}"

    # a suspension needs a reason, and is kept with its date
    missing = post(people.worker, f"{url}/suspend/", {"reason": ""})
    assert missing.status_code == 400 and "reason" in missing.json()["detail"]
    suspended = post(
        people.worker, f"{url}/suspend/", {"reason": "外出务工，待核实", "on": "2026-03-01"}
    )
    assert suspended.status_code == 200, suspended.content
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["status_date"] == "2026-03-01"
    assert post(people.worker, f"{url}/reinstate/", {"reason": "已核实"}).json()["status"] == (
        "active"
    )
    exited = post(people.worker, f"{url}/exit/", {"reason": "本人去世"})
    assert exited.json()["status"] == "exited"
    assert [(h["from_status"], h["to_status"]) for h in exited.json()["history"]] == [
        ("", "active"),
        ("active", "suspended"),
        ("suspended", "active"),
        ("active", "exited"),
    ]

    # and an exit is final: reinstating is a conflict that changes nothing
    before = _state()
    final = post(people.worker, f"{url}/reinstate/", {"reason": "误操作"})
    assert final.status_code == 409 and final.json()["code"] == "invalid_state"
    assert _state() == before

    # the list filters by program and status
    listing = api(people.officer).get(f"{API}/enrolments/", {"status": "exited"})
    assert [e["id"] for e in listing.json()["results"]] == [enrolment["id"]]
    bad = api(people.officer).get(f"{API}/enrolments/", {"program": "NOPE"})
    assert bad.status_code == 400 and "program" in bad.json()["detail"]


# --------------------------------------------------------------------------------------------
# batches and payments
# --------------------------------------------------------------------------------------------
def test_build_a_batch_as_a_job_then_read_it(final_cases, relief, people, start):
    # when the officer builds a batch of the relief program
    response, job = start(people.officer, f"{API}/batches/", {"program": relief.code})

    # then 202, and the job, once done, names the batch
    assert response.status_code == 202, response.content
    job.refresh_from_db()
    assert job.status == "done" and job.kind == "build_batch"
    batch_id = job.result["batch_id"]
    assert job.result == {"batch_id": batch_id, "count": 3, "total": "3000.00"}

    # and the batch reads back with its reconciliation and timeliness
    detail = api(people.supervisor).get(f"{API}/batches/{batch_id}/").json()
    assert detail["label"] == f"PB{batch_id}" and detail["status"] == "draft"
    assert (detail["count"], detail["total"], detail["currency"]) == (3, "3000.00", "CNY")
    assert detail["built_by"] == "officer" and detail["approved_by"] is None
    assert detail["region"] == people.officer.staff_profile.region.code
    assert detail["reconciliation"]["agrees"] is True
    assert detail["reconciliation"]["payments_total"] == "3000.00"
    assert detail["timeliness"]["paid"] == 0 and detail["left_out"] == []

    listing = api(people.supervisor).get(
        f"{API}/batches/", {"status": "draft", "program": relief.code}
    )
    assert [b["id"] for b in listing.json()["results"]] == [batch_id]

    # and building again finds nothing to pay: the job fails, nothing new is built
    _response, again = start(people.officer2, f"{API}/batches/", {"program": relief.code})
    again.refresh_from_db()
    assert again.status == "failed" and again.result["code"] == "nothing_to_pay"
    assert PayoutBatch.objects.count() == 1


def test_bad_build_input_is_refused_before_any_job(final_cases, relief, people):
    before = _state()
    for body, field in [
        ({"program": "NOPE"}, "program"),
        (
            {"program": relief.code, "final_from": "2026-05-02", "final_to": "2026-05-01"},
            "final_to",
        ),
        ({"program": relief.code, "retry_unchanged": "perhaps"}, "retry_unchanged"),
    ]:
        response = post(people.officer, f"{API}/batches/", body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid" and field in response.json()["detail"]
    assert _state() == before


def test_approving_ones_own_batch_is_refused(final_cases, relief, people):
    # given a batch built by someone holding both roles
    batch = services.batch_build(program=relief, actor=people.both)
    before = _state()

    # when they approve it through the API
    response = post(people.both, f"{API}/batches/{batch.pk}/approve/")

    # then 403 not_allowed says why, and the batch is still a draft
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "not_allowed"
    assert f"You built batch PB{batch.pk}, so you may not approve it" in body["message"]
    assert _state() == before


def test_approve_then_approving_or_discarding_again_is_a_conflict(draft, people):
    response = post(people.supervisor, f"{API}/batches/{draft.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["approved_by"] == "supervisor"

    before = _state()
    again = post(people.supervisor, f"{API}/batches/{draft.pk}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    discard = post(people.officer, f"{API}/batches/{draft.pk}/discard/", {"reason": "重建"})
    assert discard.status_code == 409 and "only a draft batch" in discard.json()["message"]
    assert _state() == before


def test_discard_a_draft_needs_a_reason(draft, people):
    missing = post(people.officer, f"{API}/batches/{draft.pk}/discard/", {})
    assert missing.status_code == 400 and "reason" in missing.json()["detail"]
    response = post(people.officer, f"{API}/batches/{draft.pk}/discard/", {"reason": "选错项目"})
    assert response.status_code == 200
    assert response.json()["status"] == "discarded"
    assert response.json()["discard_reason"] == "选错项目"
    assert not Payment.objects.filter(batch=draft).exists()


def test_payments_of_a_batch_are_masked_and_filtered(sent, people, layout):
    # given the bank reported the first payment failed
    payments = list(Payment.objects.filter(batch=sent).order_by("id"))
    services.results_import(
        batch=sent,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed={payments[0].reference})),
        filename="r.csv",
        actor=people.officer,
    )

    # when the auditor-like supervisor lists the payments
    response = api(people.supervisor).get(f"{API}/batches/{sent.pk}/payments/")
    assert response.status_code == 200
    rows = response.json()["results"]

    # then each shows its award, the masked account, the exact amount and its outcome
    assert [r["reference"] for r in rows] == [p.reference for p in payments]
    first = rows[0]
    assert first["kind"] == "case" and first["case_number"] == payments[0].case.number
    assert first["account"] == "**** 0001" and first["amount"] == "1000.00"
    assert first["status"] == "failed" and first["failure_reason"] == "账户已销户"
    assert rows[1]["status"] == "paid" and rows[1]["days_to_payment"] == 0
    # and no whole account number appears anywhere in the answer
    assert "62284800000000000" not in response.content.decode()

    failed = api(people.supervisor).get(f"{API}/batches/{sent.pk}/payments/", {"status": "failed"})
    assert [r["reference"] for r in failed.json()["results"]] == [payments[0].reference]
    bad = api(people.supervisor).get(f"{API}/batches/{sent.pk}/payments/", {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["detail"]
    missing = api(people.supervisor).get(f"{API}/batches/999999/payments/")
    assert missing.status_code == 404


# --------------------------------------------------------------------------------------------
# exports
# --------------------------------------------------------------------------------------------
def test_exporting_an_unapproved_batch_is_refused_at_once(draft, people, layout):
    before = _state()
    response = post(people.officer, f"{API}/exports/", {"batch": draft.pk, "layout": layout.pk})
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "invalid_state"
    assert "only an approved batch goes to the bank" in body["message"]
    assert _state() == before  # no job, no log, nothing marked sent


def test_export_download_and_the_export_log(
    draft, people, layout, start, settings, tmp_path, make_user, world
):
    settings.PAYOUT_EXPORT_DIR = tmp_path
    auditor = make_staff(make_user, "auditor", world.county, "county_auditor")
    services.batch_approve(batch=draft, actor=people.supervisor)

    # when the officer exports the approved batch as Excel
    response, job = start(
        people.officer,
        f"{API}/exports/",
        {"batch": draft.pk, "layout": layout.pk, "format": "xlsx"},
    )

    # then the job is done and names the export, and the payments are sent
    assert response.status_code == 202, response.content
    job.refresh_from_db()
    assert job.status == "done", job.error
    export_id = job.result["export_id"]
    assert set(Payment.objects.filter(batch=draft).values_list("status", flat=True)) == {"sent"}

    # and the export log lists it, filtered by batch
    listing = api(people.supervisor).get(f"{API}/exports/", {"batch": draft.pk}).json()
    [log] = listing["results"]
    assert log["id"] == export_id and log["format"] == "xlsx" and log["rows"] == 3
    assert log["total"] == "3000.00" and log["exported_by"] == "officer"
    assert log["downloadable"] is True and len(log["sha256"]) == 64

    # when the officer downloads the file, it is the bank file with whole account numbers, and
    # the download is audited
    audits = AuditEvent.objects.filter(action="batch.export_download").count()
    download = api(people.officer).get(f"{API}/exports/{export_id}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download["Cache-Control"] == "no-store"
    assert (
        f'filename="{ExportLog.objects.get(pk=export_id).filename}"'
        in (download["Content-Disposition"])
    )
    assert read_xlsx(content)[1][0] == "6228480000000000001"
    assert AuditEvent.objects.filter(action="batch.export_download").count() == audits + 1

    # and a role that may only read the log cannot download it
    assert api(auditor).get(f"{API}/exports/{export_id}/download/").status_code == 403

    # and a stored file changed after it was written is not sent, and no download is audited
    stored = ExportLog.objects.get(pk=export_id).file_path
    with open(stored, "ab") as handle:
        handle.write(b"tampered")
    audits = AuditEvent.objects.filter(action="batch.export_download").count()
    altered = api(people.officer).get(f"{API}/exports/{export_id}/download/")
    assert altered.status_code == 409
    assert altered.json()["code"] == "export_file_altered"
    assert AuditEvent.objects.filter(action="batch.export_download").count() == audits


def test_an_export_made_without_a_job_has_no_file_to_download(sent, people):
    log = ExportLog.objects.get(batch=sent)
    response = api(people.officer).get(f"{API}/exports/{log.pk}/download/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "export batch" in response.json()["message"]


# --------------------------------------------------------------------------------------------
# result imports
# --------------------------------------------------------------------------------------------
def _upload(content: bytes, name="r.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _rows(batch):
    return result_rows(Payment.objects.filter(batch=batch).order_by("id"))


def _wrong_column(rows):
    return csv_bytes(
        rows, header=["流水号", "状态", "银行流水号", "金额(元)", "失败原因", "手续费"]
    )


def _unknown_reference(rows):
    rows[1][0] = "PB999-1"
    return csv_bytes(rows)


def _different_amount(rows):
    rows[0][3] = "999.00"
    return csv_bytes(rows)


def _duplicate_line(rows):
    return csv_bytes([*rows, list(rows[0])])


def _undefined_status(rows):
    rows[2][1] = "处理中"
    return csv_bytes(rows)


@pytest.mark.parametrize(
    ("make_file", "code", "line", "says"),
    [
        (_wrong_column, "wrong_column", 1, "The file has no column “金额”"),
        (_unknown_reference, "unknown_reference", 3, "reference “PB999-1” is not a payment"),
        (_different_amount, "amount_mismatch", 2, "reports 999.00 but the payment is 1000.00"),
        (_duplicate_line, "duplicate_line", 5, "appears again (first on line 2)"),
        (_undefined_status, "undefined_status", 4, "status “处理中” is not defined by layout"),
    ],
)
def test_a_bad_result_file_is_refused_with_every_problem_and_changes_nothing(
    make_file, code, line, says, sent, people, layout
):
    # given an exported batch and a result file with one bad line
    content = make_file(_rows(sent))
    before, bank_before = _state(), bank("RELIEF")
    refusals = AuditEvent.objects.filter(action="bankresults.refuse").count()

    # when it is uploaded
    response = api(people.officer).post(
        f"{API}/result-imports/",
        {"batch": sent.pk, "layout": layout.pk, "file": _upload(content)},
        format="multipart",
    )

    # then 400 bank_file_rejected, the message says nothing was booked, and detail lists the
    # bad line with its number, code and words
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "bank_file_rejected"
    assert "nothing was booked" in body["message"]
    [problem] = body["detail"]["problems"]
    assert (problem["code"], problem["line"]) == (code, line)
    assert says in problem["message"]
    # and nothing changed (no job started), but the refusal is on record
    assert _state() == before and bank("RELIEF") == bank_before
    assert AuditEvent.objects.filter(action="bankresults.refuse").count() == refusals + 1


def test_every_bad_line_is_listed(sent, people, layout):
    rows = _rows(sent)
    rows[0][3] = "999.00"
    rows[1][0] = "PB999-1"
    rows[2][1] = "处理中"
    response = api(people.officer).post(
        f"{API}/result-imports/",
        {"batch": sent.pk, "layout": layout.pk, "file": _upload(csv_bytes(rows))},
        format="multipart",
    )
    problems = response.json()["detail"]["problems"]
    assert [(p["line"], p["code"]) for p in problems] == [
        (2, "amount_mismatch"),
        (3, "unknown_reference"),
        (4, "undefined_status"),
    ]


def test_a_result_file_for_a_batch_not_sent_is_refused(draft, people, layout):
    before = _state()
    response = api(people.officer).post(
        f"{API}/result-imports/",
        {"batch": draft.pk, "layout": layout.pk, "file": _upload(csv_bytes(_rows(draft)))},
        format="multipart",
    )
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert _state() == before


def test_import_a_good_result_file_as_a_job_twice(sent, people, layout, start):
    payments = list(Payment.objects.filter(batch=sent).order_by("id"))
    content = csv_bytes(result_rows(payments, failed={payments[2].reference}))

    # when the bank's file is uploaded
    response, job = start(
        people.officer,
        f"{API}/result-imports/",
        {"batch": sent.pk, "layout": layout.pk, "file": _upload(content)},
        fmt="multipart",
    )

    # then the job books it: two paid, one failed and still owed
    assert response.status_code == 202, response.content
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert (job.result["paid"], job.result["failed"]) == (2, 1)
    assert "content_b64" not in job.params
    assert payable("RELIEF") == Decimal("1000.00")
    imp = api(people.supervisor).get(f"{API}/result-imports/{job.result['import_id']}/").json()
    assert (imp["paid_count"], imp["failed_count"], imp["status"]) == (2, 1, "done")
    assert imp["paid_total"] == "2000.00" and imp["imported_by"] == "officer"
    listing = api(people.supervisor).get(f"{API}/result-imports/", {"batch": sent.pk}).json()
    assert [i["id"] for i in listing["results"]] == [imp["id"]]

    # when the same file is uploaded again, nothing changes
    before = snapshot()
    _response, again = start(
        people.officer,
        f"{API}/result-imports/",
        {"batch": sent.pk, "layout": layout.pk, "file": _upload(content, "again.csv")},
        fmt="multipart",
    )
    again.refresh_from_db()
    assert again.result["import_id"] == imp["id"]
    assert snapshot() == before and BankResultImport.objects.count() == 1


def test_an_empty_or_missing_file_is_invalid(sent, people, layout):
    before = _state()
    for body in (
        {"batch": sent.pk, "layout": layout.pk},
        {"batch": sent.pk, "layout": layout.pk, "file": _upload(b"")},
    ):
        response = api(people.officer).post(f"{API}/result-imports/", body, format="multipart")
        assert response.status_code == 400 and "file" in response.json()["detail"]
    assert _state() == before


# --------------------------------------------------------------------------------------------
# jobs
# --------------------------------------------------------------------------------------------
def test_jobs_are_seen_by_whoever_started_them(final_cases, relief, people, start):
    _response, job = start(people.officer, f"{API}/batches/", {"program": relief.code})
    mine = api(people.officer).get(f"{API}/jobs/").json()["results"]
    assert [j["id"] for j in mine] == [job.pk]
    assert api(people.officer).get(f"{API}/jobs/", {"kind": "build_batch"}).json()["count"] == 1
    assert api(people.officer2).get(f"{API}/jobs/{job.pk}/").status_code == 404
    assert api(people.officer2).get(f"{API}/jobs/").json()["results"] == []


# --------------------------------------------------------------------------------------------
# the whole story through the API
# --------------------------------------------------------------------------------------------
def test_whole_payout_story_through_the_api(
    final_cases, relief, people, layout, start, settings, tmp_path
):
    settings.PAYOUT_EXPORT_DIR = tmp_path
    # build (officer), approve (supervisor), export (officer)
    _r, job = start(people.officer, f"{API}/batches/", {"program": relief.code})
    job.refresh_from_db()
    batch_id = job.result["batch_id"]
    assert post(people.supervisor, f"{API}/batches/{batch_id}/approve/").status_code == 200
    _r, export_job = start(
        people.officer, f"{API}/exports/", {"batch": batch_id, "layout": layout.pk}
    )
    export_job.refresh_from_db()
    file = b"".join(
        api(people.officer)
        .get(f"{API}/exports/{export_job.result['export_id']}/download/")
        .streaming_content
    )
    sent_rows = list(csv.reader(io.StringIO(file.decode("utf-8"))))[1:]

    # the bank pays two and fails one; the result file comes back
    refs = [row[3] for row in sent_rows]
    payments = list(Payment.objects.filter(reference__in=refs).order_by("id"))
    result = csv_bytes(result_rows(payments, failed={refs[0]}), header=HEADER)
    _r, imp_job = start(
        people.officer,
        f"{API}/result-imports/",
        {"batch": batch_id, "layout": layout.pk, "file": _upload(result)},
        fmt="multipart",
    )
    imp_job.refresh_from_db()
    assert imp_job.status == "done", imp_job.error

    # the failure is reissued in a new batch (the bank's failure was temporary)
    _r, reissue = start(
        people.officer2, f"{API}/batches/", {"program": relief.code, "retry_unchanged": True}
    )
    reissue.refresh_from_db()
    batch2 = reissue.result["batch_id"]
    assert post(people.supervisor, f"{API}/batches/{batch2}/approve/").status_code == 200
    _r, export2 = start(people.officer, f"{API}/exports/", {"batch": batch2, "layout": layout.pk})
    [again] = Payment.objects.filter(batch_id=batch2)
    assert again.reissue_of.reference == refs[0]
    _r, imp2 = start(
        people.officer,
        f"{API}/result-imports/",
        {"batch": batch2, "layout": layout.pk, "file": _upload(csv_bytes(result_rows([again])))},
        fmt="multipart",
    )
    imp2.refresh_from_db()
    assert imp2.status == "done", imp2.error

    # then everything is paid once, both batches reconcile, and the books verify
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == Decimal("7000.00")
    for batch in (batch_id, batch2):
        detail = api(people.supervisor).get(f"{API}/batches/{batch}/").json()
        assert detail["status"] == "closed" and detail["reconciliation"]["agrees"]
    call_command("verify_ledger", progress_every=0)


# --------------------------------------------------------------------------------------------
# the schema
# --------------------------------------------------------------------------------------------
PAYOUT_PATHS = {
    "/api/payouts/cycles/",
    "/api/payouts/cycles/{id}/",
    "/api/payouts/cycles/{id}/generate/",
    "/api/payouts/enrolments/",
    "/api/payouts/enrolments/{id}/",
    "/api/payouts/enrolments/{id}/suspend/",
    "/api/payouts/enrolments/{id}/exit/",
    "/api/payouts/enrolments/{id}/reinstate/",
    "/api/payouts/batches/",
    "/api/payouts/batches/{id}/",
    "/api/payouts/batches/{id}/approve/",
    "/api/payouts/batches/{id}/discard/",
    "/api/payouts/batches/{batch_id}/payments/",
    "/api/payouts/layouts/",
    "/api/payouts/layouts/{id}/",
    "/api/payouts/exports/",
    "/api/payouts/exports/{id}/",
    "/api/payouts/exports/{id}/download/",
    "/api/payouts/result-imports/",
    "/api/payouts/result-imports/{id}/",
    "/api/payouts/jobs/",
    "/api/payouts/jobs/{id}/",
}


def test_the_schema_generates_without_a_warning(tmp_path):
    # when the schema is generated as CI does (validated, failing on any warning)
    GENERATOR_STATS.reset()
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(out),
        "--format",
        "openapi-json",
    )

    # then every payout endpoint is in it, documenting its errors with the shared body
    doc = json.loads(out.read_text())
    assert set(doc["paths"]) >= PAYOUT_PATHS
    for path in PAYOUT_PATHS:
        for method, operation in doc["paths"][path].items():
            for code in ("401", "403"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)
    upload = doc["paths"]["/api/payouts/result-imports/"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"202", "400", "409"} <= set(upload["responses"])
    download = doc["paths"]["/api/payouts/exports/{id}/download/"]["get"]["responses"]["200"]
    assert set(download["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the test's database connection between
    requests, so it sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_read_endpoints_conform_to_the_schema(settings, sent, enrolled, people, layout, wsgi_app):
    """Schemathesis calls every GET of /api/payouts/ with generated input (as the county
    supervisor, by token) and checks: no server error, every status documented, bodies and
    headers as documented."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
    enrolments, cycle = enrolled
    log = ExportLog.objects.get(batch=sent)
    payments = list(Payment.objects.filter(batch=sent).order_by("id"))
    imp = services.results_import(
        batch=sent,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed={payments[0].reference})),
        filename="r.csv",
        actor=people.officer,
    )
    job = JobProgress.objects.create(
        kind="import_results", created_by=people.supervisor, result={"code": "x"}
    )
    # money paid in error claimed back, and the batch's post-payment sample check
    recovery = services.recovery_propose(
        payment=payments[1],
        amount=payments[1].amount,
        reason_code="duplicate",
        reason_text="Paid twice",
        idempotency_key="schema-rc",
        actor=people.officer,
    )
    services.sample_check_draw(batch=sent, actor=people.supervisor)
    token = Token.objects.create(user=people.supervisor)
    auth = {"Authorization": f"Token {token.key}", "Accept-Language": "en"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=auth)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    # an objection to one of its rows (made here directly: the public files them while a notice
    # runs), read by a reviewer, who handles objections (the supervisor does not)
    from disbursement.models import ConfirmationObjection

    objection = ConfirmationObjection.objects.create(
        confirmation=confirmation,
        row=confirmation.rows.order_by("id").first(),
        tracking_code="SCHEMATESTCODE22",
        contact="13800000000",
        text="核实",
    )
    handler = Token.objects.create(user=people.county_rev)
    handler_auth = {"Authorization": f"Token {handler.key}", "Accept-Language": "en"}
    known_path = {
        "/api/payouts/cycles/{id}/": {"id": cycle.pk},
        "/api/payouts/enrolments/{id}/": {"id": enrolments[0].pk},
        "/api/payouts/confirmations/{id}/": {"id": confirmation.pk},
        "/api/payouts/confirmation-objections/{id}/": {"id": objection.pk},
        "/api/payouts/batches/{id}/": {"id": sent.pk},
        "/api/payouts/batches/{batch_id}/payments/": {"batch_id": sent.pk},
        "/api/payouts/layouts/{id}/": {"id": layout.pk},
        "/api/payouts/exports/{id}/": {"id": log.pk},
        "/api/payouts/result-imports/{id}/": {"id": imp.pk},
        "/api/payouts/jobs/{id}/": {"id": job.pk},
        "/api/payouts/recoveries/{id}/": {"id": recovery.pk},
        "/api/payouts/sample-checks/{batch}/": {"batch": sent.pk},
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
            who = handler_auth if "/confirmation-objections/" in case.operation.path else auth
            response = case.call_and_validate(headers=who, checks=checks)
            statuses.setdefault(case.operation.path, set()).add(response.status_code)

        run()

    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        if not path.startswith("/api/payouts/") or operation.method.upper() != "GET":
            continue
        if path.endswith("/download/"):
            continue  # a binary file; its own test above
        exercise(operation.as_strategy(), 4)
        if path in known_path:
            exercise(operation.as_strategy(path_parameters=known_path[path]), 2)
        if "{" not in path:
            exercise(operation.as_strategy(query={}), 1)

    # then every read was exercised and each reached a success
    assert len(statuses) == 22, statuses
    for path, codes in statuses.items():
        assert 200 in codes, (path, codes)


def test_job_submit_keeps_the_file_out_of_the_job_row(sent, people, layout, start):
    # (the upload travels to the task as base64, never into the progress row a page reads)
    content = csv_bytes(_rows(sent))
    _response, job = start(
        people.officer,
        f"{API}/result-imports/",
        {"batch": sent.pk, "layout": layout.pk, "file": _upload(content)},
        fmt="multipart",
    )
    assert base64.b64encode(content).decode() not in str(job.params)
    assert job.params["filename"] == "r.csv"
