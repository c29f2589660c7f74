"""Proof that the books are what their lines say: ``verify_ledger`` recomputes everything from the
stored rows alone and reports every difference.

It checks, independently of the database guards (and it checks that every guard set that any
app registered in ``common.dbguards`` is installed, enabled and unaltered, the posting function
included: ``guards``):

* every posted entry has two or more lines and balances for each fund and currency, and no draft
  entry is left behind;
* each line's ``balance_after`` follows from the line before it of the same account, fund and
  currency (in id order), and equals the running sum of those lines;
* each stored ``Balance`` equals the recomputed total, points to its key's latest line and counts
  its key's lines; every key with lines has a balance row, and no balance row lacks lines;
* the hash chain: posted entries numbered 1, 2, 3... without gaps, each ``prev_hash`` equal to
  the previous entry's ``hash``, each ``content_hash`` and ``hash`` recomputed from the stored data
  with ``ledger.hashing`` exactly as ``ledger.posting`` computes them, and the ``ChainHead`` at
  the last entry;
* the chain is keyed (``ledger.chainkeys``): each entry's hash is recomputed with its
  segment's key, each segment's MAC checked, legacy (unkeyed) entries counted; and the chain
  agrees with the latest checkpoint written outside the database (``ledger.checkpoints``): not
  cut behind it, not forked at it, its segments unchanged;
* documents against the entries they belong to (``reconcile``): receipt numbers without gaps,
  no donation, allocation or entry naming a receipt that is gone, and what the apps above
  register (``register_document_check``; cases: reservations against the cases on notice);
* a reversal mirrors its original (same accounts, funds, currencies and amounts, opposite sides);
* the sub-ledgers agree with the books (``documents``, ``subledgers``): every receipt's income
  is booked and every income credit has its receipt (per line, and per fund and period), a void
  receipt's entry is reversed and a valid one's is not, a receipt has its donation or
  allocation and agrees with it; awards payable holds exactly the final unpaid awards and
  unpaid entitlements, each credit an award or entitlement and each debit a payment made or a
  cancellation; cash on hand leaves only by a deposit (or a void); a pledge is paid only by its
  donor's donations into its fund. Each finding names the document (receipt code, case number,
  payment, deposit), the entry, the fund and the period. Cases and payouts register what they
  know (``register_claim_source``, ``register_balance_source``) from their ``AppConfig.ready``:
  the ledger imports neither.

It streams: entries and lines are read in index order with server-side cursors (``iterator``), and
what it keeps in memory grows with the number of account x fund x currency keys and reversals,
not with the number of lines, so it runs over millions of lines. The report keeps the first
``max_problems`` problems and counts the rest.

One module per check: ``guards`` (every registered guard set installed, enabled, unaltered), ``chain`` (the hash
chain, in seq order), ``entries`` (each entry's zero-sum and content hash), ``references`` (what
lines and reversals point to), ``balances`` (running balances and stored balances), and
``report`` (the report, its problem codes and the knobs of a pass), ``documents`` (the
collection's documents against each other) and ``subledgers`` (documents against the lines, and
the registry the apps above fill). This package runs them in
one snapshot and exports what callers use.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from ..models import Account, Fund
from .balances import check_balances, check_running_balances
from .chain import check_chain
from .checkpoint import check_checkpoint, check_published
from .documents import check_documents
from .entries import check_entries
from .guards import check_guards
from .reconcile import check_reconcile, register_document_check, unregister_document_check
from .report import (
    AWARD_PAYABLE_MISSING,
    AWARDS_PAYABLE_OUTSTANDING,
    BALANCE_DRIFT,
    BALANCE_LAST_LINE,
    BALANCE_LINE_COUNT,
    BALANCE_MISSING,
    BALANCE_ORPHAN,
    CASH_CREDIT_WITHOUT_DEPOSIT,
    CASH_DEPOSIT_PERIOD,
    CHAIN_CUT,
    CHAIN_FORK,
    CHAIN_HEAD,
    CHAIN_KEY_MISSING,
    CHAIN_LINK,
    CHAIN_SEGMENT,
    CHAIN_SEGMENTS_CHANGED,
    CHAIN_SEQ,
    CHECKPOINT_INVALID,
    CHUNK_SIZE,
    DEPOSIT_CASH_MISSING,
    ENTITLEMENT_PAYABLE_MISSING,
    ENTRY_CONTENT_HASH,
    ENTRY_DRAFT,
    ENTRY_HASH,
    ENTRY_RECEIPT_MISSING,
    ENTRY_TOO_FEW_LINES,
    ENTRY_UNBALANCED,
    GUARD_ALTERED,
    GUARD_DISABLED,
    GUARD_MISSING,
    GUARD_UNEXPECTED,
    INCOME_DEBIT_WITHOUT_VOID,
    INCOME_WITHOUT_RECEIPT,
    KEY_RUNNING_SUM,
    LINE_BALANCE_AFTER,
    LINE_ORPHAN,
    MAX_PROBLEMS,
    PAYABLE_CREDIT_UNEXPLAINED,
    PAYABLE_DEBIT_UNEXPLAINED,
    PAYMENT_PAYABLE_MISSING,
    PLEDGE_DONATION_MISMATCH,
    PROGRESS_EVERY,
    RECEIPT_INCOME_MISSING,
    RECEIPT_INCOME_PERIOD,
    RECEIPT_NUMBER_GAP,
    RECEIPT_RECORD_MISMATCH,
    RECEIPT_VALID_BUT_REVERSED,
    RECEIPT_VOID_NOT_REVERSED,
    RECEIPT_WITHOUT_RECORD,
    RECORD_WITHOUT_RECEIPT,
    RECOVERIES_OUTSTANDING,
    RECOVERY_CREDIT_UNEXPLAINED,
    RECOVERY_DEBIT_UNEXPLAINED,
    RECOVERY_RECEIVABLE_MISSING,
    RESERVATION_MISMATCH,
    REVERSAL_MISMATCH,
    REVERSAL_TARGET,
    LedgerReport,
    Problem,
)
from .subledgers import (
    Claim,
    check_subledgers,
    register_balance_source,
    register_claim_source,
    unregister_balance_source,
    unregister_claim_source,
)

__all__ = [
    "AWARDS_PAYABLE_OUTSTANDING",
    "AWARD_PAYABLE_MISSING",
    "BALANCE_DRIFT",
    "BALANCE_LAST_LINE",
    "BALANCE_LINE_COUNT",
    "BALANCE_MISSING",
    "BALANCE_ORPHAN",
    "CHAIN_HEAD",
    "CHECKPOINT_INVALID",
    "CHAIN_SEGMENTS_CHANGED",
    "CHAIN_SEGMENT",
    "CHAIN_KEY_MISSING",
    "CHAIN_FORK",
    "CHAIN_CUT",
    "CHAIN_LINK",
    "CHAIN_SEQ",
    "CASH_CREDIT_WITHOUT_DEPOSIT",
    "CASH_DEPOSIT_PERIOD",
    "CHUNK_SIZE",
    "DEPOSIT_CASH_MISSING",
    "ENTITLEMENT_PAYABLE_MISSING",
    "ENTRY_CONTENT_HASH",
    "ENTRY_DRAFT",
    "ENTRY_HASH",
    "ENTRY_TOO_FEW_LINES",
    "ENTRY_UNBALANCED",
    "GUARD_ALTERED",
    "GUARD_DISABLED",
    "GUARD_MISSING",
    "GUARD_UNEXPECTED",
    "INCOME_DEBIT_WITHOUT_VOID",
    "INCOME_WITHOUT_RECEIPT",
    "KEY_RUNNING_SUM",
    "LINE_BALANCE_AFTER",
    "LINE_ORPHAN",
    "MAX_PROBLEMS",
    "PAYABLE_CREDIT_UNEXPLAINED",
    "PAYABLE_DEBIT_UNEXPLAINED",
    "PAYMENT_PAYABLE_MISSING",
    "RECOVERIES_OUTSTANDING",
    "RECOVERY_CREDIT_UNEXPLAINED",
    "RECOVERY_DEBIT_UNEXPLAINED",
    "RECOVERY_RECEIVABLE_MISSING",
    "PLEDGE_DONATION_MISMATCH",
    "PROGRESS_EVERY",
    "RECEIPT_INCOME_MISSING",
    "RECEIPT_INCOME_PERIOD",
    "RECEIPT_RECORD_MISMATCH",
    "RECEIPT_VALID_BUT_REVERSED",
    "RECEIPT_VOID_NOT_REVERSED",
    "RECEIPT_WITHOUT_RECORD",
    "REVERSAL_MISMATCH",
    "REVERSAL_TARGET",
    "Claim",
    "LedgerReport",
    "Problem",
    "ENTRY_RECEIPT_MISSING",
    "RECEIPT_NUMBER_GAP",
    "RECORD_WITHOUT_RECEIPT",
    "RESERVATION_MISMATCH",
    "register_balance_source",
    "register_claim_source",
    "register_document_check",
    "unregister_document_check",
    "unregister_balance_source",
    "unregister_claim_source",
    "last_run",
    "record_run",
    "verify_ledger",
]


def verify_ledger(
    *,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[str], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    max_problems: int = MAX_PROBLEMS,
) -> LedgerReport:
    """Recompute the books from their lines and report every drift (see the module docstring)."""
    report = LedgerReport(max_problems=max_problems)
    if connection.in_atomic_block:
        _verify(report, chunk_size, progress, progress_every)
        return report
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One snapshot for every pass, so postings committed meanwhile cannot look like drift.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _verify(report, chunk_size, progress, progress_every)
    return report


def _verify(report: LedgerReport, chunk_size: int, progress, progress_every: int) -> None:
    accounts = dict(Account.objects.values_list("id", "code"))
    funds = dict(Fund.objects.values_list("id", "code"))
    check_guards(report)
    seq_of = check_chain(report, chunk_size, progress, progress_every)
    check_checkpoint(report)
    check_published(report)
    check_entries(report, accounts, funds, chunk_size, progress, progress_every)
    keys = check_running_balances(
        report, accounts, funds, seq_of, chunk_size, progress, progress_every
    )
    check_balances(report, keys, accounts, funds)
    check_documents(report, funds)
    check_subledgers(report, funds)
    check_reconcile(report, funds)


RUN_OBJECT = ("ledger", "verification")


def record_run(report: LedgerReport, *, source: str, started_at, actor=None):
    """Keep a verification's outcome as an audit event (append-only, like every audit row): the
    supervisor's home and /healthz read the latest one (:func:`last_run`)."""
    from ..audit import AuditAction, audit

    with transaction.atomic():
        return audit(
            actor=actor,
            action=AuditAction.LEDGER_VERIFY,
            object_type=RUN_OBJECT[0],
            object_id=RUN_OBJECT[1],
            source=source,
            started_at=started_at.isoformat(),
            ok=report.ok,
            problem_count=report.problem_count,
            kinds=sorted(report.kinds()),
            entries=report.entries,
            head_seq=report.head_seq,
            guards=f"{report.guards_intact}/{report.guards_expected}",
        )


def last_run():
    """The latest recorded verification (an ``AuditEvent``), or None."""
    from ..models import AuditEvent

    return (
        AuditEvent.objects.filter(object_type=RUN_OBJECT[0], object_id=RUN_OBJECT[1])
        .order_by("-at", "-id")
        .first()
    )
