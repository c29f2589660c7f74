"""Every app's database guards are in one registry, and ``verify_ledger`` checks all of them.

The guard sets come from ``common.dbguards.all_guard_sets()`` (each app registers its own in
``AppConfig.ready``); a trigger of the cases or the payouts dropped underneath is reported by
name, as a ledger one is. Runs on both engines (each test names the engine's own trigger).
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import translation

from common.dbguards import FUNCTION, GUARD, all_guard_sets

# One trigger per app that is not the ledger, per engine: what the tests drop underneath.
OTHER_APPS = {
    "approvals.region": {
        "postgresql": "approvals_region_guard",
        "sqlite": "approvals_region_parent_insert",
    },
    "disbursement.payoutbatch": {
        "postgresql": "disbursement_batch_guard",
        "sqlite": "disbursement_batch_upd",
    },
}


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


def sets_by_name():
    return {s.name: s for s in all_guard_sets()}


def verify_json() -> tuple[int, dict]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_ledger", "--json", stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, json.loads(out.getvalue())
    return 0, json.loads(out.getvalue())


def test_every_app_registers_its_guard_sets():
    names = set(sets_by_name())
    prefixes = {name.split(".")[0] for name in names}
    assert prefixes == {"ledger", "approvals", "disbursement"}
    assert {"ledger.journalentry", "ledger.collection.receipt", *OTHER_APPS} <= names
    assert [s.name for s in all_guard_sets(FUNCTION)] == ["ledger.post_entry", "ledger.analyze"]
    assert "ledger.post_entry" not in {s.name for s in all_guard_sets(GUARD)}


def test_trigger_and_function_names_are_unique_across_sets():
    for vendor in ("postgresql", "sqlite"):
        seen: dict[str, str] = {}
        for guard_set in all_guard_sets():
            for name in [*guard_set.triggers.get(vendor, {}), *guard_set.functions.get(vendor, ())]:
                assert name not in seen, f"{name} in {seen.get(name)} and {guard_set.name}"
                seen[name] = guard_set.name


def test_every_registered_set_is_installed(db):
    for guard_set in all_guard_sets():
        assert guard_set.expected(connection) == guard_set.installed(connection), guard_set.name


def test_verify_counts_the_guards_of_every_app(db):
    # given every set installed
    expected = set().union(*(s.expected(connection) for s in all_guard_sets()))
    # when the books are verified
    status, report = verify_json()
    # then every app's triggers and functions are counted, and all are there
    assert status == 0
    assert report["guards_expected"] == report["guards_installed"] == len(expected)
    ledger_only = set().union(
        *(s.expected(connection) for s in all_guard_sets() if s.name.startswith("ledger."))
    )
    assert report["guards_expected"] > len(ledger_only)


@pytest.mark.owner  # drops a trigger: the tables' owner's (tests/conftest.py)
@pytest.mark.parametrize("set_name", sorted(OTHER_APPS))
def test_verify_fails_and_names_a_dropped_trigger_of_another_app(db, set_name):
    guard_set = sets_by_name()[set_name]
    trigger = OTHER_APPS[set_name][connection.vendor]
    with transaction.atomic():
        # given one trigger of the cases or the payouts dropped underneath
        guard_set.drop(connection, [trigger])
        assert trigger not in guard_set.installed(connection)
        # when the books are verified
        status, report = verify_json()
        transaction.set_rollback(True)
    # then the command fails and names the trigger
    assert status == 1
    assert report["guards_installed"] == report["guards_expected"] - 1
    missing = [p for p in report["problems"] if p["kind"] == "guard_missing"]
    assert len(missing) == 1 and trigger in missing[0]["message"]
    # and the rollback put it back
    assert guard_set.expected(connection) == guard_set.installed(connection)


@pytest.mark.postgres
@pytest.mark.owner
def test_verify_fails_when_the_posting_function_is_gone(db):
    post_entry = sets_by_name()["ledger.post_entry"]
    with transaction.atomic():
        post_entry.drop(connection)
        status, report = verify_json()
        transaction.set_rollback(True)
    assert status == 1
    assert any("ledger_post_entry()" in p["message"] for p in report["problems"])
    assert post_entry.expected(connection) == post_entry.installed(connection)
