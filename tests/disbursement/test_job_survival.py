"""Jobs that survive death (issue 12, point 5): a job whose process died is found by its stopped
heartbeat and marked interrupted (never a live one), its page offers a retry to whoever may
start it, the retry finishes the work without booking anything twice, and the home page says
that a job waits for it. The real worker killed -9 is in test_job_worker_kill.py."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, ngettext, override

from disbursement import services, tasks
from disbursement.exceptions import NotAllowed
from disbursement.models import BankResultImport, JobProgress, Payment, PayoutBatch
from disbursement.services import Progress, job_claim, jobs_reap
from disbursement.services import build as build_module
from disbursement.services import results as results_module
from disbursement.services.jobs import BUSY, OVER, RUN
from ledger.models import AuditEvent, JournalEntry
from ledger.verification import verify_ledger
from tests.approvals.factories import fund_money

from .conftest import confirm, enrol, finalise
from .util import bank, csv_bytes, payable, result_rows

LONG_AGO = timedelta(minutes=30)


def _job(status="running", *, silent_for=None, **fields) -> JobProgress:
    job = JobProgress.objects.create(kind="import_results", status=status, **fields)
    if silent_for is not None:
        JobProgress.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - silent_for)
    job.refresh_from_db()
    return job


def _silence(job: JobProgress) -> None:
    """The job's process died long ago: its last heartbeat is old."""
    JobProgress.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LONG_AGO)


def _as(client, user, language="en"):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


# --------------------------------------------------------------------------------------------
# the reaper
# --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_reaper_marks_a_silent_job_interrupted_and_never_a_live_one(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    # given a job silent for 30 minutes, a live one, an old one without any heartbeat (started
    # before heartbeats existed), and finished ones as silent as the dead one
    dead = _job(silent_for=LONG_AGO)
    live = _job(silent_for=timedelta(seconds=5))
    legacy = _job()
    JobProgress.objects.filter(pk=legacy.pk).update(created_at=timezone.now() - LONG_AGO)
    done = _job("done", silent_for=LONG_AGO)
    failed = _job("failed", silent_for=LONG_AGO)
    live_before = JobProgress.objects.values().get(pk=live.pk)

    # when the reaper runs
    reaped = jobs_reap()

    # then the dead ones are interrupted, with an audit event each; the rest are untouched
    assert sorted(reaped) == sorted([dead.pk, legacy.pk])
    statuses = dict(JobProgress.objects.values_list("pk", "status"))
    assert statuses[dead.pk] == statuses[legacy.pk] == "interrupted"
    assert (statuses[done.pk], statuses[failed.pk]) == ("done", "failed")
    assert JobProgress.objects.values().get(pk=live.pk) == live_before
    assert JobProgress.objects.get(pk=dead.pk).interrupted_at is not None
    events = AuditEvent.objects.filter(action="job.interrupt")
    assert sorted(int(e.object_id) for e in events) == sorted(reaped)
    assert {e.actor_id for e in events} == {None}
    assert events.get(object_id=str(dead.pk)).data["was"] == "running"

    # and running it again changes nothing
    assert jobs_reap() == []
    assert AuditEvent.objects.filter(action="job.interrupt").count() == 2


@pytest.mark.django_db
def test_a_queued_job_is_reaped_only_when_nothing_else_would_run_it(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    queued = _job("queued", silent_for=LONG_AGO)
    # given a broker, a queued job waits for a free worker (the broker keeps its message)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert jobs_reap() == []
    # without one, it ran in a web process that died before it started
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert jobs_reap() == [queued.pk]


@pytest.mark.django_db
def test_the_heartbeat_is_written_by_the_progress_reporter_at_most_every_interval(settings):
    settings.JOB_HEARTBEAT_INTERVAL = 3600  # nothing is due again during this test
    job = _job("queued")
    progress = Progress(job.pk)
    progress.start(10, "go")
    job.refresh_from_db()
    first = job.heartbeat_at
    assert job.status == "running" and first is not None

    # when steps and beats come quicker than the interval, the row is not written again
    progress.step(3)
    progress.beat()
    job.refresh_from_db()
    assert (job.current, job.heartbeat_at) == (0, first)
    # except the last step, which always shows
    progress.step(10)
    job.refresh_from_db()
    assert job.current == 10 and job.heartbeat_at > first

    # and a job the reaper marked interrupted while it was in fact alive takes itself back
    settings.JOB_HEARTBEAT_INTERVAL = 0
    JobProgress.objects.filter(pk=job.pk).update(status="interrupted")
    progress.beat()
    job.refresh_from_db()
    assert job.status == "running"


def test_reap_jobs_command_reports_what_it_marked(db, settings, capsys):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    call_command("reap_jobs")
    assert "no job silent for more than 60 s" in capsys.readouterr().out
    dead = _job(silent_for=LONG_AGO, current=4, total=9)
    call_command("reap_jobs")
    out = capsys.readouterr().out
    assert f"job {dead.pk} (import_results, 4/9) interrupted" in out
    assert "1 job(s) marked interrupted" in out
    # a shorter timeout given on the command line
    recent = _job(silent_for=timedelta(seconds=30))
    call_command("reap_jobs", "--timeout", "10")
    assert JobProgress.objects.get(pk=recent.pk).status == "interrupted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_reaper_skips_a_job_whose_transaction_is_alive(settings):
    """PostgreSQL: a job working inside one long transaction (a batch build) shows its progress
    only at commit, so its visible heartbeat ages; its row lock says it is alive."""
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = _job(silent_for=LONG_AGO)
    locked, release = threading.Event(), threading.Event()

    def long_transaction():
        from django.db import transaction

        try:
            with transaction.atomic():
                Progress(job.pk).start(5, "inside")  # the row is now locked by this transaction
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    worker = threading.Thread(target=long_transaction)
    worker.start()
    try:
        assert locked.wait(30)
        # when the reaper runs while that transaction is open
        assert jobs_reap() == []
    finally:
        release.set()
        worker.join(30)
    # then the job is running (its transaction committed a fresh heartbeat)
    job.refresh_from_db()
    assert job.status == "running" and job.total == 5


# --------------------------------------------------------------------------------------------
# claiming a job: a task delivered twice never runs it twice
# --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_job_is_claimed_once_and_taken_over_only_when_its_heartbeat_stopped(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = _job("queued")
    assert job_claim(job.pk) == RUN
    # delivered again while the first run is alive
    assert job_claim(job.pk) == BUSY
    # a message of an earlier attempt (a person retried since)
    assert job_claim(job.pk, attempt=0) == OVER
    # the first run's worker died: the redelivered task takes it over
    _silence(job)
    assert job_claim(job.pk) == RUN
    assert JobProgress.objects.get(pk=job.pk).runs == 2
    services.job_finish(job.pk, result={"n": 1})
    assert job_claim(job.pk) == OVER
    # the first run to finish decides
    services.job_finish(job.pk, error="late failure")
    job.refresh_from_db()
    assert (job.status, job.result, job.error) == ("done", {"n": 1}, "")
    assert job_claim(123456) == OVER


# --------------------------------------------------------------------------------------------
# retrying: the import (resumed), the build (restarted whole), who may
# --------------------------------------------------------------------------------------------
def _exported_batch(people, relief, world, layout, make_households, n=6) -> PayoutBatch:
    fund_money(10000, "RELIEF")
    finalise(relief, make_households(n), people, world)
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    return batch


def _die_in_third_chunk(monkeypatch):
    real = results_module._apply_chunk
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(results_module, "_apply_chunk", dying)


@pytest.mark.django_db
def test_an_interrupted_import_is_retried_from_its_page_and_books_each_payment_once(
    client, people, relief, world, layout, make_households, monkeypatch, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.PAYOUT_IMPORT_CHUNK = 2
    batch = _exported_batch(people, relief, world, layout, make_households)
    payments = Payment.objects.filter(batch=batch).order_by("id")
    content = csv_bytes(result_rows(payments))
    bank_before = bank("RELIEF")

    # given an import job whose process died in its third chunk of two payments
    _die_in_third_chunk(monkeypatch)
    with pytest.raises(KeyboardInterrupt), django_capture_on_commit_callbacks(execute=True):
        job = tasks.job_submit(
            "import_results",
            actor=people.officer,
            batch_id=batch.pk,
            layout_id=layout.pk,
            content_b64=base64.b64encode(content).decode(),
            filename="r.csv",
        )
    job = JobProgress.objects.get()
    assert (job.status, job.runs) == ("running", 1)
    assert payments.filter(status="paid").count() == 4
    assert job.input_enc and "content_b64" not in job.params  # kept encrypted, for a retry
    assert base64.b64encode(content).decode() not in job.input_enc

    # when its heartbeat is found stopped
    monkeypatch.undo()
    settings.PAYOUT_IMPORT_CHUNK = 2
    _silence(job)
    assert jobs_reap() == [job.pk]

    # then its page says so and offers a retry to the officer who started it
    client = _as(client, people.officer)
    page = client.get(reverse("payouts:job", args=[job.pk])).content.decode()
    assert "This job stopped before it finished" in page
    assert reverse("payouts:job-retry", args=[job.pk]) in page and "Retry the job" in page
    assert 'data-finished="1"' in page  # the page stops polling
    data = client.get(reverse("payouts:job-progress", args=[job.pk])).json()
    assert (data["status"], data["finished"]) == ("interrupted", True)

    # when the officer retries it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payouts:job-retry", args=[job.pk]))
    assert response.status_code == 302

    # then the import resumed: every payment booked exactly once, the figures exact
    job.refresh_from_db()
    assert (job.status, job.attempt, job.runs, job.input_enc) == ("done", 2, 2, "")
    assert job.result["paid"] == 6
    assert payments.filter(status="paid").count() == 6
    for payment in payments:
        assert JournalEntry.objects.filter(idempotency_key=f"pay:{payment.pk}").count() == 1
    assert BankResultImport.objects.get().status == "done"
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == bank_before - Decimal("6000.00")
    assert verify_ledger().ok
    retry = AuditEvent.objects.get(action="job.retry")
    assert (retry.actor, retry.object_id, retry.data["attempt"]) == (people.officer, str(job.pk), 2)
    assert AuditEvent.objects.filter(action="bankresults.import").count() == 1

    # and neither a second retry nor the dead run's message delivered again changes anything
    entries = JournalEntry.objects.count()
    response = client.post(reverse("payouts:job-retry", args=[job.pk]))
    assert response.status_code == 409  # invalid_state
    assert "Only an interrupted job can be retried; this one is done." in response.content.decode()
    again = tasks.import_results_task.apply(
        args=[job.pk, batch.pk, layout.pk, base64.b64encode(content).decode(), "r.csv", None],
        kwargs={"attempt": 1},
    ).get()
    assert again == {"skipped": "finished or retried"}
    assert JournalEntry.objects.count() == entries
    assert AuditEvent.objects.filter(action="job.retry").count() == 1


@pytest.mark.django_db
def test_an_interrupted_build_restarts_whole_and_keeps_maker_checker(
    client, people, relief, final_cases, monkeypatch, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    # given a build job whose process died while writing the payments (its one transaction
    # rolled back: no batch)
    def dying(*args, **kwargs):
        raise KeyboardInterrupt("the web process died")

    monkeypatch.setattr(build_module, "_insert_payments", dying)
    with pytest.raises(KeyboardInterrupt), django_capture_on_commit_callbacks(execute=True):
        tasks.job_submit("build_batch", actor=people.officer, program_id=relief.pk)
    monkeypatch.undo()
    job = JobProgress.objects.get()
    assert job.status == "running" and not PayoutBatch.objects.exists()
    _silence(job)
    jobs_reap()

    # then another officer may not retry it, nor see it
    other = _as(client, people.officer2)
    assert other.post(reverse("payouts:job-retry", args=[job.pk])).status_code == 403
    # a supervisor watches it but may not build: no button, and a refusal
    supervisor = _as(client, people.supervisor)
    page = supervisor.get(reverse("payouts:job", args=[job.pk])).content.decode()
    assert "Retry the job" not in page and "It may be retried by the person who started it" in page
    response = supervisor.post(reverse("payouts:job-retry", args=[job.pk]))
    assert response.status_code == 403
    assert JobProgress.objects.get(pk=job.pk).status == "interrupted"
    assert not AuditEvent.objects.filter(action="job.retry").exists()

    # when someone who watches every job and may build retries it
    both = _as(client, people.both)
    with django_capture_on_commit_callbacks(execute=True):
        both.post(reverse("payouts:job-retry", args=[job.pk]))

    # then one batch is built, whole, by the person who retried; the job says so
    job.refresh_from_db()
    batch = PayoutBatch.objects.get()
    assert (job.status, job.result["batch_id"], batch.count) == ("done", batch.pk, 3)
    assert Payment.objects.filter(batch=batch).count() == 3
    assert batch.built_by == people.both
    # and the second person's approval is still needed: not the one who built it
    with pytest.raises(NotAllowed, match="so you may not approve it"):
        services.batch_approve(batch=batch, actor=people.both)
    services.batch_approve(batch=batch, actor=people.supervisor)


@pytest.mark.django_db
def test_a_build_that_committed_before_its_process_died_is_not_built_again(
    people, relief, final_cases, settings, django_capture_on_commit_callbacks
):
    # given a build job that finished (its outcome is written in the build's transaction)
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.job_submit("build_batch", actor=people.officer, program_id=relief.pk)
    job.refresh_from_db()
    assert job.status == "done"
    # when the broker delivers its task again (the worker died before acknowledging it)
    again = tasks.build_batch_task.apply(
        args=[job.pk, people.officer.pk, relief.pk], kwargs={"attempt": 1}
    ).get()
    # then nothing is built again
    assert again == {"skipped": "finished or retried"}
    job.refresh_from_db()
    assert (PayoutBatch.objects.count(), job.status, job.runs) == (1, "done", 1)


@pytest.mark.django_db
def test_an_interrupted_generation_is_retried_through_the_api(
    people, reward, make_households, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    from disbursement.models import Entitlement

    # given a cycle whose approved confirmation booked two entitlements, and a generation
    # (which books what the confirmation lists and is not booked yet) whose process died
    fund_money(5000, "REWARD")
    for household in make_households(2, prefix="62170000"):
        enrol(reward, household.people.get(is_head=True))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)
    assert Entitlement.objects.filter(cycle=cycle).count() == 2
    job = JobProgress.objects.create(
        kind="generate_cycle", created_by=people.officer, params={"cycle_id": cycle.pk}
    )
    assert job_claim(job.pk) == RUN
    _silence(job)
    jobs_reap()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.officer)

    # when its starter retries it through the API
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/payouts/jobs/{job.pk}/retry/", format="json")

    # then it ran again, whole, once, and booked nothing twice
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/payouts/jobs/{job.pk}/"
    assert response.json()["status"] in ("queued", "done")  # done already without a broker
    body = api.get(response["Location"]).json()
    assert (body["status"], body["result"].get("created"), body["error"]) == ("done", 0, "")
    assert Entitlement.objects.filter(cycle=cycle).count() == 2
    # and a second retry is refused by the state
    again = api.post(f"/api/payouts/jobs/{job.pk}/retry/", format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invalid_state")
    assert Entitlement.objects.filter(cycle=cycle).count() == 2


# --------------------------------------------------------------------------------------------
# the screens, in both languages
# --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_home_page_names_the_interrupted_jobs_the_user_may_see(client, people):
    # given an interrupted job of the officer's, and a running one
    job = _job("interrupted", created_by=people.officer, current=2, total=6)
    _job("running", created_by=people.officer)

    # then the officer's home page says one job waits for a retry, with its link
    page = _as(client, people.officer).get(reverse("home")).content.decode()
    assert 'id="interrupted-jobs"' in page
    assert "1 payout job stopped before it finished (its process ended); open it to retry." in page
    assert reverse("payouts:job", args=[job.pk]) in page
    assert f"Importing the bank&#x27;s result file (job {job.pk})" in page
    assert "2 of 6 done, started by officer" in page
    # and the supervisor (who watches every job) sees it; another officer does not
    assert (
        'id="interrupted-jobs"'
        in _as(client, people.supervisor).get(reverse("home")).content.decode()
    )
    assert (
        'id="interrupted-jobs"'
        not in _as(client, people.officer2).get(reverse("home")).content.decode()
    )

    # and in Chinese, the page speaks the catalogue's words for the same line
    zh = _as(client, people.officer, "zh-hans").get(reverse("home")).content.decode()
    with override("zh-hans"):
        assert gettext("Fund positions") == "基金资金状况"  # the catalogue is loaded
        line = ngettext(
            "%(counter)s payout job stopped before it finished (its process ended); open it to "
            "retry.",
            "%(counter)s payout jobs stopped before they finished (their process ended); open "
            "one to retry it.",
            1,
        ) % {"counter": 1}
        label = gettext("Importing the bank's result file")
        item = gettext("%(label)s (job %(id)s)") % {"label": label, "id": job.pk}
    assert label == "正在导入银行回盘文件"
    assert "基金资金状况" in zh and line in zh and escape(item) in zh


@pytest.mark.django_db
def test_the_job_page_of_an_interrupted_job_in_both_languages(client, people):
    job = _job("interrupted", created_by=people.officer, current=2, total=6, attempt=2)
    JobProgress.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LONG_AGO)
    en = _as(client, people.officer).get(reverse("payouts:job", args=[job.pk])).content.decode()
    assert '<strong id="job-status">interrupted</strong>' in en
    assert (
        "Its last sign of life was at" in en and "Attempt 2 (retried after an interruption)." in en
    )
    assert 'id="job-retry"' in en

    zh = _as(client, people.officer, "zh-hans").get(reverse("payouts:job", args=[job.pk]))
    zh = zh.content.decode()
    with override("zh-hans"):
        words = [
            gettext("interrupted"),
            gettext(
                "This job stopped before it finished: the process running it ended (a restart "
                "or a crash)."
            ),
            gettext("Retry the job"),
        ]
        assert gettext("Importing the bank's result file") == "正在导入银行回盘文件"
    assert "正在导入银行回盘文件" in zh and "由 officer 于" in zh
    for text in words:
        assert escape(text) in zh
    assert 'id="job-retry"' in zh
