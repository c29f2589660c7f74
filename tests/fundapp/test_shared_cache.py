"""The shared cache (issue 17 point 2, for issue 13's limits): CACHES comes from CACHE_URL or
REDIS_URL (Django's Redis backend), local memory otherwise; with Redis, every throttle and the
login lockout count in one place, so two worker processes share one count.

The Redis tests use database index 13 (TEST_REDIS_URL to change it) and a key prefix of their
own, so nothing else on that Redis is touched; CI starts Redis (.ci/run), so there its absence
fails the test rather than skipping it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with Django set up (settings are read once per
    process), as another worker would."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    for name in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX"):
        base.pop(name, None)
    base.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "fundapp.settings", **env})
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json(result: subprocess.CompletedProcess):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


SHOW = """
import json
from django.conf import settings
print(json.dumps([settings.CACHES["default"], settings.AXES_HANDLER, settings.SESSION_ENGINE]))
"""


def test_caches_come_from_the_environment():
    # without CACHE_URL or REDIS_URL: local memory, and the login lockout in the database
    cache, handler, sessions = _json(_python(SHOW))
    assert cache["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert handler == "axes.handlers.database.AxesDatabaseHandler"
    assert sessions == "django.contrib.sessions.backends.db"
    # REDIS_URL: Django's own Redis backend, and the lockout in it
    cache, handler, sessions = _json(_python(SHOW, REDIS_URL="redis://10.1.2.3:6379/4"))
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://10.1.2.3:6379/4"
    assert handler == "fundapp.lockout.SharedCacheHandler"
    # sessions read from the shared cache, written through to the database
    assert sessions == "django.contrib.sessions.backends.cached_db"
    # CACHE_URL wins over REDIS_URL (Celery's broker may be another Redis)
    cache, _handler, _sessions = _json(
        _python(SHOW, REDIS_URL="redis://10.1.2.3:6379/4", CACHE_URL="redis://10.9.9.9:6379/2")
    )
    assert cache["LOCATION"] == "redis://10.9.9.9:6379/2"
    # anything else is refused with a clear message
    bad = _python(SHOW, CACHE_URL="memcached://10.0.0.1:11211")
    assert bad.returncode != 0 and "CACHE_URL (or REDIS_URL) must be redis://" in bad.stderr


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_prefix():
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not answering on 127.0.0.1:6379 (.ci/run should start it)")
        pytest.skip("needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


COUNT = """
import json
from common import throttle
limit = throttle.Limit("public:case-status", 10, 600)
print(json.dumps([throttle.hit(limit, "198.51.100.7") for _i in range(6)]))
"""


def test_two_worker_processes_share_one_count(redis_prefix):
    env = {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": redis_prefix}
    # given one worker process that took 6 attempts of a 10-per-window limit
    assert _json(_python(COUNT, **env)) == [False] * 6
    # when another worker process takes 6 more from the same address
    second = _json(_python(COUNT, **env))
    # then it sees the first one's count: its last two are over the limit
    assert second == [False] * 4 + [True] * 2
    # and a process with local memory only (no Redis) counts alone: the flaw this fixes
    assert _json(_python(COUNT)) == [False] * 6


LOCKED = """
import json
from axes.handlers.proxy import AxesProxyHandler
from django.test import RequestFactory
request = RequestFactory().post("/accounts/login/", {"username": "bob"}, REMOTE_ADDR="10.0.0.1")
request.user = None
print(json.dumps(AxesProxyHandler.is_locked(request, credentials={"username": "bob"})))
"""


@pytest.fixture
def redis_cache(settings, redis_prefix):
    """This process's cache and login lockout on the test Redis (as a worker with REDIS_URL)."""
    from axes.handlers.proxy import AxesProxyHandler

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": redis_prefix,
        }
    }
    settings.AXES_HANDLER = "fundapp.lockout.SharedCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    yield redis_prefix
    settings.AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
    AxesProxyHandler.implementation = None


def test_a_login_lockout_holds_in_another_worker_process(client, make_user, redis_cache):
    make_user("finance_officer", username="bob")
    # given too many wrong passwords for bob, taken by this worker (the login page)
    for _i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"), {"username": "bob", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
        )
    response = client.post(
        reverse("login"), {"username": "bob", "password": "pw-Testing-123"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    # then another worker process, sharing only Redis, finds bob locked from that address
    env = {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": redis_cache}
    assert _json(_python(LOCKED, **env)) is True
    # and only there: a worker on another key prefix (another installation) does not
    assert _json(_python(LOCKED, REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=f"{redis_cache}-x")) is False


def test_the_public_look_up_limit_holds_across_two_cache_clients(client, db, redis_cache, settings):
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    settings.PUBLIC_LOOKUP_LIMIT = 3
    url = reverse("public:case-status")
    # given three look-ups served by this worker's cache client
    for i in range(3):
        assert client.post(url, {"number": f"RC{i}", "code": "0" * 10}).status_code == 404
    # when the next comes through a worker with a cache client of its own on the same Redis
    other = RedisCache(REDIS_URL, {"KEY_PREFIX": redis_cache})
    setattr(caches._connections, "default", other)  # this thread's "default": the other client
    try:
        response = client.post(url, {"number": "RC9", "code": "0" * 10})
    finally:
        delattr(caches._connections, "default")
    # then it is refused: the count lives in Redis, not in either client
    assert response.status_code == 429


@pytest.mark.parametrize("command", ["axes_reset_username bob", "axes_reset_ip 10.0.0.1"])
def test_an_administrator_unlocks_a_redis_lockout_by_name_or_address(
    client, make_user, redis_cache, command
):
    from django.core.management import call_command

    make_user("finance_officer", username="bob")
    login = reverse("login")
    for _i in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "bob", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    right = {"username": "bob", "password": "pw-Testing-123"}
    assert client.post(login, right, REMOTE_ADDR="10.0.0.1").status_code == 429
    # when the administrator unlocks by user name alone, or by address alone
    call_command(*command.split())
    # then the right password logs in again
    assert client.post(login, right, REMOTE_ADDR="10.0.0.1").status_code == 302
