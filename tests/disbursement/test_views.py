"""Staff payout screens: each renders for the right role and is refused for the wrong role or
region; the batch story through the screens (build, approve, export, download, import); the
refusals shown on the page with nothing changed (approving one's own batch, exporting an
unapproved batch, a bad result file, a batch over the fund's money); long jobs with their
progress page and JSON; the late-payments report and the home page count; cycles and
enrolments."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import Case
from disbursement import services, tasks
from disbursement.models import (
    BatchStatus,
    Cycle,
    Enrolment,
    EnrolmentHistory,
    Entitlement,
    ExportLog,
    JobProgress,
    Payment,
    PayoutBatch,
)
from disbursement.views import jobs as payout_views
from ledger.models import AuditEvent
from tests.approvals.factories import drain, fund_money, make_staff

from .conftest import confirm, enrol
from .util import csv_bytes, read_csv, read_xlsx, result_rows, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _jobs_inline(monkeypatch, django_capture_on_commit_callbacks, settings, tmp_path):
    """Jobs run as in production without a broker: in-process, before the view answers. (The
    test's own transaction would otherwise hold them back until it ends.)"""
    settings.PAYOUT_EXPORT_DIR = tmp_path / "bankfiles"
    real = tasks.job_submit

    def submit(kind, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real(kind, **kwargs)

    monkeypatch.setattr(payout_views, "job_submit", submit)


@pytest.fixture
def more(make_user, world):
    """Staff beside the county ones: an auditor, finance officers of each township, a case
    worker of township B."""

    class More:
        auditor = make_staff(make_user, "auditor", world.county, "auditor_c")
        officer_a = make_staff(make_user, "finance_officer", world.town_a, "officer_a")
        officer_b = make_staff(make_user, "finance_officer", world.town_b, "officer_b")
        worker_b = make_staff(make_user, "case_worker", world.village_b1, "worker_b")

    return More


def _as(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _html(response) -> str:
    return response.content.decode()


def _download(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def draft(final_cases, people, relief):
    return services.batch_build(program=relief, actor=people.officer)


@pytest.fixture
def approved(draft, people):
    return services.batch_approve(batch=draft, actor=people.supervisor)


@pytest.fixture
def sent(approved, people, layout):
    services.batch_export(batch=approved, layout=layout, actor=people.officer)
    approved.refresh_from_db()
    return approved


def _drain(amount, day):
    """Money leaves the bank around the payout path (``tests.approvals.factories.drain``)."""
    drain(amount, "RELIEF", day)


# --------------------------------------------------------------------------------------------
# who may open what
# --------------------------------------------------------------------------------------------
SCREENS = [
    # (url name, roles that get 200, roles that get 403)
    ("payouts:batches", ["officer", "supervisor", "auditor"], ["worker", "county_rev"]),
    ("payouts:batch-new", ["officer"], ["supervisor", "auditor", "worker"]),
    ("payouts:late", ["officer", "supervisor", "auditor"], ["worker"]),
    ("payouts:cycles", ["officer", "supervisor", "auditor"], ["worker", "county_rev"]),
    ("payouts:enrolments", ["officer", "worker", "auditor"], ["county_rev"]),
    ("payouts:confirmations", ["officer", "supervisor", "auditor", "county_rev"], ["worker"]),
]


def _user(people, more, name):
    return getattr(more, name) if name == "auditor" else getattr(people, name)


@pytest.mark.parametrize(("name", "allowed", "refused"), SCREENS)
def test_each_screen_opens_for_its_roles_only(client, people, more, name, allowed, refused):
    url = reverse(name)
    # given an anonymous visitor, then the login page answers
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    # and each role gets the page or 403
    for role in allowed:
        assert _as(client, _user(people, more, role)).get(url).status_code == 200, role
    for role in refused:
        assert _as(client, _user(people, more, role)).get(url).status_code == 403, role


def test_batch_detail_by_role_and_region(client, people, more, relief, final_cases, world):
    # given a batch built for township A
    batch = services.batch_build(program=relief, region=world.town_a, actor=people.officer)
    url = reverse("payouts:batch", args=[batch.pk])
    # then county staff and township A's officer see it
    for user in (people.officer, people.supervisor, more.auditor, more.officer_a):
        assert _as(client, user).get(url).status_code == 200
    # and township B's officer gets 404, and it is not in their list
    assert _as(client, more.officer_b).get(url).status_code == 404
    listing = _html(client.get(reverse("payouts:batches")))
    assert str(batch) not in listing
    # and a case worker gets 403
    assert _as(client, people.worker).get(url).status_code == 403


def test_a_batch_for_the_whole_county_is_hidden_from_township_staff(client, draft, more):
    assert draft.region.level == "county"
    url = reverse("payouts:batch", args=[draft.pk])
    assert _as(client, more.officer_a).get(url).status_code == 404


def test_actions_are_refused_for_the_wrong_role(client, people, more, draft, layout):
    before = snapshot()
    # a finance officer may not approve, a supervisor may not discard or export, an auditor
    # may do nothing
    assert (
        _as(client, people.officer2)
        .post(reverse("payouts:batch-approve", args=[draft.pk]))
        .status_code
        == 403
    )
    for user in (people.supervisor, more.auditor):
        client = _as(client, user)
        assert (
            client.post(
                reverse("payouts:batch-discard", args=[draft.pk]), {"discard-reason": "x"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("payouts:batch-export", args=[draft.pk]),
                {"export-layout": layout.pk, "export-fmt": "csv"},
            ).status_code
            == 403
        )
    assert (
        _as(client, more.auditor)
        .post(reverse("payouts:batch-approve", args=[draft.pk]))
        .status_code
        == 403
    )
    # and township B's officer cannot act on a county batch at all
    assert (
        _as(client, more.officer_b)
        .post(reverse("payouts:batch-discard", args=[draft.pk]), {"discard-reason": "x"})
        .status_code
        == 404
    )
    draft.refresh_from_db()
    assert draft.status == BatchStatus.DRAFT and snapshot() == before


# --------------------------------------------------------------------------------------------
# the story through the screens
# --------------------------------------------------------------------------------------------
def test_build_approve_export_download_import_through_the_screens(
    client, people, relief, final_cases, layout
):
    # when the officer builds a batch of the program
    client = _as(client, people.officer)
    response = client.post(reverse("payouts:batch-new"), {"program": relief.pk, "cycle": "2026"})
    batch = PayoutBatch.objects.get()
    # then the job ran and the batch page opens with a message
    assert response.status_code == 302
    assert response["Location"] == reverse("payouts:batch", args=[batch.pk])
    page = _html(client.get(response["Location"]))
    assert f"Batch {batch} built: 3 payments" in page
    assert batch.built_by == people.officer and batch.total.amount == Decimal("3000.00")
    # and the payments show masked account numbers, never whole ones
    assert "**** 0001" in page and "6228480000000000001" not in page
    assert "CNY 3,000.00" in page
    assert 'action="' + reverse("payouts:batch-approve", args=[batch.pk]) not in page

    # when a supervisor approves it
    client = _as(client, people.supervisor)
    page = _html(client.get(reverse("payouts:batch", args=[batch.pk])))
    assert "Approve the batch" in page
    response = client.post(reverse("payouts:batch-approve", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by == people.supervisor

    # when the officer writes the Excel bank file
    client = _as(client, people.officer)
    response = client.post(
        reverse("payouts:batch-export", args=[batch.pk]),
        {"export-layout": layout.pk, "export-fmt": "xlsx"},
    )
    assert response.status_code == 302
    log = ExportLog.objects.get(batch=batch)
    page = _html(client.get(response["Location"]))
    assert "Bank file" in page and log.filename in page
    download_url = reverse("payouts:export-download", args=[log.pk])
    assert download_url in page

    # then the download is the file with whole account numbers, and it is audited
    response = client.get(download_url)
    assert response.status_code == 200
    assert log.filename in response["Content-Disposition"]
    rows = read_xlsx(_download(response))
    assert rows[0] == ["账号", "户名", "金额", "流水号", "用途"]
    assert rows[1][0] == "6228480000000000001" and rows[1][2] == "1000.00"
    assert AuditEvent.objects.filter(action="batch.export_download").count() == 1
    # and a supervisor (who does not send files to the bank) may not download it
    assert _as(client, people.supervisor).get(download_url).status_code == 403

    # when the officer imports the bank's result file with one failure
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    content = csv_bytes(result_rows(payments, failed={payments[2].reference}))
    client = _as(client, people.officer)
    response = client.post(
        reverse("payouts:batch-import", args=[batch.pk]),
        {"import-layout": layout.pk, "import-file": SimpleUploadedFile("result.csv", content)},
    )
    assert response.status_code == 302
    page = _html(client.get(response["Location"]))
    # then the page says what was booked, and the reconciliation agrees
    assert "Bank results imported: 2 paid, 1 failed" in page
    assert 'id="rec-agrees"' in page
    assert "账户已销户" in page
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CLOSED


def test_the_batches_list_filters_and_exports(client, people, draft, relief):
    client = _as(client, people.officer)
    page = _html(client.get(reverse("payouts:batches"), {"status": "draft"}))
    assert str(draft) in page and "CNY 3,000.00" in page
    assert str(draft) not in _html(client.get(reverse("payouts:batches"), {"status": "closed"}))
    # and it downloads as CSV and Excel
    rows = read_csv(
        _download(client.get(reverse("payouts:batches"), {"format": "csv", "program": relief.pk}))
        .decode("utf-8-sig")
        .encode()
    )
    assert rows[0][0] == "Batch" and rows[1][0] == str(draft) and rows[1][7] == "3000.00"
    response = client.get(reverse("payouts:batches"), {"format": "xlsx"})
    assert response.status_code == 200
    assert read_xlsx(_download(response))[1][0] == str(draft)


def test_the_payments_of_a_batch_download_masked(client, people, draft):
    client = _as(client, people.officer)
    response = client.get(reverse("payouts:batch", args=[draft.pk]), {"format": "csv"})
    text = _download(response).decode("utf-8-sig")
    assert "**** 0001" in text and "6228480000000000001" not in text
    assert len(read_csv(text.encode())) == 4


# --------------------------------------------------------------------------------------------
# refusals shown on the page, nothing changed
# --------------------------------------------------------------------------------------------
def test_approving_ones_own_batch_is_refused_with_the_services_message(
    client, people, relief, final_cases
):
    # given a batch built by a person who is both officer and supervisor
    batch = services.batch_build(program=relief, actor=people.both)
    client = _as(client, people.both)
    # then the page tells them another supervisor must approve it
    page = _html(client.get(reverse("payouts:batch", args=[batch.pk])))
    assert "You built this batch, so you may not approve it" in page
    # when they post the approval anyway, then the service's refusal is shown
    response = client.post(reverse("payouts:batch-approve", args=[batch.pk]))
    assert response.status_code == 403
    assert f"You built batch {batch}, so you may not approve it" in _html(response)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.approved_by is None


def test_exporting_an_unapproved_batch_is_refused(client, people, draft, layout):
    before = snapshot()
    page = _html(_as(client, people.officer).get(reverse("payouts:batch", args=[draft.pk])))
    assert "Write the bank file" not in page  # no export form for a draft
    # when the officer posts the export anyway
    response = client.post(
        reverse("payouts:batch-export", args=[draft.pk]),
        {"export-layout": layout.pk, "export-fmt": "csv"},
    )
    # then it is refused with the reason, and nothing is written or marked sent
    assert response.status_code == 409
    assert "only an approved batch goes to the bank" in _html(response)
    assert not ExportLog.objects.exists() and snapshot() == before
    assert set(Payment.objects.filter(batch=draft).values_list("status", flat=True)) == {"pending"}


def test_a_bad_result_file_shows_every_problem_and_changes_nothing(client, people, sent, layout):
    payments = list(Payment.objects.filter(batch=sent).order_by("id"))
    rows = result_rows(payments)
    rows[0][3] = "999.00"  # a different amount
    rows[1][0] = "PB999-1"  # an unknown reference
    rows.append(list(rows[2]))  # a duplicate line
    before = snapshot()
    client = _as(client, people.officer)
    response = client.post(
        reverse("payouts:batch-import", args=[sent.pk]),
        {"import-layout": layout.pk, "import-file": SimpleUploadedFile("bad.csv", csv_bytes(rows))},
    )
    # then the page says nothing was booked and lists each problem on its own line
    assert response.status_code == 400
    page = _html(response)
    assert "nothing was booked" in page and 'id="file-problems"' in page
    problems = page.split('id="file-problems"')[1].split("</table>")[0]
    assert problems.count("<tr>") == 4  # the header and three problems
    assert payments[0].reference in problems and "PB999-1" in problems
    assert ">2<" in problems and ">3<" in problems and ">5<" in problems  # the file's lines
    # and nothing changed
    assert snapshot() == before


def test_a_result_file_of_the_wrong_type_is_refused_next_to_the_field(client, people, sent, layout):
    response = _as(client, people.officer).post(
        reverse("payouts:batch-import", args=[sent.pk]),
        {"import-layout": layout.pk, "import-file": SimpleUploadedFile("r.txt", b"x")},
    )
    assert response.status_code == 400
    assert "Upload the bank&#x27;s .csv or .xlsx result file." in _html(response)


def test_a_batch_over_the_funds_money_is_refused_next_to_the_form_with_input_kept(
    client, people, relief, final_cases
):
    # given CNY 3,000 owed and only CNY 2,000 left at bank
    _drain(8000, date.today())
    # when the officer builds the batch
    response = _as(client, people.officer).post(
        reverse("payouts:batch-new"),
        {"program": relief.pk, "cycle": "2026", "final_to": date.today().isoformat()},
    )
    # then the refusal stands next to the form, what was typed is kept, nothing is built
    assert response.status_code == 409
    page = _html(response)
    assert "No batch was built." in page and "the bank holds CNY 2,000.00" in page
    assert 'value="2026"' in page and f'value="{date.today().isoformat()}"' in page
    assert f'<option value="{relief.pk}" selected>' in page
    assert not PayoutBatch.objects.exists()


def test_a_bad_period_is_shown_next_to_its_field(client, people, relief):
    response = _as(client, people.officer).post(
        reverse("payouts:batch-new"),
        {"program": relief.pk, "final_from": "2026-02-01", "final_to": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "The last day is before the first day." in _html(response)
    assert not JobProgress.objects.exists()


def test_discarding_needs_a_reason(client, people, draft):
    client = _as(client, people.officer)
    response = client.post(
        reverse("payouts:batch-discard", args=[draft.pk]), {"discard-reason": ""}
    )
    assert response.status_code == 400 and "This field is required." in _html(response)
    response = client.post(
        reverse("payouts:batch-discard", args=[draft.pk]), {"discard-reason": "wrong cycle"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == BatchStatus.DISCARDED and draft.discard_reason == "wrong cycle"


# --------------------------------------------------------------------------------------------
# long jobs: their page, the progress JSON, who may see them
# --------------------------------------------------------------------------------------------
def test_a_queued_job_has_a_progress_page_and_json(
    client, people, more, relief, final_cases, monkeypatch
):
    # given a broker: the view hands the job over and sends the user to its page
    monkeypatch.setattr(payout_views, "job_submit", tasks.job_submit)
    response = _as(client, people.officer).post(
        reverse("payouts:batch-new"), {"program": relief.pk}
    )
    job = JobProgress.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("payouts:job", args=[job.pk])
    # then the page shows a progress bar polling the JSON endpoint with the vendored script
    page = _html(client.get(response["Location"]))
    assert '<progress id="job-bar"' in page
    assert reverse("payouts:job-progress", args=[job.pk]) in page
    assert "/static/js/job-progress.js" in page
    data = json.loads(client.get(reverse("payouts:job-progress", args=[job.pk])).content)
    assert data["status"] == "queued" and data["percent"] == 0 and data["finished"] is False
    assert data["result_url"] is None
    # and only its starter, supervisors and auditors may watch it
    assert (
        _as(client, people.officer2).get(reverse("payouts:job", args=[job.pk])).status_code == 403
    )
    assert client.get(reverse("payouts:job-progress", args=[job.pk])).status_code == 403
    for watcher in (people.supervisor, more.auditor):
        assert _as(client, watcher).get(reverse("payouts:job", args=[job.pk])).status_code == 200
    assert _as(client, people.worker).get(reverse("payouts:job", args=[job.pk])).status_code == 403


def test_a_finished_job_reports_its_result(
    client, people, relief, final_cases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.job_submit("build_batch", actor=people.officer, program_id=relief.pk)
    batch = PayoutBatch.objects.get()
    client = _as(client, people.officer)
    data = json.loads(client.get(reverse("payouts:job-progress", args=[job.pk])).content)
    assert (data["status"], data["current"], data["total"], data["percent"]) == ("done", 3, 3, 100)
    assert data["finished"] is True
    assert data["result_url"] == reverse("payouts:batch", args=[batch.pk])
    page = _html(client.get(reverse("payouts:job", args=[job.pk])))
    assert "See the result" in page and reverse("payouts:batch", args=[batch.pk]) in page


def test_a_failed_build_job_leads_back_to_the_form_with_the_input_kept(
    client, people, relief, final_cases, django_capture_on_commit_callbacks
):
    _drain(8000, date.today())
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.job_submit(
            "build_batch", actor=people.officer, program_id=relief.pk, cycle="2026"
        )
    client = _as(client, people.officer)
    page = _html(client.get(reverse("payouts:job", args=[job.pk])))
    back = f"{reverse('payouts:batch-new')}?job={job.pk}"
    assert "the bank holds CNY 2,000.00" in page and back in page
    form = _html(client.get(back))
    assert "the bank holds CNY 2,000.00" in form and 'value="2026"' in form
    # another officer's failed job is not theirs to refill
    assert "the bank holds" not in _html(_as(client, people.officer2).get(back))


# --------------------------------------------------------------------------------------------
# late payments and the home page
# --------------------------------------------------------------------------------------------
@pytest.fixture
def late_cases(final_cases, days_ago):
    Case.objects.filter(pk__in=[c.pk for c in final_cases[:2]]).update(final_at=days_ago(40))
    Case.objects.filter(pk=final_cases[2].pk).update(final_at=days_ago(10))
    return final_cases


def test_the_late_report_counts_and_sums_what_is_unpaid(client, people, more, late_cases):
    client = _as(client, people.supervisor)
    page = _html(client.get(reverse("payouts:late")))
    # then two awards are late under the default 30 days, for CNY 2,000, the oldest 40 days
    assert "2 awards unpaid" in page and "CNY 2,000.00" in page and "40 days" in page
    assert late_cases[0].number in page and late_cases[2].number not in page
    # and with ?days=5 all three
    page = _html(client.get(reverse("payouts:late"), {"days": 5}))
    assert "3 awards unpaid" in page and "CNY 3,000.00" in page
    # and it exports with the same filter
    rows = read_csv(
        _download(client.get(reverse("payouts:late"), {"days": 5, "format": "csv"}))
        .decode("utf-8-sig")
        .encode()
    )
    assert len(rows) == 4 and rows[1][1] == late_cases[0].number and rows[1][7] == "40"
    xlsx = read_xlsx(_download(client.get(reverse("payouts:late"), {"format": "xlsx"})))
    assert len(xlsx) == 3
    # and township B's officer sees none of township A's awards
    page = _html(_as(client, more.officer_b).get(reverse("payouts:late")))
    assert "Nothing is unpaid for more than 30 days" in page


def test_the_late_days_come_from_the_setting(client, people, late_cases, settings):
    settings.PAYOUT_LATE_DAYS = 5
    page = _html(_as(client, people.officer).get(reverse("payouts:late")))
    assert "3 awards unpaid" in page


def test_the_home_page_counts_late_awards_for_payout_staff(client, people, more, late_cases):
    page = _html(_as(client, people.officer).get(reverse("home")))
    assert "2 final awards are still unpaid more than 30 days after approval" in page
    assert reverse("payouts:late") in page
    # a case worker does not see payouts; township B has nothing late
    assert 'id="late-warning"' not in _html(_as(client, people.worker).get(reverse("home")))
    assert 'id="late-warning"' not in _html(_as(client, more.officer_b).get(reverse("home")))


def test_the_menu_shows_payout_items_by_role(client, people):
    page = _html(_as(client, people.officer).get(reverse("home")))
    for name in ("payouts:batches", "payouts:batch-new", "payouts:late", "payouts:cycles"):
        assert f'href="{reverse(name)}"' in page
    page = _html(_as(client, people.supervisor).get(reverse("home")))
    assert f'href="{reverse("payouts:batches")}"' in page
    assert f'href="{reverse("payouts:batch-new")}"' not in page
    page = _html(_as(client, people.worker).get(reverse("home")))
    assert f'href="{reverse("payouts:enrolments")}"' in page
    assert f'href="{reverse("payouts:batches")}"' not in page


# --------------------------------------------------------------------------------------------
# cycles and enrolments
# --------------------------------------------------------------------------------------------
@pytest.fixture
def enrolled(people, reward, make_households):
    fund_money(5000, "REWARD")
    return [
        enrol(reward, household.people.get(is_head=True))
        for household in make_households(2, prefix="62170000")
    ]


def test_open_generate_and_close_a_cycle(client, people, more, reward, enrolled):
    client = _as(client, people.officer)
    # when the officer opens cycle 2026
    response = client.post(reverse("payouts:cycle-open"), {"program": reward.pk, "code": "2026"})
    cycle = Cycle.objects.get(program=reward, code="2026")
    assert response.status_code == 302
    # and generates its entitlements (a job) before its annual confirmation is approved: refused
    response = client.post(reverse("payouts:cycle-generate", args=[cycle.pk]))
    assert response.status_code == 409
    assert "no approved annual confirmation" in _html(response)
    assert not Entitlement.objects.exists()
    # once confirmed and approved (which books), generating again books nothing new
    confirm(cycle, people)
    response = client.post(reverse("payouts:cycle-generate", args=[cycle.pk]))
    assert response.status_code == 302
    page = _html(client.get(response["Location"]))
    assert "0 entitlements generated" in page
    assert Entitlement.objects.filter(cycle=cycle).count() == 2
    # then a township officer may not generate (a cycle covers every village)
    response = _as(client, more.officer_a).post(reverse("payouts:cycle-generate", args=[cycle.pk]))
    assert response.status_code == 403
    # and a supervisor sees the cycles but has no buttons
    page = _html(_as(client, people.supervisor).get(reverse("payouts:cycles")))
    assert "2026" in page and "Generate entitlements" not in page
    # when the officer closes it, generating again is refused on the page
    client = _as(client, people.officer)
    assert client.post(reverse("payouts:cycle-close", args=[cycle.pk])).status_code == 302
    response = client.post(reverse("payouts:cycle-generate", args=[cycle.pk]))
    assert response.status_code == 409 and "Cycle 2026 is closed" in _html(response)


def test_opening_a_cycle_of_a_one_off_program_is_refused_on_the_form(client, people, relief):
    response = _as(client, people.officer).post(
        reverse("payouts:cycle-open"), {"program": relief.pk, "code": "2026"}
    )
    # a one-off program is not offered, so the field says so
    assert response.status_code == 400
    assert "Select a valid choice" in _html(response)
    assert not Cycle.objects.exists()


def test_enrolments_list_detail_and_region(client, people, more, enrolled, reward):
    client = _as(client, people.worker)
    page = _html(client.get(reverse("payouts:enrolments"), {"program": reward.pk}))
    assert "张1明" in page and "张2明" in page
    page = _html(client.get(reverse("payouts:enrolments"), {"q": "张2"}))
    assert "张2明" in page and "张1明" not in page
    page = _html(client.get(reverse("payouts:enrolment", args=[enrolled[0].pk])))
    assert "History" in page and "Suspend" in page
    # a case worker of another township gets 404 and an empty list
    client = _as(client, more.worker_b)
    assert client.get(reverse("payouts:enrolment", args=[enrolled[0].pk])).status_code == 404
    assert "张1明" not in _html(client.get(reverse("payouts:enrolments")))


def test_suspend_reinstate_and_exit_with_a_written_reason(client, people, enrolled):
    enrolment = enrolled[0]
    client = _as(client, people.worker)
    url = reverse("payouts:enrolment-action", args=[enrolment.pk, "suspend"])
    # when the reason is missing, the error stands next to the field and the date is kept
    response = client.post(url, {"suspend-reason": " ", "suspend-on": "2026-03-01"})
    assert response.status_code == 400
    page = _html(response)
    assert "This field is required." in page and 'value="2026-03-01"' in page
    assert Enrolment.objects.get(pk=enrolment.pk).status == "active"
    # when it is given, the enrolment is suspended with its reason and date in the history
    response = client.post(url, {"suspend-reason": "moved for work", "suspend-on": "2026-03-01"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.status_reason) == ("suspended", "moved for work")
    history = EnrolmentHistory.objects.filter(enrolment=enrolment).last()
    assert (history.to_status, history.reason, history.effective_date) == (
        "suspended",
        "moved for work",
        date(2026, 3, 1),
    )
    # suspending again is refused with the service's message
    response = client.post(url, {"suspend-reason": "again", "suspend-on": "2026-03-02"})
    assert response.status_code == 409 and "it cannot be suspended" in _html(response)
    # reinstate, then exit
    response = client.post(
        reverse("payouts:enrolment-action", args=[enrolment.pk, "reinstate"]),
        {"reinstate-reason": "back home", "reinstate-on": "2026-04-01"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("payouts:enrolment-action", args=[enrolment.pk, "exit"]),
        {"exit-reason": "died", "exit-on": "2026-05-01"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == "exited"
    page = _html(client.get(reverse("payouts:enrolment", args=[enrolment.pk])))
    assert "died" in page and "back home" in page and "Reinstate" not in page
    # a reviewer may not change enrolments
    response = _as(client, people.county_rev).post(
        reverse("payouts:enrolment-action", args=[enrolled[1].pk, "suspend"]),
        {"suspend-reason": "x", "suspend-on": "2026-03-01"},
    )
    assert response.status_code == 403


def test_a_refused_result_file_on_a_worker_lists_its_problems_on_the_job_page(
    client, people, sent, layout, django_capture_on_commit_callbacks
):
    # given a result file with a wrong amount, imported by a worker process
    rows = result_rows(Payment.objects.filter(batch=sent).order_by("id"))
    rows[1][3] = "1.00"
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.job_submit(
            "import_results",
            actor=people.officer,
            batch_id=sent.pk,
            layout_id=layout.pk,
            content_b64=base64.b64encode(csv_bytes(rows)).decode(),
            filename="bad.csv",
        )
    # then its page says nothing was booked, lists the line, and links back to the batch
    page = _html(_as(client, people.officer).get(reverse("payouts:job", args=[job.pk])))
    assert "nothing was booked" in page and 'id="file-problems"' in page
    assert rows[1][0] in page.split('id="file-problems"')[1]
    assert reverse("payouts:batch", args=[sent.pk]) in page
    assert snapshot() == before


def test_an_export_file_is_downloaded_only_in_region_and_while_kept(
    client, people, more, approved, layout
):
    client = _as(client, people.officer)
    client.post(
        reverse("payouts:batch-export", args=[approved.pk]),
        {"export-layout": layout.pk, "export-fmt": "csv"},
    )
    log = ExportLog.objects.get()
    url = reverse("payouts:export-download", args=[log.pk])
    text = _download(client.get(url)).decode("utf-8")
    assert "6228480000000000001" in text and "1000.00" in text
    # township A's officer may export but not this county batch's file
    assert _as(client, more.officer_a).get(url).status_code == 404
    # a file altered on disk is not served
    path = Path(log.file_path)
    path.write_bytes(path.read_bytes() + b"x")
    response = _as(client, people.officer).get(url)
    assert response.status_code == 302
    assert "does not match the fingerprint" in _html(client.get(response["Location"]))
    # a file no longer kept is a 404
    path.unlink()
    assert client.get(url).status_code == 404
