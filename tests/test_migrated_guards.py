"""A database migrated from zero holds exactly the guards the guard modules hold today.

Migrations run the SQL frozen beside them (``<app>/migrations/sql``), never today's guard code,
so a guard module changed without a new migration leaves migrated databases behind: this test
fails then. It migrates an empty database (a fresh SQLite file; a fresh PostgreSQL database next
to the test one) with ``manage.py migrate`` in a subprocess, as a deployment does, and compares
what it holds with the guard modules as ``verify_ledger`` does (``common.dbguards.guard_findings``:
every trigger on its table, enabled, with the definition its module writes; every function with
its module's body) and with what installing every registered guard set over it leaves
(``common.dbguards.catalog`` and ``pg_get_functiondef``); then migrates it back to zero, which
must leave none of them behind.

The fix for a failure: a new migration running the changed sets' SQL frozen in its own files
(see ``ledger/migrations/0009_*``).
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections

from common.dbguards import all_guard_sets, catalog, database_objects, guard_findings

ROOT = Path(settings.BASE_DIR)


def migrate(database_url: str, *target: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run(  # noqa: S603 - our own manage.py, no user input
        [sys.executable, "manage.py", "migrate", *target, "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )


def migrate_back_to_zero(database_url: str) -> None:
    """The apps with guards, top first: each migration's reverse drops what it installed."""
    for app in ("disbursement", "approvals", "ledger"):
        migrate(database_url, app, "zero")


def definitions(conn) -> dict[str, str]:
    """Every trigger and function of ours in the database, with its definition (triggers as
    ``verify_ledger`` reads them; functions whole, attributes included)."""
    triggers, _bodies = catalog(conn)
    found = {name: repr(state) for name, state in triggers.items()}
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT p.proname || '()', pg_get_functiondef(p.oid) FROM pg_proc p"
                " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
            )
            found.update(cursor.fetchall())
    return found


def expected_names(conn) -> set[str]:
    return set().union(*(s.expected(conn) for s in all_guard_sets()))


def check_migrated(conn) -> None:
    # given a database migrated from zero: it holds exactly the registered names...
    migrated = definitions(conn)
    assert set(migrated) == expected_names(conn)
    triggers, functions = database_objects(conn)
    assert len(triggers) + len(functions) == len(migrated)
    # ...each as its guard module writes it, enabled, on its table (verify_ledger's comparison)
    expected, findings = guard_findings(conn, all_guard_sets())
    assert findings == []
    assert expected == len(migrated)
    # ...and when every registered set is installed over it, nothing changes
    for guard_set in all_guard_sets():
        guard_set.install(conn)
    current = definitions(conn)
    changed = sorted(name for name in current if current[name] != migrated.get(name))
    assert not changed, f"guard SQL changed without a migration: {changed}"
    assert set(current) == set(migrated)


def wrapper(settings_dict: dict, alias: str):
    """A connection of the test's engine to another database (not in settings.DATABASES)."""
    default = connections["default"]
    return default.__class__({**default.settings_dict, **settings_dict}, alias)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite half runs on SQLite")
def test_an_empty_sqlite_database_migrated_from_zero_has_todays_guards(tmp_path, django_db_blocker):
    path = tmp_path / "zero.sqlite3"
    url = f"sqlite:///{path}"
    migrate(url)
    with django_db_blocker.unblock():
        conn = wrapper({"NAME": str(path)}, "zero")
        try:
            check_migrated(conn)
            # and migrated back to zero, nothing of them is left
            conn.close()
            migrate_back_to_zero(url)
            assert definitions(conn) == {}
        finally:
            conn.close()


@pytest.mark.postgres
def test_an_empty_postgresql_database_migrated_from_zero_has_todays_guards(django_db_blocker):
    own = connection.settings_dict
    name = f"{own['NAME']}_zero"
    with django_db_blocker.unblock():
        admin = wrapper({"NAME": "postgres"}, "zero_admin")
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
            auth = quote(own["USER"] or "", safe="")
            if own.get("PASSWORD"):
                auth += ":" + quote(own["PASSWORD"], safe="")
            url = f"postgres://{auth}@{own['HOST'] or '127.0.0.1'}:{own['PORT'] or 5432}/{name}"
            migrate(url)
            conn = wrapper({"NAME": name}, "zero")
            try:
                check_migrated(conn)
                # and migrated back to zero, nothing of them is left
                conn.close()
                migrate_back_to_zero(url)
                assert definitions(conn) == {}
            finally:
                conn.close()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()
