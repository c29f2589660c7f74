"""Shared fixtures. Tests marked ``postgres`` need PostgreSQL and run in CI's PostgreSQL pass
(``DATABASE_URL=postgres://...``); on SQLite they are reported as skipped with that reason."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

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
