"""``verify_ledger`` finds every kind of tampering underneath the guards.

Each test drops only the guard that would refuse its tampering (DDL is transactional on SQLite and
PostgreSQL, so the rollback at the end of ``tampered()`` puts the guard back, which the helper
asserts), changes the data with raw SQL, runs the command and expects a non-zero exit naming the
problem: its kind, and the entry, account or fund it concerns.
"""

import json
from contextlib import contextmanager
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import translation

from ledger import dbguards, services, verification
from ledger.models import ChainHead, JournalLine

from .factories import explained, four_eyes, transfer
from .test_guards import build_lines, draft_entry, post_underneath, raw

# Tampering underneath (guards dropped, disabled or silenced) is the tables' owner's: with
# TEST_APP_ROLE these tests run as the owner (tests/conftest.py).
pytestmark = pytest.mark.owner

DAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


# The guard(s) that refuse each kind of change, per engine (ledger/dbguards.py).
GUARDS = {
    "line_update": {"postgresql": ["ledger_line_guard"], "sqlite": ["ledger_line_no_update"]},
    "line_delete": {"postgresql": ["ledger_line_guard"], "sqlite": ["ledger_line_no_delete"]},
    "entry_update": {
        "postgresql": ["ledger_entry_guard"],
        "sqlite": ["ledger_entry_posted_frozen"],
    },
    "balance_update": {
        "postgresql": ["ledger_balance_guard"],
        "sqlite": ["ledger_balance_update_check", "ledger_balance_count_update"],
    },
    "balance_delete": {
        "postgresql": ["ledger_balance_guard"],
        "sqlite": ["ledger_balance_no_delete"],
    },
    "account_delete": {
        "postgresql": ["ledger_account_referenced"],
        "sqlite": ["ledger_account_referenced"],
    },
    "post_check": {
        "postgresql": ["ledger_entry_post_check"],
        "sqlite": ["ledger_entry_post_check"],
    },
}


@contextmanager
def tampered(*guards: str):
    """Drop the named guards for the block; everything done inside is rolled back after it."""
    names = [name for g in guards for name in GUARDS[g][connection.vendor]]
    with transaction.atomic():
        dbguards.drop(connection, names)
        assert not set(names) & dbguards.installed(connection)
        yield
        transaction.set_rollback(True)
    # the rollback really did put the guards back
    assert dbguards.expected(connection) <= dbguards.installed(connection)


def verify(*args) -> tuple[int, str, str]:
    """Run the command; (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def problems(*args) -> list[dict]:
    """Run the command with --json; it must fail, and the problems are returned."""
    status, out, _err = verify("--json", *args)
    assert status == 1
    report = json.loads(out)
    assert report["ok"] is False
    return report["problems"]


def has(found: list[dict], kind: str, **where) -> bool:
    return any(p["kind"] == kind and all(p.get(k) == v for k, v in where.items()) for p in found)


@pytest.fixture
def books(db):
    """Given a donation in cash, its deposit, an award accrued and paid, and a reversed mistake
    (posted by hand: their documents are stood in for by ``explained``)."""
    entries = {
        "donation": transfer("1001", "3101", "1000.00", day=DAY, key="donation"),  # seq 1
        "deposit": transfer("1002", "1001", "800.00", day=DAY, key="deposit"),  # seq 2
        "award": transfer("5101", "2201", "300.00", day=DAY, key="award"),  # seq 3
        "paid": transfer("2201", "1002", "300.00", day=DAY, key="paid"),  # seq 4
        "mistake": transfer("5101", "1002", "12.34", day=DAY, key="mistake"),  # seq 5
    }
    entries["reversal"] = services.journal_reverse(
        **four_eyes(), entry=entries["mistake"], actor=None, date=DAY
    )  # seq 6
    with explained(*entries.values()):
        yield entries


# --------------------------------------------------------------------------------------------
# clean books
# --------------------------------------------------------------------------------------------
def test_a_clean_ledger_reports_clean_and_exits_zero(books):
    status, out, _err = verify()
    assert status == 0
    assert "OK: the books agree with their lines." in out
    assert "problems" in out and "posted entries" in out


def test_the_json_report_counts_what_it_checked(books):
    _status, out, _err = verify("--json")
    report = json.loads(out)
    assert report["ok"] is True
    assert report["problems"] == []
    assert (report["entries"], report["lines"], report["reversals"]) == (6, 12, 1)
    assert report["keys"] == report["balances"] == 5  # 1001 1002 2201 4101 5101 in RELIEF/CNY


def test_an_empty_ledger_is_clean(db):
    assert verification.verify_ledger().ok


def test_progress_goes_to_stderr_and_small_chunks_give_the_same_answer(books):
    status, _out, err = verify("--progress-every", "4", "--chunk-size", "1")
    assert status == 0
    assert "lines checked" in err


def test_dropped_guards_come_back_on_rollback(db):
    # given every guard is installed
    assert dbguards.expected(connection) <= dbguards.installed(connection)
    # when all of them are dropped inside a transaction that is rolled back
    with transaction.atomic():
        dbguards.drop(connection)
        assert not dbguards.expected(connection) & dbguards.installed(connection)
        transaction.set_rollback(True)
    # then they are all back
    assert dbguards.expected(connection) <= dbguards.installed(connection)


# --------------------------------------------------------------------------------------------
# tampering, one kind at a time
# --------------------------------------------------------------------------------------------
def test_a_missing_guard_is_reported(books):
    name = GUARDS["line_update"][connection.vendor][0]
    with tampered("line_update"):
        found = problems()
    assert has(found, "guard_missing")
    assert any(name in p["message"] for p in found)
    assert len(found) == 1


def test_a_changed_amount_of_a_posted_line_is_detected(books):
    line = books["award"].lines.get(account__code="5101")
    with tampered("line_update"):
        raw("UPDATE ledger_journalline SET amount = 3000 WHERE id = %s", [line.pk])
        found = problems()
    assert has(found, "entry_unbalanced", seq=3, fund="RELIEF", currency="CNY")
    assert has(found, "entry_content_hash", seq=3)
    assert has(found, "line_balance_after", seq=3, line_id=line.pk, account="5101")
    assert has(found, "balance_drift", account="5101", fund="RELIEF")


def test_a_changed_memo_of_a_posted_entry_is_detected(books):
    with tampered("entry_update"):
        raw("UPDATE ledger_journalentry SET memo = 'nothing to see' WHERE seq = 2")
        found = problems()
    assert has(found, "entry_content_hash", seq=2)


def test_a_changed_stored_balance_is_detected(books):
    with tampered("balance_update"):
        raw(
            "UPDATE ledger_balance SET balance = balance + 100"
            " WHERE account_id = (SELECT id FROM ledger_account WHERE code = '1002')"
        )
        found = problems()
    assert has(found, "balance_drift", account="1002", fund="RELIEF", currency="CNY")
    kinds = {p["kind"] for p in found}
    assert kinds == {"balance_drift", "guard_missing"}


def test_a_changed_line_count_is_detected(books):
    # given the bank's stored balance, whose key has lines from the deposits
    bank_lines = JournalLine.objects.filter(account__code="1002").count()
    # when its line count is changed underneath (balance and last line left alone)
    with tampered("balance_update"):
        raw(
            "UPDATE ledger_balance SET line_count = line_count + 5"
            " WHERE account_id = (SELECT id FROM ledger_account WHERE code = '1002')"
        )
        found = problems()
    # then the report names the count and the key, and nothing else drifted
    assert has(found, "balance_line_count", account="1002", fund="RELIEF", currency="CNY")
    message = next(p["message"] for p in found if p["kind"] == "balance_line_count")
    assert f"counts {bank_lines + 5} line(s), but its key has {bank_lines}" in message
    assert {p["kind"] for p in found} == {"balance_line_count", "guard_missing"}


def test_a_changed_balance_after_is_detected(books):
    # the deposit's bank line is followed by later bank lines
    line = books["deposit"].lines.get(account__code="1002")
    with tampered("line_update"):
        raw("UPDATE ledger_journalline SET balance_after = 799 WHERE id = %s", [line.pk])
        found = problems()
    assert has(found, "line_balance_after", seq=2, line_id=line.pk, account="1002")
    assert has(found, "key_running_sum", seq=2, account="1002")
    # the amounts were not touched: the entries still balance and hash
    assert not has(found, "entry_unbalanced")
    assert not has(found, "entry_content_hash")


def test_a_deleted_line_is_detected(books):
    # the donation's cash line (cash is credited again later, so no balance row points to it)
    line = books["donation"].lines.get(account__code="1001")
    with tampered("line_delete"):
        raw("DELETE FROM ledger_journalline WHERE id = %s", [line.pk])
        found = problems()
    assert has(found, "entry_too_few_lines", seq=1)
    assert has(found, "entry_unbalanced", seq=1)
    assert has(found, "entry_content_hash", seq=1)
    assert has(found, "line_balance_after", seq=2, account="1001")
    assert has(found, "balance_drift", account="1001")


def test_a_deleted_account_under_its_lines_is_detected(books):
    # lines name accounts without a foreign key; with the guard gone, a delete goes through
    account_id = books["award"].lines.get(account__code="5101").account_id
    with tampered("account_delete", "balance_delete"):
        raw("DELETE FROM ledger_balance WHERE account_id = %s", [account_id])
        raw("DELETE FROM ledger_account WHERE id = %s", [account_id])
        found = problems()
    assert any(
        p["kind"] == "line_orphan" and f"account id {account_id}" in p["message"] for p in found
    )


def test_a_replaced_hash_is_detected(books):
    forged = "f" * 64
    with tampered("entry_update"):
        raw("UPDATE ledger_journalentry SET hash = %s WHERE seq = 3", [forged])
        found = problems()
    assert has(found, "entry_hash", seq=3)
    assert has(found, "chain_link", seq=4)


def test_swapped_hashes_are_detected(books):
    first, second = books["award"], books["paid"]
    with tampered("entry_update"):
        # via a placeholder, as the hash column is unique
        raw("UPDATE ledger_journalentry SET hash = 'x' WHERE id = %s", [first.pk])
        raw("UPDATE ledger_journalentry SET hash = %s WHERE id = %s", [first.hash, second.pk])
        raw("UPDATE ledger_journalentry SET hash = %s WHERE id = %s", [second.hash, first.pk])
        found = problems()
    assert has(found, "entry_hash", seq=3)
    assert has(found, "entry_hash", seq=4)
    assert has(found, "chain_link", seq=4)


def test_a_rewritten_chain_is_caught_at_the_head(books):
    with tampered():
        ChainHead.objects.update(last_hash="a" * 64)
        found = problems()
    assert has(found, "chain_head")


def test_a_gap_in_the_numbers_is_detected(books):
    with tampered("entry_update"):
        raw("UPDATE ledger_journalentry SET seq = 9 WHERE seq = 6")
        found = problems()
    assert has(found, "chain_seq", seq=9)
    assert has(found, "entry_hash", seq=9)
    assert has(found, "chain_head")


def test_an_unbalanced_entry_inserted_underneath_is_detected(books):
    with tampered("post_check"):
        entry = draft_entry(day=DAY)
        JournalLine.objects.bulk_create(
            build_lines(
                entry,
                [("1002", "RELIEF", "D", "50.00", "CNY"), ("3101", "GENERAL", "C", "50.00", "CNY")],
            )
        )
        post_underneath(entry)
        found = problems()
    assert has(found, "entry_unbalanced", seq=7, fund="RELIEF", currency="CNY")
    assert has(found, "entry_unbalanced", seq=7, fund="GENERAL", currency="CNY")
    # its lines never reached the stored balances or the chain head either
    assert has(found, "balance_last_line", account="1002")
    assert has(found, "balance_missing", account="3101", fund="GENERAL")
    assert has(found, "chain_head")


def test_a_draft_left_behind_is_detected(books):
    # no guard refuses a draft: it is how every posting starts
    with tampered():
        draft_entry(day=DAY)
        found = problems()
    assert has(found, "entry_draft", seq=7)
    assert {p["kind"] for p in found} == {"entry_draft"}


def test_a_reversal_that_does_not_mirror_its_original_is_detected(books):
    # no guard compares a reversal with its original: verify_ledger does
    original = books["donation"]
    entry = draft_entry(day=DAY, reverses=original)
    JournalLine.objects.bulk_create(
        build_lines(
            entry,
            [("3101", "RELIEF", "D", "999.00", "CNY"), ("1001", "RELIEF", "C", "999.00", "CNY")],
        )
    )
    with tampered():
        post_underneath(entry)
        found = problems()
    assert has(found, "reversal_mismatch", seq=7)


def test_a_deleted_stored_balance_is_detected(books):
    with tampered("balance_delete"):
        raw(
            "DELETE FROM ledger_balance"
            " WHERE account_id = (SELECT id FROM ledger_account WHERE code = '2201')"
        )
        found = problems()
    assert has(found, "balance_missing", account="2201", fund="RELIEF", currency="CNY")


def test_the_text_report_names_the_problem_and_where(books):
    with tampered("balance_update"):
        raw(
            "UPDATE ledger_balance SET balance = 1"
            " WHERE account_id = (SELECT id FROM ledger_account WHERE code = '3101')"
        )
        status, out, err = verify()
    assert status == 1
    assert "DRIFT" in out
    assert "[balance_drift] account 3101, fund RELIEF, currency CNY" in out
    assert "the lines add up to -1000.00" in out
    assert "problem(s)" in err


def test_the_problem_list_is_capped_but_every_problem_is_counted(books):
    with tampered("line_update"):
        raw("UPDATE ledger_journalline SET balance_after = balance_after + 1")
        status, out, _err = verify("--max-problems", "2")
        report = verification.verify_ledger(max_problems=2)
    assert status == 1
    assert len(report.problems) == 2
    assert report.problem_count > 2
    assert f"... and {report.problem_count - 2} more" in out
