"""The refusals a posting can meet only once the books are locked or the rows are written,
worded once.

A closed period and an idempotency key already used with other content are found by the batch
path in Python (``posting.batch``) and by the one-round-trip path inside PostgreSQL
(``posting.pg.post_one``); both raise the same typed, translated error through these.

A refusal by a database guard carries a stable rule token, ``ledger[<rule>]: ...`` (both
engines), and on PostgreSQL the figures in its DETAIL (``seq=12;fund=RELIEF;...``).
``from_database`` turns it into the typed error of that rule with a translated message naming
what it can (SQLite's triggers can only raise a fixed text, so there the message names the
rule without the figures); the guard's English text and trigger names never reach a person.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from ..exceptions import (
    FourEyesRequired,
    IdempotencyConflict,
    IncomeWithoutReceipt,
    InsufficientFunds,
    InvalidAmount,
    InvalidEntry,
    LedgerError,
    LedgerIntegrityError,
    PeriodClosed,
    PurposeNotAllowed,
    UnbalancedEntry,
)

TOKEN = re.compile(r"ledger\[(\w+)\]")
# The unique index that lets one receipt document one entry (JournalEntry.Meta).
RECEIPT_ONCE = "entry_income_receipt_once"


def period_closed(code: str, day: date) -> PeriodClosed:
    return PeriodClosed(
        _(
            "Period %(period)s is closed for good: nothing can be posted on %(day)s. A "
            "correction goes into the current open period."
        )
        % {"period": code, "day": day.isoformat()}
    )


def key_conflict(key: str, seq) -> IdempotencyConflict:
    return IdempotencyConflict(
        _(
            "The idempotency key %(key)s was already used for entry %(seq)s with different "
            "content. Use a new key for a new entry."
        )
        % {"key": key, "seq": seq}
    )


def _details(detail: str | None) -> dict[str, str]:
    pairs = (part.partition("=") for part in (detail or "").split(";") if "=" in part)
    return {key: value for key, _sep, value in pairs}


def _where(d: dict[str, str]) -> str:
    """Where the refusal lies (entry, account, fund), as far as the details go."""
    parts = []
    if d.get("seq"):
        parts.append(_("entry %(seq)s") % {"seq": d["seq"]})
    if d.get("account"):
        parts.append(_("account %(account)s") % {"account": d["account"]})
    if d.get("fund"):
        parts.append(_("fund %(fund)s") % {"fund": d["fund"]})
    return ", ".join(parts)


def _rules() -> dict[str, tuple[type[LedgerError], str]]:
    """rule token -> (error class, translated sentence); %(where)s names what the details give."""
    return {
        "two_lines": (InvalidEntry, _("An entry needs at least two lines.")),
        "balanced": (
            UnbalancedEntry,
            _("The entry does not balance: each fund's debits must equal its credits."),
        ),
        "open_period": (PeriodClosed, _("The entry is dated outside an open period.")),
        "four_eyes": (
            FourEyesRequired,
            _(
                "A manual entry, or one that moves money between funds, needs the person who "
                "made it, a different person who approved it, and a reason."
            ),
        ),
        "income_receipt": (
            IncomeWithoutReceipt,
            _(
                "Income is credited only with its own valid receipt: of the income's type (a "
                "donation receipt for donations, a settlement receipt for allocations), in the "
                "same fund, for the same amount."
            ),
        ),
        "income_debit": (
            IncomeWithoutReceipt,
            _("Income is taken back only by voiding its receipt."),
        ),
        "receipt_once": (
            IncomeWithoutReceipt,
            _("That receipt already documents another entry; one receipt documents one entry."),
        ),
        "purpose": (
            PurposeNotAllowed,
            _("The line pays a purpose that its restricted fund does not allow."),
        ),
        "below_zero": (
            InsufficientFunds,
            _(
                "The posting would leave the fund's cash at bank or cash on hand below zero. "
                "Nothing was posted."
            ),
        ),
        "chain": (
            LedgerIntegrityError,
            _(
                "The entry does not link to the hash of the entry before it: the books' chain "
                "head has drifted. Nothing was posted; ask an administrator to run verify_ledger."
            ),
        ),
        "line_running": (
            LedgerIntegrityError,
            _(
                "A line's balance after does not follow from the line before it: the stored "
                "balances have drifted. Nothing was posted; ask an administrator to run "
                "verify_ledger."
            ),
        ),
        "balance": (
            LedgerIntegrityError,
            _(
                "A stored balance does not match its lines. Nothing was posted; ask an "
                "administrator to run verify_ledger."
            ),
        ),
        "amount_bounds": (
            InvalidAmount,
            _(
                "The amount is beyond what the books hold: a line up to 999,999,999,999.99, a "
                "balance up to 9,999,999,999,999.99."
            ),
        ),
    }


def from_database(exc: Exception) -> LedgerError:
    """The typed, translated error for a database refusal of a posting."""
    text = str(exc)
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    details = _details(getattr(diag, "message_detail", None))
    found = TOKEN.search(text)
    once = RECEIPT_ONCE in text or (
        "income_receipt_id" in text and "UNIQUE" in text.upper()
    )  # PostgreSQL names the index, SQLite the column
    token = found.group(1) if found else ("receipt_once" if once else None)
    if token is not None and token in (rules := _rules()):
        error, sentence = rules[token]
        where = _where(details)
        if where:
            return error(_("%(where)s: %(rule)s") % {"where": where, "rule": sentence})
        return error(sentence)
    # Any other guard or constraint: the data underneath disagrees with its rules.
    return LedgerIntegrityError(
        _(
            "The database refused the posting (rule %(rule)s): the books' stored data does not "
            "match their rules. Nothing was posted; ask an administrator to run verify_ledger."
        )
        % {"rule": token or "-"}
    )


__all__ = ["from_database", "key_conflict", "period_closed"]
