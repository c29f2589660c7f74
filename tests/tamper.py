"""Tampering underneath every guard, for the tests of ``verify_ledger``'s sub-ledger checks.

``underneath()`` opens a transaction in which no database guard fires: on PostgreSQL the
triggers are disabled (``session_replication_role = replica``, as a restore would), on SQLite
every registered guard trigger is dropped; the ledger's own checks in Python that stand before
those guards (four eyes, income with its receipt, available money) are off too, so the posting
service can write what only damage could. Everything done inside, the guards included, is
rolled back at the end, so each test sees its own damage only while it runs ``verify``.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from unittest import mock

from django.db import connection, transaction

from common.dbguards import GUARD, all_guard_sets
from ledger.verification import verify_ledger

# The Python checks of ledger.posting that the database guards repeat (issue 10).
_PYTHON_CHECKS = [
    ("ledger.posting.prepare._check_four_eyes", None),
    ("ledger.posting.prepare._check_income", None),
    ("ledger.posting.batch.check_available", None),
    ("ledger.posting.controls.lowered", {}),
]


@contextmanager
def underneath():
    with ExitStack() as stack, transaction.atomic():
        for target, answer in _PYTHON_CHECKS:
            stack.enter_context(mock.patch(target, lambda *a, _answer=answer, **k: _answer))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            else:
                for guard_set in all_guard_sets(GUARD):
                    for statement in guard_set.drop_statements("sqlite"):
                        cursor.execute(statement)
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
        transaction.set_rollback(True)


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def findings(**where) -> list:
    """verify_ledger's problems (it must fail); ``guard_missing`` (SQLite's dropped guards) left
    out."""
    report = verify_ledger()
    assert not report.ok
    return [p for p in report.problems if p.kind != "guard_missing"]


def has(found, kind: str, text: str = "", **where) -> bool:
    """A problem of ``kind`` whose message contains ``text`` and whose fields match ``where``."""
    return any(
        p.kind == kind and text in p.message and all(getattr(p, k) == v for k, v in where.items())
        for p in found
    )
