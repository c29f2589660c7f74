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


def reforge(*, key, from_seq: int = 1) -> None:
    """What a forger with write access does after changing posted rows: recompute every line's
    balance after, every stored balance, and, from entry ``from_seq`` on, every entry's content
    hash and hash (with ``key``: ``None`` is the legacy unkeyed hash, any other ``ChainKey`` a
    key of the forger's own), and move the chain head to the result. Only the chain key itself
    (which a forger does not hold) makes that recomputation match what ``verify_ledger``
    recomputes."""
    from collections import defaultdict
    from decimal import Decimal

    from ledger import hashing
    from ledger.models import GENESIS_HASH, Account, Fund, JournalEntry, JournalLine

    accounts = dict(Account.objects.values_list("id", "code"))
    funds = dict(Fund.objects.values_list("id", "code"))
    running: dict[tuple, Decimal] = defaultdict(Decimal)
    counts: dict[tuple, int] = defaultdict(int)
    last: dict[tuple, int] = {}
    for line in JournalLine.objects.order_by("id"):
        k = (line.account_id, line.fund_id, line.amount_currency)
        running[k] += line.amount.amount if line.side == "D" else -line.amount.amount
        counts[k] += 1
        last[k] = line.pk
        raw("UPDATE ledger_journalline SET balance_after = %s WHERE id = %s", [running[k], line.pk])
    for k, balance in running.items():
        raw(
            "UPDATE ledger_balance SET balance = %s, last_line_id = %s, line_count = %s"
            " WHERE account_id = %s AND fund_id = %s AND currency = %s",
            [balance, last[k], counts[k], *k],
        )
    prev = GENESIS_HASH
    seq = 0
    for entry in JournalEntry.objects.order_by("seq").select_related("reverses"):
        seq = entry.seq
        if entry.seq < from_seq:
            prev = entry.hash
            continue
        lines = JournalLine.objects.filter(entry=entry).order_by("line_no")
        content = hashing.content_hash(
            entry_date=entry.date,
            memo=entry.memo,
            source=entry.source,
            reverses_seq=entry.reverses.seq if entry.reverses else None,
            line_tokens=[
                hashing.line_token(
                    accounts[ln.account_id],
                    funds[ln.fund_id],
                    ln.side,
                    ln.amount.amount,
                    ln.amount_currency,
                    ln.memo,
                )
                for ln in lines
            ],
        )
        digest = hashing.entry_hash(
            prev_hash=prev,
            seq=entry.seq,
            idempotency_key=entry.idempotency_key,
            content=content,
            posted_by_id=entry.posted_by_id,
            posted_at=entry.posted_at,
            key=key,
        )
        raw(
            "UPDATE ledger_journalentry SET content_hash = %s, prev_hash = %s, hash = %s"
            " WHERE id = %s",
            [content, prev, digest, entry.pk],
        )
        prev = digest
    raw("UPDATE ledger_chainhead SET last_seq = %s, last_hash = %s WHERE id = 1", [seq, prev])
