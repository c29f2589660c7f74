"""What ``verify_ledger`` hands back: a ``LedgerReport`` of counts and ``Problem`` rows, the stable
code of each kind of drift, and the knobs of a pass (rows per round trip, progress, how many
problems are listed).

The report keeps the first ``max_problems`` problems and counts the rest, so a badly damaged
ledger still gives a bounded report. Each problem says where it is (entry, line, account, fund,
currency) as well as what is wrong; ``where`` names a line's account and fund by code, or by
``#id`` when the row is gone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CHUNK_SIZE = 5000
PROGRESS_EVERY = 10_000
MAX_PROBLEMS = 1000

# Stable codes of each kind of drift (used by tests, the JSON output and screens).
GUARD_MISSING = "guard_missing"
GUARD_DISABLED = "guard_disabled"
GUARD_ALTERED = "guard_altered"
GUARD_UNEXPECTED = "guard_unexpected"
ENTRY_DRAFT = "entry_draft"
ENTRY_TOO_FEW_LINES = "entry_too_few_lines"
ENTRY_UNBALANCED = "entry_unbalanced"
ENTRY_CONTENT_HASH = "entry_content_hash"
ENTRY_HASH = "entry_hash"
CHAIN_SEQ = "chain_seq"
CHAIN_LINK = "chain_link"
CHAIN_HEAD = "chain_head"
# The keyed chain (``ledger.chainkeys``) and its checkpoints outside the database.
CHAIN_KEY_MISSING = "chain_key_missing"
CHAIN_SEGMENT = "chain_segment"
CHAIN_CUT = "chain_cut"
CHAIN_FORK = "chain_fork"
CHAIN_SEGMENTS_CHANGED = "chain_segments_changed"
CHECKPOINT_INVALID = "checkpoint_invalid"
PUBLISHED_CHECKPOINT = "published_checkpoint"
LINE_ORPHAN = "line_orphan"
LINE_BALANCE_AFTER = "line_balance_after"
KEY_RUNNING_SUM = "key_running_sum"
BALANCE_DRIFT = "balance_drift"
BALANCE_LAST_LINE = "balance_last_line"
BALANCE_LINE_COUNT = "balance_line_count"
BALANCE_MISSING = "balance_missing"
BALANCE_ORPHAN = "balance_orphan"
REVERSAL_MISMATCH = "reversal_mismatch"
REVERSAL_TARGET = "reversal_target"
# The sub-ledgers (``subledgers``, ``documents``): what the documents say against the books.
INCOME_WITHOUT_RECEIPT = "income_without_receipt"
INCOME_DEBIT_WITHOUT_VOID = "income_debit_without_void"
RECEIPT_INCOME_MISSING = "receipt_income_missing"
RECEIPT_VOID_NOT_REVERSED = "receipt_void_not_reversed"
RECEIPT_VALID_BUT_REVERSED = "receipt_valid_but_reversed"
RECEIPT_WITHOUT_RECORD = "receipt_without_record"
RECEIPT_RECORD_MISMATCH = "receipt_record_mismatch"
RECEIPT_INCOME_PERIOD = "receipt_income_period"
PAYABLE_CREDIT_UNEXPLAINED = "payable_credit_unexplained"
PAYABLE_DEBIT_UNEXPLAINED = "payable_debit_unexplained"
AWARD_PAYABLE_MISSING = "award_payable_missing"
ENTITLEMENT_PAYABLE_MISSING = "entitlement_payable_missing"
PAYMENT_PAYABLE_MISSING = "payment_payable_missing"
AWARDS_PAYABLE_OUTSTANDING = "awards_payable_outstanding"
RECOVERIES_OUTSTANDING = "recoveries_outstanding"
RECOVERY_DEBIT_UNEXPLAINED = "recovery_debit_unexplained"
RECOVERY_CREDIT_UNEXPLAINED = "recovery_credit_unexplained"
RECOVERY_RECEIVABLE_MISSING = "recovery_receivable_missing"
CASH_CREDIT_WITHOUT_DEPOSIT = "cash_credit_without_deposit"
DEPOSIT_CASH_MISSING = "deposit_cash_missing"
CASH_DEPOSIT_PERIOD = "cash_deposit_period"
PLEDGE_DONATION_MISMATCH = "pledge_donation_mismatch"
# Documents against the entries they belong to (``reconcile``).
RECEIPT_NUMBER_GAP = "receipt_number_gap"
RECORD_WITHOUT_RECEIPT = "record_without_receipt"
ENTRY_RECEIPT_MISSING = "entry_receipt_missing"
RESERVATION_MISMATCH = "reservation_mismatch"


@dataclass
class Problem:
    kind: str
    message: str
    seq: int | None = None
    line_id: int | None = None
    account: str | None = None
    fund: str | None = None
    currency: str | None = None
    period: str | None = None
    document: str | None = None  # the sub-ledger object: "receipt X-00000001", "payment 12"...


@dataclass
class LedgerReport:
    entries: int = 0
    drafts: int = 0
    lines: int = 0
    keys: int = 0
    balances: int = 0
    reversals: int = 0
    guards_expected: int = 0
    guards_installed: int = 0  # of those expected, present on their tables
    guards_intact: int = 0  # of those expected, present, enabled and as their module writes them
    # Entries hashed without a key (posted before the chain was keyed) and the keyed segments.
    legacy_entries: int = 0
    chain_segments: int = 0
    head_seq: int = 0
    head_hash: str = ""
    # The latest checkpoint written outside the database (None: none found or none configured).
    checkpoint_seq: int | None = None
    checkpoint_at: str | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0  # all problems found, including those past ``max_problems``
    max_problems: int = MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def add(self, kind: str, message: str, **where) -> None:
        self.problem_count += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(kind=kind, message=message, **where))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data.pop("max_problems")
        return data


def where(accounts, funds, account_id, fund_id, currency) -> dict:
    """A problem's account, fund and currency, by code (``#id`` when the row is gone)."""
    return {
        "account": accounts.get(account_id, f"#{account_id}"),
        "fund": funds.get(fund_id, f"#{fund_id}"),
        "currency": currency,
    }
