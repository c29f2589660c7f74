"""A real Celery worker killed -9 in the middle of a result import, three times: the broker
(Redis) gives the task to the next worker, which takes the job over (its heartbeat stopped) and
finishes it: done once, every payment booked exactly once.

PostgreSQL only: the workers are other processes, and they must see the test's committed rows
(pytest-django's SQLite test database lives in the test process's memory, out of their reach).
CI's PostgreSQL pass runs it; Redis must answer on 127.0.0.1:6379 (database 6 is this test's).
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from disbursement import services
from disbursement.models import BankResultImport, JobProgress, Payment
from ledger.models import AuditEvent, JournalEntry
from ledger.verification import verify_ledger
from tests.approvals.factories import fund_money

from .conftest import finalise
from .util import bank, csv_bytes, payable, result_rows

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/6"
REPETITIONS = 3
PER_IMPORT = 4  # payments in each repetition's result file (one chunk each)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Worker processes on a queue of their own, each the leader of its own process group."""

    def __init__(self, queue: str, log_dir: Path):
        self.queue, self.log_dir, self.started = queue, log_dir, []
        self.env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": BROKER,
            # Redis gives a dead worker's message out again after 2 s; a job silent for 1.5 s
            # is dead; every progress step writes the heartbeat.
            "CELERY_VISIBILITY_TIMEOUT": "2",
            "JOB_HEARTBEAT_TIMEOUT": "1.5",
            "JOB_HEARTBEAT_INTERVAL": "0",
            "SLOW_WORKER_STEP_DELAY": "0.6",
        }

    def start(self) -> subprocess.Popen:
        log = (self.log_dir / f"worker-{len(self.started)}.log").open("w")
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "disbursement" / "slow_worker.py"),
                "--pool=solo",
                "--queues",
                self.queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed whole
        )
        self.started.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}"
            for path in sorted(self.log_dir.glob("worker-*.log"))
        )


def _wait(condition, what: str, workers: Workers, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}\n{workers.logs()}"
        time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_loses_nothing_and_books_nothing_twice(
    people, relief, world, layout, make_households, tmp_path
):
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not answering on 127.0.0.1:6379 (.ci/run should start it)")
        pytest.skip("needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
    import redis

    broker = redis.Redis.from_url(BROKER)
    broker.flushdb()  # database 6 is this test's own

    # given an exported batch, committed, whose payments three result files will pay, a few each
    fund_money(5000 + 1000 * PER_IMPORT * REPETITIONS, "RELIEF")
    finalise(relief, make_households(PER_IMPORT * REPETITIONS), people, world)
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    bank_before = bank("RELIEF")

    queue = f"test-kill-{uuid.uuid4().hex}"
    workers = Workers(queue, tmp_path)
    client = Celery("kill-test-client", broker=BROKER, backend=BROKER)
    try:
        worker = workers.start()
        for round_ in range(REPETITIONS):
            mine = payments[round_ * PER_IMPORT : (round_ + 1) * PER_IMPORT]
            ids = [p.pk for p in mine]
            content = csv_bytes(result_rows(mine))
            job = JobProgress.objects.create(
                kind="import_results", created_by=people.officer, params={"batch_id": batch.pk}
            )

            # when the import is sent to the worker, as the web process does
            client.send_task(
                "disbursement.import_results",
                args=[job.pk, batch.pk, layout.pk, base64.b64encode(content).decode()],
                kwargs={"filename": f"r{round_}.csv", "actor_id": people.officer.pk},
                queue=queue,
            )
            # and the worker is killed -9 (its whole process group) once it booked some
            paid = Payment.objects.filter(pk__in=ids, status="paid")
            _wait(lambda: paid.count() >= 1, f"round {round_}: nothing booked", workers)
            workers.kill(worker)
            at_kill = paid.count()
            assert 1 <= at_kill < PER_IMPORT, f"round {round_}: killed too late ({at_kill})"
            job.refresh_from_db()
            assert (job.status, job.runs) == ("running", 1)

            # and a new worker starts
            worker = workers.start()

            # then the task is delivered again, the job taken over and finished, once
            _wait(
                lambda: JobProgress.objects.filter(
                    pk=job.pk, status__in=["done", "failed"]
                ).exists(),
                f"round {round_}: the job was not finished after the kill",
                workers,
            )
            job.refresh_from_db()
            assert job.status == "done", job.error
            assert job.runs == 2  # the first worker's run, and the one after redelivery
            assert job.result["paid"] == PER_IMPORT
            assert paid.count() == PER_IMPORT
            for pk in ids:
                assert JournalEntry.objects.filter(idempotency_key=f"pay:{pk}").count() == 1
            imports = BankResultImport.objects.filter(filename=f"r{round_}.csv")
            assert [i.status for i in imports] == ["done"]
            assert (
                AuditEvent.objects.filter(
                    action="bankresults.import", data__import_id=imports[0].pk
                ).count()
                == 1
            )
    finally:
        workers.stop_all()
        client.close()
        broker.flushdb()
        broker.close()

    # and in the end every payment is paid exactly once, the books exact
    assert Payment.objects.filter(batch=batch, status="paid").count() == len(payments)
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == bank_before - Decimal(1000 * len(payments))
    assert JournalEntry.objects.filter(idempotency_key__startswith="pay:").count() == len(payments)
    assert verify_ledger().ok
