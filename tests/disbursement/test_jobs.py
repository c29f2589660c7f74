"""Long jobs: eager in-process by default, with a progress row a page polls; on a real Celery
worker through Redis when a broker is set. And the on-time figures."""

import base64
import os
import socket
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from disbursement import selectors, services
from disbursement.models import Cycle, Entitlement, ExportLog, JobProgress, Payment, PayoutBatch
from disbursement.tasks import job_submit
from tests.approvals.factories import fund_money

from .conftest import confirm, enrol
from .util import csv_bytes, result_rows

ROOT = Path(__file__).resolve().parents[2]


def test_build_export_and_import_run_as_jobs_with_progress(
    final_cases, people, relief, layout, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.PAYOUT_EXPORT_DIR = tmp_path
    # given no broker: jobs run in-process once the request's transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit("build_batch", actor=people.officer, program_id=relief.pk)
    job.refresh_from_db()
    # then the progress row says done, with the result a page links to
    assert (job.status, job.current, job.total, job.percent) == ("done", 3, 3, 100)
    batch = PayoutBatch.objects.get(pk=job.result["batch_id"])
    assert batch.built_by == people.officer and job.created_by == people.officer

    services.batch_approve(batch=batch, actor=people.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        export_job = job_submit(
            "export_batch", actor=people.officer, batch_id=batch.pk, layout_id=layout.pk, fmt="xlsx"
        )
    export_job.refresh_from_db()
    assert export_job.status == "done", export_job.error
    log = ExportLog.objects.get(pk=export_job.result["export_id"])
    stored = Path(log.file_path)
    assert stored.parent == tmp_path and oct(stored.stat().st_mode & 0o777) == "0o600"

    # when a bad result file is submitted, the job fails with every problem listed
    rows = result_rows(Payment.objects.filter(batch=batch).order_by("id"))
    rows[0][3] = "1.00"
    with django_capture_on_commit_callbacks(execute=True):
        bad = job_submit(
            "import_results",
            actor=people.officer,
            batch_id=batch.pk,
            layout_id=layout.pk,
            content_b64=base64.b64encode(csv_bytes(rows)).decode(),
            filename="bad.csv",
        )
    bad.refresh_from_db()
    assert bad.status == "failed" and "nothing was booked" in bad.error
    assert bad.result["problems"][0]["code"] == "amount_mismatch"
    assert "content_b64" not in bad.params  # the file is not kept in the job row


def test_late_awards_and_days_to_payment(final_cases, people, relief, layout, days_ago):
    from approvals.models import Case

    # given awards that became final 40, 40 and 10 days ago, none paid
    Case.objects.filter(pk__in=[c.pk for c in final_cases[:2]]).update(final_at=days_ago(40))
    Case.objects.filter(pk=final_cases[2].pk).update(final_at=days_ago(10))
    # then two are late under the default of 30 days, three under 5
    late = selectors.late_awards()
    assert [row.id for row in late] == sorted(c.pk for c in final_cases[:2])
    assert late[0].days == 40 and late[0].label == final_cases[0].number
    assert selectors.late_awards_count(days=5) == 3

    # when they are paid
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    assert selectors.late_awards()[0].last_status == "sent"  # still late until paid
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(Payment.objects.filter(batch=batch))),
        filename="r.csv",
        actor=people.officer,
    )
    # then none is late, and the days from final to paid are recorded
    assert selectors.late_awards_count() == 0
    timing = selectors.payment_timeliness(batch=batch)
    assert (timing.paid, timing.longest_days, timing.paid_late) == (3, 40, 2)
    payment = Payment.objects.get(case=final_cases[2])
    assert selectors.payment_days(payment) == 10


def test_late_days_come_from_the_setting(final_cases, settings, days_ago):
    from approvals.models import Case

    Case.objects.filter(pk=final_cases[0].pk).update(final_at=days_ago(8))
    settings.PAYOUT_LATE_DAYS = 7
    assert [row.id for row in selectors.late_awards()] == [final_cases[0].pk]
    assert selectors.late_awards(days=9) == []
    assert timedelta(days=8) > timedelta(days=7)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_generates_a_cycle_through_redis(people, reward, make_households):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not answering on 127.0.0.1:6379 (.ci/run should start it)")
        pytest.skip("needs Redis on 127.0.0.1:6379")
    # given committed data: two enrolled beneficiaries, money, an open cycle, a queued job
    fund_money(5000, "REWARD")
    for household in make_households(2, prefix="62170000"):
        enrol(reward, household.people.get(is_head=True))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    # approved, with both beneficiaries' entitlements taken back out of the way below: the
    # worker books what the approved confirmation lists and is not booked yet
    confirmation = confirm(cycle, people, approve=False)
    confirmation.status = "approved"
    confirmation.approved_by = people.supervisor
    confirmation.approved_at = timezone.now()
    confirmation.save()
    job = JobProgress.objects.create(kind="generate_cycle", created_by=people.officer)

    # and a worker on its own queue, Redis database 15, the test database
    s = connection.settings_dict
    url = "redis://127.0.0.1:6379/15"
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "fundapp", "worker", "--pool=solo", "--queues", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    client = Celery("disbursement-test-client", broker=url, backend=url)
    try:
        # when the generation task is sent by name, as the web process would
        result = client.send_task(
            "disbursement.generate_cycle", args=[job.pk, cycle.pk, people.officer.pk], queue=queue
        )
        answer = result.get(timeout=90)
    finally:
        worker.terminate()
        try:
            worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.communicate()
        client.close()

    # then the worker generated the entitlements and its progress row says so
    assert answer == {
        "created": 2,
        "total": "2000.00",
        "already": 0,
        "held": [],
        "held_count": 0,
    }
    job.refresh_from_db()
    assert (job.status, job.current, job.total) == ("done", 2, 2)
    assert Entitlement.objects.filter(cycle=cycle).count() == 2
    assert Cycle.objects.get(pk=cycle.pk).generated_at is not None
