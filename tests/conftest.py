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
