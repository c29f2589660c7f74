"""Shared fixtures. Tests marked ``postgres`` need PostgreSQL and run in CI's PostgreSQL pass
(``DATABASE_URL=postgres://...``); on SQLite they are reported as skipped with that reason.

With ``TEST_APP_ROLE=<role>`` on PostgreSQL the tests run as the application does in production:
pytest-django creates and migrates the test database as the owner (the ``DATABASE_URL`` user),
then ``fundapp.dbroles`` grants the role what the app needs and every connection to the test
database does ``SET ROLE <role>``, a role that owns nothing and cannot disable, drop or replace
a guard. Tests marked ``owner`` (they tamper underneath: drop or disable guards, DDL) run as the
owner, and so does the flush after a transactional test (TRUNCATE is not granted to the app)."""

import os
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection

# The test files that take longest (a minute or more on PostgreSQL: migrations from zero,
# backups and restores, repeated races, real worker processes, the demo county), run first. With
# pytest-xdist (`make test` runs two workers, a file at a time, in this order) one that started
# last would keep its worker busy while the other sat idle. The order changes nothing else: each
# test still gets its own fixtures and a database as the migrations left it.
SLOW_FILES_FIRST = (
    "tests/test_migrated_guards.py",
    "tests/disbursement/test_results_race.py",
    "tests/fundapp/test_backups.py",
    "tests/fundapp/test_demo.py",
    "tests/fundapp/test_settings.py",
    "tests/disbursement/test_job_worker_kill.py",
    "tests/disbursement/test_crash_safety.py",
    "tests/ledger/test_concurrency.py",
    "tests/e2e/test_browser.py",
    "tests/ledger/test_properties.py",
)


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    first = {path: rank for rank, path in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::", 1)[0], len(first)))
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: CI runs it with DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher spends ~0.7 s per password on purpose; with it the suite took 3.7
    # minutes instead of 1.5. No test here measures hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_holiday_schedule():
    """The administrator's holiday schedule is cached per process (common.workdays): a test's
    rolled-back schedule must not count in the next test."""
    from common import workdays

    workdays.clear_schedule_cache()
    yield
    workdays.clear_schedule_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every throttle, look-up limit and login lockout counts in the default cache, which is
    shared (Redis) when CACHE_URL/REDIS_URL is set: each test starts and ends with it empty, so
    one test's attempts never count in another's. (The Redis tests use their own database
    index, tests/fundapp/test_shared_cache.py.)"""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _project_celery_app_stays_current():
    """A test that makes a Celery app of its own (a client sending tasks to a real worker) makes
    it Celery's current app, and every later ``.delay()`` in that process then went to that
    client's broker instead of running in-process: jobs stayed ``queued``. Only the order of the
    files hid it (pytest-xdist's order showed it). Put the project's app back after each test."""
    yield
    from celery import _state

    from fundapp.celery import app

    if _state.get_current_app() is not app:
        app.set_current()


@pytest.fixture
def make_user(db, django_user_model):
    """make_user("finance_officer", username="amy") -> a user in that role group."""

    def make(*roles, username=None, **extra):
        make.counter += 1
        user = django_user_model.objects.create_user(
            username=username or f"user{make.counter}", password="pw-Testing-123", **extra
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    make.counter = 0
    return make


@pytest.fixture
def officer(make_user):
    return make_user("finance_officer", username="officer")


@pytest.fixture
def supervisor(make_user):
    return make_user("finance_supervisor", username="supervisor")


@pytest.fixture
def auditor(make_user):
    return make_user("auditor", username="auditor")


@pytest.fixture
def vendor():
    return connection.vendor


# --------------------------------------------------------------------------------------------
# Transactional tests (threads, live server). Django empties every table after them: with a
# DELETE on SQLite, which the append-only guards refuse, and with a TRUNCATE on PostgreSQL,
# which also removes what the migrations loaded (default books, chain head, role groups).
# So on SQLite the guards (every registered guard set of every app) are lifted for exactly that
# flush and put back at once, and any test that finds the migration data gone gets it back
# before it starts.
# --------------------------------------------------------------------------------------------
def _guard_sets():
    from common.dbguards import GUARD, all_guard_sets

    return all_guard_sets(GUARD)


def pytest_configure(config):
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    if getattr(original, "_lifts_guards", False):
        return

    def _fixture_teardown(self):
        from django.db import connections

        # The flush (TRUNCATE on PostgreSQL) is the owner's: the app role has no TRUNCATE.
        with as_owner():
            _teardown(self, connections)

    def _teardown(self, connections):
        lifted = []
        for alias in self._databases_names(include_mirrors=False):
            conn = connections[alias]
            if conn.vendor == "sqlite":
                for guard_set in _guard_sets():
                    guard_set.drop(conn)
                lifted.append(conn)
        try:
            original(self)
        finally:
            for conn in lifted:
                for guard_set in _guard_sets():
                    guard_set.install(conn)

    _fixture_teardown._lifts_guards = True
    TransactionTestCase._fixture_teardown = _fixture_teardown


# --------------------------------------------------------------------------------------------
# TEST_APP_ROLE: the suite as the application's role (see the module docstring)
# --------------------------------------------------------------------------------------------
APP_ROLE = os.environ.get("TEST_APP_ROLE", "").strip()
_owner = threading.local()
_owner_everywhere = {"on": False}  # an ``owner`` test: its threads' connections too


def _app_role_connections():
    from django.db import connections

    return [c for c in connections.all(initialized_only=True) if c.vendor == "postgresql"]


def _set_role(conn) -> None:
    if conn.connection is None or conn.settings_dict["NAME"] != _app_role_state.get("database"):
        return
    # On the driver's connection: no Django access check (fixtures run outside a test's access)
    # and no query logging. Done at session level, outside any transaction where it can.
    with conn.connection.cursor() as cursor:
        if _owner_everywhere["on"] or getattr(_owner, "depth", 0):
            cursor.execute("RESET ROLE")
        else:
            cursor.execute(f"SET ROLE {conn.ops.quote_name(APP_ROLE)}")


_app_role_state: dict = {}


def _on_connection_created(sender, connection, **kwargs):
    _set_role(connection)


class as_owner:  # noqa: N801 - a context manager used like a function
    """Run the block as the tables' owner when the suite runs as the app role (else nothing)."""

    def __enter__(self):
        if _app_role_state.get("database"):
            _owner.depth = getattr(_owner, "depth", 0) + 1
            for conn in _app_role_connections():
                _set_role(conn)
        return self

    def __exit__(self, *exc):
        if _app_role_state.get("database"):
            _owner.depth -= 1
            for conn in _app_role_connections():
                if conn.connection is not None and not conn.needs_rollback:
                    try:
                        _set_role(conn)
                    except Exception:  # noqa: BLE001 - a broken connection: the next use reconnects
                        conn.close()
        return False


def _create_app_role(connection) -> None:
    """Create the app role unless it exists. Roles belong to the whole server, not to one
    database: with pytest-xdist every worker has a test database of its own, and two of them may
    both find the role missing and create it at the same moment; the later one is refused and
    then finds it there."""
    from django.db import DatabaseError

    from fundapp import dbroles

    if dbroles.role_exists(connection, APP_ROLE):
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(dbroles.create_role_statement(connection, APP_ROLE, login=False))
    except DatabaseError:
        if not dbroles.role_exists(connection, APP_ROLE):
            raise


@pytest.fixture(scope="session", autouse=True)
def _app_role(request):
    """With TEST_APP_ROLE on PostgreSQL: grant the role, then connect as it (see the docstring)."""
    if not APP_ROLE:
        yield
        return
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        yield
        return
    # Whatever the first test needs: the role holds for the whole session.
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    from django.db import connection
    from django.db.backends.signals import connection_created

    from fundapp import dbroles

    with blocker.unblock():
        _create_app_role(connection)
        with connection.cursor() as cursor:
            for statement in dbroles.grant_statements(connection, APP_ROLE):
                cursor.execute(statement)
        problems = dbroles.app_role_problems(connection, APP_ROLE)
        assert not problems, problems
        _app_role_state["database"] = connection.settings_dict["NAME"]
        connection_created.connect(_on_connection_created, dispatch_uid="test-app-role")
        for conn in _app_role_connections():
            _set_role(conn)
    yield
    connection_created.disconnect(dispatch_uid="test-app-role")
    _app_role_state.clear()
    with blocker.unblock():
        for conn in _app_role_connections():
            if conn.connection is not None:
                with conn.cursor() as cursor:
                    cursor.execute("RESET ROLE")


@pytest.fixture(autouse=True)
def _owner_marked(request, _app_role):
    """Tests marked ``owner`` run as the tables' owner (their threads too)."""
    if request.node.get_closest_marker("owner") is None or not _app_role_state:
        yield
        return
    owner = as_owner()
    _owner_everywhere["on"] = True
    owner.__enter__()
    try:
        yield
    finally:
        _owner_everywhere["on"] = False
        owner.__exit__(None, None, None)


@pytest.fixture
def app_role() -> str:
    """The role the suite runs as (TEST_APP_ROLE), or "" when it runs as the owner."""
    return APP_ROLE if _app_role_state else ""


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Put back the default books, chain head and roles if a transactional test's flush took them."""
    if "django_db_setup" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("django_db_setup")
    from django.db.utils import OperationalError, ProgrammingError

    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        from ledger.models import ChainHead

        try:
            missing = not ChainHead.objects.filter(pk=1).exists()
        except (OperationalError, ProgrammingError):  # pragma: no cover - database not ready
            missing = False
        if missing:
            from fundapp.roles import ensure_roles
            from ledger.books import ensure_default_books
            from ledger.models import Account, Fund

            ensure_default_books(Account, Fund)
            ChainHead.objects.get_or_create(pk=1)
            ensure_roles()
    yield
