"""``verify_ledger`` sees a guard taken out of play without being dropped, for every app's guards.

A guard is as good as gone when it is disabled (``ALTER TABLE ... DISABLE TRIGGER``: PostgreSQL),
when its function is replaced by one that does nothing (PostgreSQL), or when the trigger is
re-created with a condition that never holds (``WHEN (false)`` / SQLite ``WHEN 0``). Each is
reported with its own code (``guard_disabled``, ``guard_altered``; ``guard_missing`` when it is
gone, ``guard_unexpected`` for a trigger no set names), naming the trigger or function, for a
guard of the ledger, of money in, of cases and of payouts. DDL is transactional on both engines:
each test does its damage in a transaction that is rolled back, and checks the guard is back.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import translation

from common.dbguards import (
    all_guard_sets,
    catalog,
    guard_findings,
    normalise_pg_trigger,
    normalise_sqlite,
)
from ledger.models import JournalLine

from .ledger.factories import explained, transfer

# Tampering underneath (guards dropped, disabled or silenced) is the tables' owner's: with
# TEST_APP_ROLE these tests run as the owner (tests/conftest.py).
pytestmark = pytest.mark.owner

DAY = date(2025, 3, 10)

# One row trigger per app (and per table guarded since issue 12), per engine (on PostgreSQL one
# without a WHEN clause): (guard set, trigger, its table, and on PostgreSQL its function).
GUARDS = {
    "ledger": {
        "postgresql": ("ledger.journalline", "ledger_line_guard", "ledger_journalline"),
        "sqlite": ("ledger.journalline", "ledger_line_no_update", "ledger_journalline"),
    },
    "money in": {
        "postgresql": ("ledger.collection.receipt", "collection_receipt_guard", "ledger_receipt"),
        "sqlite": ("ledger.collection.receipt", "collection_receipt_no_delete", "ledger_receipt"),
    },
    "cases": {
        "postgresql": ("approvals.region", "approvals_region_guard", "approvals_region"),
        "sqlite": (
            "approvals.append_only",
            "approvals_casehistory_no_update",
            "approvals_casehistory",
        ),
    },
    "awards": {
        "postgresql": ("approvals.award", "approvals_award_guard", "approvals_case"),
        "sqlite": ("approvals.award", "approvals_award_frozen", "approvals_case"),
    },
    "reservations": {
        "postgresql": (
            "approvals.reservation",
            "approvals_reservation_guard",
            "approvals_reservation",
        ),
        "sqlite": (
            "approvals.reservation",
            "approvals_reservation_no_delete",
            "approvals_reservation",
        ),
    },
    "payouts": {
        "postgresql": (
            "disbursement.payoutbatch",
            "disbursement_batch_guard",
            "disbursement_payoutbatch",
        ),
        "sqlite": (
            "disbursement.entitlement",
            "disbursement_entitlement_upd",
            "disbursement_entitlement",
        ),
    },
}
APPS = sorted(GUARDS)


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


def verify_json() -> tuple[int, dict]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_ledger", "--json", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, json.loads(out.getvalue())
    return 0, json.loads(out.getvalue())


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def function_of(trigger: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE t.tgname = %s",
            [trigger],
        )
        return cursor.fetchone()[0]


def intact() -> bool:
    return guard_findings(connection, all_guard_sets())[1] == []


@contextmanager
def damage():
    """A transaction rolled back after the block; every guard is back afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
    assert intact()


def neuter_function(name: str) -> None:
    raw(
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN RETURN NEW; END $$"
    )


def recreate_never_firing(trigger: str, table: str) -> None:
    """Drop the trigger and create it again as it was, with a condition that never holds."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t"
                " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s AND c.relname = %s",
                [trigger, table],
            )
            definition = cursor.fetchone()[0]
            cursor.execute(f"DROP TRIGGER {trigger} ON {table}")
            cursor.execute(
                definition.replace(" EXECUTE FUNCTION ", " WHEN (false) EXECUTE FUNCTION ")
            )
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger]
            )
            definition = cursor.fetchone()[0]
            cursor.execute(f"DROP TRIGGER {trigger}")
            head, body = re.split(r"\bBEGIN\b", definition, maxsplit=1)
            if re.search(r"\bWHEN\b", head):
                head = re.sub(r"\bWHEN\b(.*)$", r"WHEN 0 AND (\1) ", head, count=1, flags=re.S)
            else:
                head += "WHEN 0 "
            cursor.execute(f"{head}BEGIN{body}")


def problems_of(report: dict, kind: str) -> list[dict]:
    return [p for p in report["problems"] if p["kind"] == kind]


# --------------------------------------------------------------------------------------------
# clean
# --------------------------------------------------------------------------------------------
def test_every_guard_of_every_app_is_installed_enabled_and_as_written(db):
    # given a migrated database
    expected, findings = guard_findings(connection, all_guard_sets())
    # then nothing is amiss, and the books say so with the count of every app's guards
    assert findings == []
    status, report = verify_json()
    assert status == 0
    assert report["guards_expected"] == report["guards_installed"] == expected
    assert report["guards_intact"] == expected
    names = set().union(*(s.expected(connection) for s in all_guard_sets()))
    assert expected == len(names)


def test_the_command_prints_how_many_guards_are_intact(db):
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    expected, _findings = guard_findings(connection, all_guard_sets())
    assert re.search(
        rf"database guards enabled and unaltered\s+{expected}/{expected}", out.getvalue()
    )


# --------------------------------------------------------------------------------------------
# missing, disabled, altered: one guard of each app
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("app", APPS)
def test_a_dropped_guard_is_missing(db, app):
    guard_set, trigger, table = GUARDS[app][connection.vendor]
    with damage():
        # given the trigger dropped underneath
        raw(
            f"DROP TRIGGER {trigger} ON {table}"
            if connection.vendor == "postgresql"
            else f"DROP TRIGGER {trigger}"
        )
        # when the books are verified
        status, report = verify_json()
    # then it is reported missing, by name, and nothing else is
    assert status == 1
    assert [p["document"] for p in report["problems"]] == [trigger]
    assert problems_of(report, "guard_missing")[0]["message"].startswith(
        f"database guard {trigger} ({guard_set}) is not installed on table {table}"
    )
    assert report["guards_installed"] == report["guards_expected"] - 1


@pytest.mark.postgres
@pytest.mark.parametrize("app", APPS)
def test_a_disabled_guard_is_reported_disabled(db, app):
    guard_set, trigger, table = GUARDS[app]["postgresql"]
    with damage():
        # given the trigger disabled (it stays in place: a name check sees nothing)
        raw(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        status, report = verify_json()
    # then it is reported disabled, by name, and counted as installed but not intact
    assert status == 1
    found = problems_of(report, "guard_disabled")
    assert (
        [p["document"] for p in found] == [trigger] == [p["document"] for p in report["problems"]]
    )
    assert f"{trigger} ({guard_set}) on table {table} is disabled" in found[0]["message"]
    assert report["guards_installed"] == report["guards_expected"]
    assert report["guards_intact"] == report["guards_expected"] - 1


@pytest.mark.postgres
@pytest.mark.parametrize("app", APPS)
def test_a_guard_function_replaced_by_a_no_op_is_reported_altered(db, app):
    guard_set, trigger, _table = GUARDS[app]["postgresql"]
    function = function_of(trigger)
    with damage():
        # given the trigger's function replaced by one that lets everything through
        neuter_function(function)
        status, report = verify_json()
    # then the function is reported altered
    assert status == 1
    found = problems_of(report, "guard_altered")
    assert [p["document"] for p in found] == [f"{function}()"]
    assert (
        f"database guard {function}() ({guard_set}) is not what its guard module installs"
        in (found[0]["message"])
    )


@pytest.mark.parametrize("app", APPS)
def test_a_trigger_recreated_never_to_fire_is_reported_altered(db, app):
    guard_set, trigger, table = GUARDS[app][connection.vendor]
    with damage():
        # given the trigger re-created as it was, with WHEN (false) / WHEN 0
        recreate_never_firing(trigger, table)
        assert trigger in catalog(connection)[0]
        status, report = verify_json()
    # then it is reported altered (a name check would see it installed)
    assert status == 1
    assert report["guards_installed"] == report["guards_expected"]
    found = problems_of(report, "guard_altered")
    assert (
        [p["document"] for p in found] == [trigger] == [p["document"] for p in report["problems"]]
    )


# --------------------------------------------------------------------------------------------
# the tampering: the guards off, a posted line raised, verify_ledger said OK
# --------------------------------------------------------------------------------------------
@pytest.fixture
def posted(db):
    entries = [
        transfer("1001", "3101", "1000.00", day=DAY, key="donation"),
        transfer("1002", "1001", "800.00", day=DAY, key="deposit"),
        transfer("5101", "2201", "300.00", day=DAY, key="award"),
    ]
    with explained(*entries):
        yield entries[-1].lines.get(account__code="5101")


def raise_line(line: JournalLine) -> None:
    raw("UPDATE ledger_journalline SET amount = amount * 10 WHERE id = %s", [line.pk])


@pytest.mark.postgres
def test_disable_trigger_user_lets_a_line_change_and_verify_ledger_says_so(posted):
    with damage():
        # given every trigger of the lines disabled, as the tables' owner can
        raw("ALTER TABLE ledger_journalline DISABLE TRIGGER USER")
        # when a posted line's amount is raised
        raise_line(posted)
        status, report = verify_json()
    # then the command fails, naming both of the lines' guards as disabled, and the drift
    assert status == 1
    assert {p["document"] for p in problems_of(report, "guard_disabled")} == {
        "ledger_line_guard",
        "ledger_line_insert_check",
    }
    assert problems_of(report, "entry_unbalanced")


@pytest.mark.postgres
def test_disable_trigger_all_reports_the_foreign_keys_too(posted):
    with damage():
        raw("ALTER TABLE ledger_journalline DISABLE TRIGGER ALL")
        status, report = verify_json()
    assert status == 1
    disabled = problems_of(report, "guard_disabled")
    assert {"ledger_line_guard", "ledger_line_insert_check"} <= {p["document"] for p in disabled}
    constraints = [p for p in disabled if "the triggers of constraint" in p["message"]]
    assert constraints and all("ledger_journalline" in p["message"] for p in constraints)


def test_a_neutered_line_guard_lets_a_line_change_and_verify_ledger_says_so(posted):
    vendor = connection.vendor
    with damage():
        # given the lines' update guard neutered: a no-op function / WHEN 0
        if vendor == "postgresql":
            neuter_function("ledger_line_guard")
            altered = "ledger_line_guard()"
        else:
            recreate_never_firing("ledger_line_no_update", "ledger_journalline")
            altered = "ledger_line_no_update"
        # when a posted line's amount is raised (the database no longer refuses it)
        raise_line(posted)
        status, report = verify_json()
    # then the command fails, naming the altered guard, and the drift
    assert status == 1
    assert [p["document"] for p in problems_of(report, "guard_altered")] == [altered]
    assert problems_of(report, "entry_unbalanced")


def test_an_unknown_trigger_on_a_guarded_table_is_reported(db):
    with damage():
        # given a trigger of nobody's on the lines, one that could rewrite what they hold
        if connection.vendor == "postgresql":
            raw(
                "CREATE FUNCTION zz_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RETURN NEW; END $$"
            )
            raw(
                "CREATE TRIGGER zz_rewrite BEFORE INSERT ON ledger_journalline"
                " FOR EACH ROW EXECUTE FUNCTION zz_rewrite()"
            )
        else:
            raw("CREATE TRIGGER zz_rewrite AFTER INSERT ON ledger_journalline BEGIN SELECT 1; END")
        status, report = verify_json()
    assert status == 1
    found = problems_of(report, "guard_unexpected")
    assert [p["document"] for p in found] == ["zz_rewrite"]
    assert "on table ledger_journalline belongs to no guard set" in found[0]["message"]


# --------------------------------------------------------------------------------------------
# the normalisation shared with the migration test
# --------------------------------------------------------------------------------------------
def test_a_module_trigger_and_its_deparsed_form_normalise_alike():
    written = """CREATE TRIGGER ledger_entry_guard BEFORE UPDATE OR DELETE ON ledger_journalentry
       FOR EACH ROW WHEN (OLD.status = 'posted' OR NEW.id IS DISTINCT FROM OLD.id)
       EXECUTE FUNCTION ledger_entry_guard();"""
    deparsed = (
        "CREATE TRIGGER ledger_entry_guard BEFORE DELETE OR UPDATE ON public.ledger_journalentry"
        " FOR EACH ROW WHEN ((((old.status)::text = 'posted'::text) OR"
        " (new.id IS DISTINCT FROM old.id))) EXECUTE FUNCTION ledger_entry_guard()"
    )
    assert normalise_pg_trigger(written) == normalise_pg_trigger(deparsed)
    # a changed literal, event or condition is not normalised away
    assert normalise_pg_trigger(written) != normalise_pg_trigger(
        written.replace("'posted'", "'POSTED'")
    )
    assert normalise_pg_trigger(written) != normalise_pg_trigger(written.replace("OR DELETE ", ""))
    assert normalise_pg_trigger(written) != normalise_pg_trigger(
        written.replace("WHEN (", "WHEN (false AND ")
    )


def test_sqlite_triggers_normalise_whitespace_only():
    written = "\nCREATE TRIGGER t BEFORE UPDATE ON x\nBEGIN SELECT RAISE(ABORT, 'no'); END;"
    assert (
        normalise_sqlite(written)
        == "CREATE TRIGGER t BEFORE UPDATE ON x BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    assert normalise_sqlite(written) != normalise_sqlite(written.replace("BEGIN", "WHEN 0 BEGIN"))
