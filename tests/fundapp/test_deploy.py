"""Running it for real (issue 17, points 1, 3 and 7): the systemd units verify, gunicorn's
settings come from the environment, two gunicorn servers on one Redis share the limits, /healthz
says what a load balancer needs and nothing personal, /metrics is for the allowed only, every
request has an id that reaches the JSON log, and the nightly verification is kept."""

from __future__ import annotations

import io
import json
import logging
import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from common import requestid
from fundapp import health
from ledger.audit import AuditAction, audit
from ledger.models import AuditEvent
from ledger.verification import last_run

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


# --------------------------------------------------------------------------------------------
# systemd units and gunicorn's settings
# --------------------------------------------------------------------------------------------
def _verify_units(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in folder.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (Debian: systemd); CI's machine has it",
)
def test_the_systemd_units_verify(tmp_path):
    # The units name /srv/fundapp; here they point at this checkout, whose .venv has gunicorn
    # and celery (systemd-analyze checks that each ExecStart is an executable).
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert {u.name for u in units} == {
        "fundapp-web.service",
        "fundapp-worker.service",
        "fundapp-beat.service",
    }
    for unit in units:
        text = unit.read_text().replace("/srv/fundapp", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    done = _verify_units(tmp_path)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    # and the check does catch a broken unit
    broken = tmp_path / "fundapp-web.service"
    broken.write_text(broken.read_text().replace("ExecStart=", "ExecStart=relative/"))
    assert _verify_units(tmp_path).returncode != 0


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("BIND", "0.0.0.0:9100")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("WEB_TIMEOUT", "45")
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert (conf["bind"], conf["workers"], conf["timeout"]) == ("0.0.0.0:9100", 3, 45)
    assert "x-request-id" in conf["access_log_format"]
    monkeypatch.delenv("WEB_CONCURRENCY")
    conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert 1 <= conf["workers"] <= 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - localhost
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _gunicorn(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "fundapp.wsgi",
        ],
        cwd=ROOT,
        env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_healthy(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode()[-3000:])
        try:
            status, _body = _get(f"http://127.0.0.1:{port}/healthz")
            if status in (200, 503):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("gunicorn did not answer in 60 s")


def _wrong_tokens_across(cache_env: dict) -> list[int]:
    """Ten requests with a wrong API token, alternating between two gunicorn servers (one
    worker each) on this test database; the statuses in order."""
    db = settings.DATABASES["default"]
    from urllib.parse import quote

    user = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    url = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    for name in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "CELERY_BROKER_URL"):
        base.pop(name, None)
    env = {
        **base,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "API_TOKEN_FAILURE_LIMIT": "3",
        "LOG_LEVEL": "ERROR",
        **cache_env,
    }
    ports = [_free_port(), _free_port()]
    servers = [_gunicorn(port, env) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_healthy(port, server)
        statuses = []
        for i in range(10):
            status, _body = _get(
                f"http://127.0.0.1:{ports[i % 2]}/api/ledger/accounts/",
                {"Authorization": f"Token wrong{i:036d}"},
            )
            statuses.append(status)
        return statuses
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


@pytest.mark.postgres
def test_two_gunicorn_servers_on_one_redis_share_the_limits(db):
    # The servers read this test database (PostgreSQL: SQLite's test database is in memory).
    shared = _wrong_tokens_across(
        {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": f"deploy-{uuid.uuid4().hex}"}
    )
    # 3 wrong tokens are answered 401, whichever server counted them; then 429 on both.
    assert shared == [401, 401, 401] + [429] * 7, shared
    # The control: each server counting in its own memory lets 3 through on each.
    apart = _wrong_tokens_across({"CACHE_URL": "locmem://"})
    assert apart.count(401) == 6, apart


# --------------------------------------------------------------------------------------------
# /healthz and /metrics
# --------------------------------------------------------------------------------------------
def _health(client=None) -> tuple[int, dict]:
    response = (client or Client()).get("/healthz")
    return response.status_code, json.loads(response.content)


def _record(ok: bool) -> AuditEvent:
    return audit(
        actor=None,
        action=AuditAction.LEDGER_VERIFY,
        object_type="ledger",
        object_id="verification",
        ok=ok,
        problem_count=0 if ok else 2,
    )


@pytest.mark.django_db
def test_healthz_reports_each_part_and_nothing_personal():
    status, body = _health()
    assert status == 200
    checks = body["checks"]
    assert checks["database"] == checks["cache"] == checks["storage"] == checks["guards"] == "ok"
    assert checks["broker"] == "not used"  # no CELERY_BROKER_URL: jobs run in the web process
    # never verified yet: the node serves, the status says degraded
    assert checks["ledger_verification"] == {"state": "never"}
    assert body["status"] == "degraded"
    _record(ok=True)
    status, body = _health()
    assert (status, body["status"], body["checks"]["ledger_verification"]["state"]) == (
        200,
        "ok",
        "ok",
    )
    # only check names and states: no people, no money
    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) == set(health.CHECKS) | {"ledger_verification"}
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_a_stale_or_failed_verification_degrades_but_keeps_the_node(settings, monkeypatch):
    _record(ok=True)  # audit events are never changed: the clock moves on instead
    later = timezone.now() + timedelta(hours=settings.LEDGER_VERIFY_MAX_AGE_HOURS + 1)
    monkeypatch.setattr(health.timezone, "now", lambda: later)
    status, body = _health()
    assert (status, body["status"], body["checks"]["ledger_verification"]["state"]) == (
        200,
        "degraded",
        "stale",
    )
    monkeypatch.undo()
    _record(ok=False)
    status, body = _health()
    assert (status, body["checks"]["ledger_verification"]["state"]) == (200, "fail")


@pytest.mark.django_db
def test_a_failing_part_takes_the_node_out(monkeypatch):
    class DeadCache:
        def set(self, *a, **k):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(health, "cache", DeadCache())
    status, body = _health()
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["cache"] == "fail: ConnectionError"
    assert body["checks"]["database"] == "ok"


@pytest.mark.owner
@pytest.mark.django_db
def test_a_missing_guard_takes_the_node_out():
    table = "ledger_journalline"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            name = cursor.fetchone()[0]
            cursor.execute(f"DROP TRIGGER {name} ON {table}")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
            name = cursor.fetchone()[0]
            cursor.execute(f"DROP TRIGGER {name}")
    status, body = _health()
    assert (status, body["checks"]["guards"]) == (503, "fail")


@pytest.mark.django_db
def test_metrics_only_for_allowed_addresses_or_the_token(
    settings, django_capture_on_commit_callbacks
):
    from tests.ledger.factories import transfer

    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.METRICS_TOKEN = "m" * 40
    with django_capture_on_commit_callbacks(execute=True):
        transfer("1002", "4101", 10, source="donation")
    inside = Client(REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert inside.status_code == 200
    text = inside.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "fundapp_ledger_postings_total" in text and "fundapp_jobs_finished_total" in text
    postings = [
        line for line in text.splitlines() if line.startswith("fundapp_ledger_postings_total{")
    ]
    assert postings and float(postings[0].rsplit(" ", 1)[1]) >= 1
    outside = Client(REMOTE_ADDR="10.1.2.3")
    assert outside.get("/metrics").status_code == 404
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "m" * 40).status_code == 200


# --------------------------------------------------------------------------------------------
# request ids and the JSON log
# --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_response_has_a_request_id_a_client_cannot_choose(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    mine = "nginx-0123456789abcdef"
    direct = Client(REMOTE_ADDR="203.0.113.9").get("/healthz", HTTP_X_REQUEST_ID=mine)
    assert len(direct["X-Request-ID"]) == 32 and direct["X-Request-ID"] != mine
    proxied = Client(REMOTE_ADDR="127.0.0.1").get("/healthz", HTTP_X_REQUEST_ID=mine)
    assert proxied["X-Request-ID"] == mine
    odd = Client(REMOTE_ADDR="127.0.0.1").get("/healthz", HTTP_X_REQUEST_ID="x\nforged line")
    assert odd["X-Request-ID"] != "x\nforged line"


def test_log_lines_are_json_with_the_request_id(rf):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(requestid.RequestIdFilter())
    formatter = dict(settings.LOGGING["formatters"]["json"])
    factory = formatter.pop("()")
    module, name = factory.rsplit(".", 1)
    handler.setFormatter(getattr(__import__(module, fromlist=[name]), name)(**formatter))
    logger = logging.getLogger("fundapp.test_deploy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:

        def view(request):
            logger.info("posting refused")
            from django.http import HttpResponse

            return HttpResponse("ok")

        response = requestid.RequestIdMiddleware(view)(rf.get("/"))
        logger.info("outside a request")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == response["X-Request-ID"]
    assert inside["message"] == "posting refused" and inside["level"] == "INFO"
    assert {"time", "logger"} <= set(inside)
    assert outside["request_id"] == "-"


# --------------------------------------------------------------------------------------------
# the nightly verification
# --------------------------------------------------------------------------------------------
def test_the_schedule_verifies_the_ledger_every_day():
    from fundapp import scheduler

    entry = settings.CELERY_BEAT_SCHEDULE["verify-ledger"]
    assert (entry["task"], entry["args"]) == ("fundapp.scheduled_job", ("verify-ledger",))
    assert scheduler.interval("verify-ledger") == timedelta(days=1)
    assert "verify-ledger" in scheduler.JOBS


@pytest.mark.django_db
def test_the_scheduler_runs_the_verification_and_keeps_it():
    from fundapp import scheduler

    assert "no problems" in scheduler.run_job("verify-ledger")
    assert last_run().data["source"] == "schedule"


@pytest.mark.django_db
def test_the_verification_is_kept_by_the_task_and_the_command():
    from ledger.tasks import verify

    assert last_run() is None
    assert verify.apply().get()["ok"] is True
    run = last_run()
    assert run.data["ok"] is True and run.data["source"] == "schedule"
    call_command("verify_ledger", stdout=io.StringIO(), stderr=io.StringIO())
    assert last_run().data["source"] == "command"
    count = AuditEvent.objects.filter(action="ledger.verify").count()
    call_command("verify_ledger", "--no-record", stdout=io.StringIO(), stderr=io.StringIO())
    assert AuditEvent.objects.filter(action="ledger.verify").count() == count


@pytest.mark.django_db
def test_the_supervisors_home_shows_the_latest_verification(supervisor, make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    assert b"The ledger has never been verified" in client.get("/").content
    _record(ok=True)
    assert b"no problems" in client.get("/").content
    _record(ok=False)
    assert b"found 2 problems" in client.get("/").content
    # those who do not keep or audit the books are not told
    worker = make_user("case_worker", username="worker")
    client.force_login(worker)
    assert b'id="ledger-verified"' not in client.get("/").content
