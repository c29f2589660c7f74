"""``/healthz`` for the load balancer and ``/metrics`` for Prometheus (issue 17, point 3).

``/healthz`` answers 200 while this process can serve: the database answers, the cache and
the broker (when one is configured) answer, the file folders are writable and every database
guard is installed as written. Otherwise 503, so the balancer takes the node out. The ledger's
latest verification is reported too, but a stale or failed verification does not take the node
out (every node would go): it makes the status ``degraded`` and shows on the supervisor's home.
The answer names checks and states only: nothing about people or money."""

from __future__ import annotations

import hmac
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView

from common.clientip import client_ip
from common.dbguards import all_guard_sets, guard_findings
from disbursement.services import export_dir
from ledger.verification import last_run

FAIL, OK = "fail", "ok"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def _cache() -> str:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 10)
    got = cache.get(key)
    cache.delete(key)
    return OK if got == value else FAIL


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not used"  # jobs run in the web process (CELERY_TASK_ALWAYS_EAGER)
    from fundapp.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return OK


def _storage() -> str:
    for folder in (Path(settings.MEDIA_ROOT), export_dir()):
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
            pass
    return OK


def _guards() -> str:
    _expected, findings = guard_findings(connection, all_guard_sets())
    return OK if not findings else FAIL


def verification_state() -> dict:
    """The latest ledger verification: ``state`` ok, fail, stale (older than
    LEDGER_VERIFY_MAX_AGE_HOURS) or never; its age, time and problem count when there is one."""
    run = last_run()
    if run is None:
        return {"state": "never"}
    age = (timezone.now() - run.at).total_seconds() / 3600
    stale = age > settings.LEDGER_VERIFY_MAX_AGE_HOURS
    return {
        "state": ("stale" if stale else OK) if run.data.get("ok") else FAIL,
        "age_hours": round(age, 1),
        "at": run.at,
        "problems": run.data.get("problem_count", 0),
    }


def _verification() -> dict:
    state = verification_state()
    return {k: v for k, v in state.items() if k in ("state", "age_hours")}


CHECKS = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
    "guards": _guards,
}


@require_safe
@never_cache
def healthz(request):
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a check is a failed check
            checks[name] = f"{FAIL}: {type(exc).__name__}"
    serving = all(not str(state).startswith(FAIL) for state in checks.values())
    try:
        checks["ledger_verification"] = _verification()
    except Exception as exc:  # noqa: BLE001
        checks["ledger_verification"] = {"state": f"{FAIL}: {type(exc).__name__}"}
    verified = checks["ledger_verification"]["state"] == OK
    status = (OK if verified else "degraded") if serving else FAIL
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:], token):
        return True
    return client_ip(request) in set(settings.METRICS_ALLOWED_IPS)


@require_safe
@never_cache
def metrics(request):
    """Prometheus' text format (django-prometheus), for the allowed addresses or the token only:
    anyone else is told nothing exists here."""
    if not _metrics_allowed(request):
        raise Http404
    return ExportToDjangoView(request)
