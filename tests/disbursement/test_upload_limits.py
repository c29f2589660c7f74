"""Bank result files within limits (issue 13, finding 9): a file over the size limit is refused
before it is read, through the API and the screen; a file with more lines than allowed, or a
workbook that unpacks to more than allowed, is refused while reading; nothing is booked."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from disbursement import services
from disbursement.bankfiles import read_result_file
from disbursement.models import BankResultImport, JobProgress, Payment
from tests.common.uploads_util import huge_cell_xlsx

from .util import HEADER, csv_bytes, result_rows, snapshot

API = "/api/payouts/result-imports/"


@pytest.fixture
def sent(final_cases, people, relief, layout):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    batch.refresh_from_db()
    return batch


def _good_file(batch) -> bytes:
    return csv_bytes(result_rows(Payment.objects.filter(batch=batch).order_by("id")))


def _api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_an_oversize_result_file_is_refused_by_the_api_unread(sent, people, layout, settings):
    content = _good_file(sent)
    settings.UPLOAD_LIMITS = {"bank_result": {"bytes": len(content) - 1}}
    before = snapshot()
    response = _api(people.officer).post(
        API,
        {"batch": sent.pk, "layout": layout.pk, "file": SimpleUploadedFile("r.csv", content)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and "r.csv is too large" in body["detail"]["file"][0]
    assert snapshot() == before
    assert not JobProgress.objects.exists() and not BankResultImport.objects.exists()


def test_an_oversize_result_file_is_refused_by_the_screen_unread(
    client, sent, people, layout, settings
):
    content = _good_file(sent)
    settings.UPLOAD_LIMITS = {"bank_result": {"bytes": len(content) - 1}}
    before = snapshot()
    client.force_login(people.officer)
    response = client.post(
        reverse("payouts:batch-import", args=[sent.pk]),
        {"import-layout": layout.pk, "import-file": SimpleUploadedFile("r.csv", content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "r.csv is too large" in response.content.decode()
    assert snapshot() == before and not JobProgress.objects.exists()


def test_the_service_refuses_an_oversize_file_too(sent, layout, settings):
    content = _good_file(sent)
    settings.UPLOAD_LIMITS = {"bank_result": {"bytes": len(content) - 1}}
    parsed = read_result_file(layout, content, "r.csv")
    assert [p["code"] for p in parsed.problems] == ["too_large"] and parsed.rows == []


def test_a_result_file_with_more_lines_than_allowed_is_refused_while_reading(
    sent, people, layout, settings
):
    settings.UPLOAD_LIMITS = {"bank_result": {"rows": 2}}
    before = snapshot()
    response = _api(people.officer).post(
        API,
        {
            "batch": sent.pk,
            "layout": layout.pk,
            "file": SimpleUploadedFile("r.csv", _good_file(sent)),  # three lines
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "bank_file_rejected"
    [problem] = body["detail"]["problems"]
    assert problem["code"] == "unreadable" and "more than 2 rows" in problem["message"]
    assert snapshot() == before


def test_a_result_workbook_that_unpacks_too_far_is_refused(sent, people, layout):
    # a 200 MB cell in a small upload: refused before openpyxl opens it
    content = huge_cell_xlsx(HEADER, ["PB1-1", "成功", "T1", "1000.00", "", ""], 4, 200 * 2**20)
    assert len(content) < 1_000_000
    response = _api(people.officer).post(
        API,
        {"batch": sent.pk, "layout": layout.pk, "file": SimpleUploadedFile("r.xlsx", content)},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    [problem] = response.json()["detail"]["problems"]
    assert problem["code"] == "unreadable" and "unpacks to 200 MB" in problem["message"]
    assert Payment.objects.filter(batch=sent, status="paid").count() == 0
