"""The application's database role owns nothing, so it cannot take the guards out of play
(issue 12, point 2; ``fundapp.dbroles``, ``manage.py grant_app_role``, docs/operations.md).

Under a role made by ``grant_app_role`` (PostgreSQL: ``SET LOCAL ROLE`` inside the test's
transaction, which is rolled back with the role and its grants) ``ALTER TABLE ledger_journalline
DISABLE TRIGGER USER`` and every other way round a guard is refused, while posting, paying and
verifying work as they do for the application. CI also runs the whole PostgreSQL suite as such a
role (``TEST_APP_ROLE``, tests/conftest.py); the last test says which role this run uses.
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from fundapp.dbroles import app_role_problems
from ledger import chart, services
from ledger.services import LineSpec
from ledger.verification import verify_ledger
from tests.ledger.factories import cny, four_eyes, four_eyes_ids

ROLE = "fundapp_test_grantee"
DAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def refused(sql: str, says: str) -> None:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        run(sql)
    assert says in str(caught.value)


@pytest.fixture
def granted(db):
    """The role created and granted by the command, then taken on for the rest of the test."""
    out = StringIO()
    call_command("grant_app_role", "--role", ROLE, "--create", stdout=out)
    assert "owns nothing" in out.getvalue()
    assert app_role_problems(connection, ROLE) == []
    run(f"SET LOCAL ROLE {ROLE}")
    yield ROLE


def bank_in(amount: str, key: str):
    money = cny(amount)
    return services.journal_post(
        date=DAY,
        lines=[
            LineSpec(chart.BANK, "RELIEF", "D", money),
            LineSpec(chart.RESTRICTED_NET_ASSETS, "RELIEF", "C", money),
        ],
        idempotency_key=key,
        actor=None,
        **four_eyes(),
    )


@pytest.mark.postgres
@pytest.mark.owner
def test_the_app_role_cannot_disable_drop_or_replace_a_guard(granted):
    run("SELECT 1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == ROLE
    # the issue's own step, and every other way round a guard, are refused
    refused("ALTER TABLE ledger_journalline DISABLE TRIGGER USER", "must be owner")
    refused("ALTER TABLE ledger_journalline DISABLE TRIGGER ledger_line_guard", "must be owner")
    refused("DROP TRIGGER ledger_line_guard ON ledger_journalline", "must be owner")
    refused(
        "CREATE OR REPLACE FUNCTION ledger_line_guard() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NEW; END $$",
        "permission denied",
    )
    refused(
        "CREATE TRIGGER zz BEFORE UPDATE ON ledger_journalline FOR EACH ROW"
        " EXECUTE FUNCTION ledger_line_guard()",
        "permission denied",
    )
    refused("TRUNCATE ledger_auditevent", "permission denied")
    refused("SET session_replication_role = replica", "permission denied")


@pytest.mark.postgres
@pytest.mark.owner
def test_the_app_role_posts_and_verifies(granted):
    # given money in, by the posting function (a single entry) and by a batch
    bank_in("500.00", "in-1")
    services.journal_post_many(
        entries=[
            services.EntrySpec(
                date=DAY,
                lines=[
                    LineSpec(chart.BANK, "RELIEF", "D", cny("100.00")),
                    LineSpec(chart.RESTRICTED_NET_ASSETS, "RELIEF", "C", cny("100.00")),
                ],
                idempotency_key=f"in-batch-{n}",
                **four_eyes_ids(),
            )
            for n in range(2)
        ],
        actor=None,
    )
    # when money is spent and a manual entry reversed, then it all posts as the app role
    spent = services.journal_post(
        date=DAY,
        lines=[
            LineSpec(chart.BANK_CHARGES, "RELIEF", "D", cny("12.00")),
            LineSpec(chart.BANK, "RELIEF", "C", cny("12.00")),
        ],
        idempotency_key="spend",
        actor=None,
        source="fee",
    )
    assert spent.is_posted
    entry = bank_in("5.00", "in-2")
    assert services.journal_reverse(entry=entry, actor=None, date=DAY, **four_eyes()).is_posted
    # and the books verify clean, guards included, read as the app role
    report = verify_ledger()
    assert report.ok, report.problems
    assert report.guards_intact == report.guards_expected > 0


@pytest.mark.postgres
@pytest.mark.owner
def test_the_check_names_what_would_let_a_role_round_the_guards(granted):
    run("RESET ROLE")
    run(f"GRANT TRUNCATE ON ledger_auditevent TO {ROLE}")
    run(f"ALTER TABLE approvals_casehistory OWNER TO {ROLE}")
    problems = app_role_problems(connection, ROLE)
    loose = next(p for p in problems if "may TRUNCATE or add triggers to" in p)
    assert "ledger_auditevent" in loose.split(", ") or loose.endswith("ledger_auditevent")
    owned = next(p for p in problems if "owns (or is a member of the owner of)" in p)
    assert "approvals_casehistory" in owned
    with pytest.raises(CommandError, match="can still get round the database guards"):
        call_command("grant_app_role", "--role", ROLE, stdout=StringIO())


@pytest.mark.postgres
@pytest.mark.owner
def test_the_command_refuses_the_owner_a_bad_name_and_a_missing_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="the tables' owner"):
        call_command("grant_app_role", "--role", owner)
    with pytest.raises(CommandError, match="not a usable role name"):
        call_command("grant_app_role", "--role", 'x"; DROP TABLE ledger_journalline; --')
    with pytest.raises(CommandError, match="does not exist: create it"):
        call_command("grant_app_role", "--role", "fundapp_no_such_role")
    out = StringIO()
    call_command("grant_app_role", "--role", ROLE, "--create", "--print", stdout=out)
    printed = out.getvalue()
    assert printed.startswith(f'CREATE ROLE "{ROLE}" NOLOGIN NOSUPERUSER')
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "{ROLE}"' in (
        printed
    )
    assert "TRUNCATE" not in printed.replace("REVOKE TRUNCATE", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        assert cursor.fetchone() is None  # --print changed nothing


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite half runs on SQLite")
def test_the_command_says_sqlite_has_no_roles(db):
    with pytest.raises(CommandError, match="a SQLite database has no roles"):
        call_command("grant_app_role", "--role", ROLE)


def test_this_run_connects_as_the_role_it_says(db, app_role):
    """CI's PostgreSQL pass runs as the app role (TEST_APP_ROLE): then the suite's own
    connection cannot disable a guard; otherwise it is the tables' owner (or SQLite)."""
    if connection.vendor == "sqlite":
        assert app_role == ""
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c"
            " WHERE c.relname = 'ledger_journalline' AND pg_table_is_visible(c.oid)"
        )
        user, owns = cursor.fetchone()
    if app_role:
        assert (user, owns) == (app_role, False)
        refused("ALTER TABLE ledger_journalline DISABLE TRIGGER USER", "must be owner")
    else:
        assert owns is True
