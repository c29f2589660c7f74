"""Fresh planner statistics after large writes (issue 17, point 7): a batch, a result import,
a cycle or a donation import of at least ANALYZE_AFTER_ROWS rows has its tables analyzed once its
transaction commits, through ``fundapp_analyze`` on PostgreSQL (the application's role owns no
table, and PostgreSQL 15 lets only the owner ANALYZE), once per table however often it is asked
in one transaction, and never for tables that are not fundapp's."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from common import dbstats
from disbursement import services
from disbursement.models import Payment


def _reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_batch_build_refreshes_the_statistics_of_its_payments(
    settings, final_cases, relief, people, django_capture_on_commit_callbacks
):
    settings.ANALYZE_AFTER_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = services.batch_build(program=relief, actor=people.officer)
    assert batch.count == 3
    assert any(getattr(cb, "fundapp_analyze", None) for cb in callbacks)
    # ANALYZE of a table this small reads every row: the planner now knows all three (the test
    # runs as the application's role in CI: the function is what lets it analyze).
    assert _reltuples("disbursement_payment") == Payment.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_fundapp_analyze_refuses_tables_that_are_not_ours():
    with pytest.raises(DatabaseError, match="not a table of fundapp"), transaction.atomic():
        dbstats.analyze_now("pg_catalog.pg_class")


def test_below_the_threshold_nothing_is_asked(settings, db, django_capture_on_commit_callbacks):
    settings.ANALYZE_AFTER_ROWS = 100
    with django_capture_on_commit_callbacks() as callbacks:
        assert dbstats.refresh_after(99, "disbursement_payment") is False
    assert callbacks == []


def test_asked_many_times_in_one_transaction_analyzes_each_table_once(
    settings, db, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ANALYZE_AFTER_ROWS = 10
    runs = []
    monkeypatch.setattr(dbstats, "analyze_now", lambda *tables: runs.append(tables))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _chunk in range(5):  # a cycle posting chunk by chunk
            dbstats.refresh_after(1000, "ledger_journalline", "ledger_balance")
        dbstats.refresh_after(10, "disbursement_entitlement")
    assert len(callbacks) == 1
    assert runs == [("disbursement_entitlement", "ledger_balance", "ledger_journalline")]


def test_a_failed_analyze_is_logged_not_raised(
    settings, db, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.ANALYZE_AFTER_ROWS = 1

    def broken(*tables):
        raise DatabaseError("no statistics today")

    monkeypatch.setattr(dbstats, "analyze_now", broken)
    # the write has committed when the callback runs: nothing is raised
    with django_capture_on_commit_callbacks(execute=True):
        assert dbstats.refresh_after(5, "ledger_journalline") is True
    assert "statistics not refreshed for ledger_journalline" in caplog.text


def test_on_sqlite_analyze_runs_directly(db):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path; PostgreSQL's is tested above")
    dbstats.analyze_now("disbursement_payment")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1
