"""Validation and preparation of entries to post: step 1 of every posting, before any write.

``prepare()`` turns the caller's ``EntrySpec``/``LineSpec`` into ``PreparedEntry`` objects or
raises the first refusal as a typed, translated ``LedgerError`` naming the entry and line ("Entry
3, line 2: ..."), with nothing written yet. What it checks: a date, at least two lines, memo and
key lengths; each line's account and fund exist and are open, the side is D or C, the amount is
money (positive, two decimal places, not too large) in a currency the fund holds, on an account
whose purpose (if any) a restricted fund allows; each entry balances per fund and currency;
cash on hand leaves only for the bank; a manual entry or one naming two funds carries its maker,
a different approver and a reason; income is credited only with its receipt and debited only in
a reversal. The database checks all
of it again when the entry is flipped to posted (``ledger.dbguards``); these checks are here so
that the refusal a person reads is clear.

It also computes each entry's content hash (``ledger.hashing``), which answers retries under an
idempotency key and goes into the hash chain.

This is the hot path of a large batch (100,000 entries), so account and fund codes are resolved
in two queries for the whole batch, error labels are built only when an error is raised, and a
prepared line is a ``NamedTuple`` (a tuple: the writers unpack it as fast as a plain one).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _
from djmoney.money import Money

from .. import chart, hashing
from ..exceptions import (
    CashPayoutRefused,
    CurrencyNotHeld,
    FourEyesRequired,
    IncomeWithoutReceipt,
    InvalidAmount,
    InvalidEntry,
    PurposeNotAllowed,
    UnbalancedEntry,
    UnknownAccount,
    UnknownFund,
)
from ..models import Account, Fund, JournalEntry, Purpose, Side

CENT = Decimal("0.01")
# The largest line the database stores (ledger/dbguards/journalline.py, both engines: 15
# significant digits, exact even in SQLite's REAL); a running balance stays within
# MAX_BALANCE. Documents have lower ceilings of their own (ledger.limits).
MAX_AMOUNT = Decimal("999999999999.99")
MAX_BALANCE = Decimal("9999999999999.99")
MANUAL = "manual"
INCOME_ROLES = {"donation_income", "allocation_income"}
# Plain strings for the hot loops (an enum member look-up per line shows in a large batch).
DEBIT, CREDIT = Side.DEBIT.value, Side.CREDIT.value


@dataclass(frozen=True)
class LineSpec:
    """One line as a caller asks for it: account and fund by object or by code."""

    account: Account | str
    fund: Fund | str
    side: str
    amount: Money
    memo: str = ""


@dataclass(frozen=True)
class EntrySpec:
    """One entry as a caller asks for it (``journal_post_many`` takes a list of these)."""

    date: date
    lines: Sequence[LineSpec]
    idempotency_key: str = ""
    memo: str = ""
    source: str = "manual"
    reverses: JournalEntry | None = field(default=None, compare=False)
    # Four eyes and documents (ledger/dbguards/): who asked for a manual entry or
    # reclassification and who approved it, why; the receipt behind income.
    made_by_id: int | None = field(default=None, compare=False)
    approved_by_id: int | None = field(default=None, compare=False)
    reason: str = field(default="", compare=False)
    income_receipt_id: int | None = field(default=None, compare=False)


class PreparedLine(NamedTuple):
    """A line checked and resolved: the objects, the side, the amount as a quantized decimal."""

    account: Account
    fund: Fund
    side: str  # DEBIT or CREDIT
    amount: Decimal
    currency: str
    memo: str


@dataclass(slots=True)
class PreparedEntry:
    """An entry checked and ready to write: its key (given or generated) and content hash."""

    spec: EntrySpec
    key: str
    lines: list[PreparedLine]
    content_hash: str


def check_amount(amount, where: str) -> tuple[Decimal, str]:
    """The amount as (quantized decimal, currency code), or ``InvalidAmount`` naming ``where``."""
    if not isinstance(amount, Money):
        raise InvalidAmount(
            _("%(where)s: the amount must be a sum of money with a currency.") % {"where": where}
        )
    value = amount.amount
    if not value.is_finite() or value <= 0:
        raise InvalidAmount(
            _("%(where)s: the amount must be more than zero (got %(amount)s).")
            % {"where": where, "amount": value}
        )
    if value != value.quantize(CENT):
        raise InvalidAmount(
            _("%(where)s: the amount %(amount)s has more than two decimal places.")
            % {"where": where, "amount": value}
        )
    if value > MAX_AMOUNT:
        raise InvalidAmount(
            _("%(where)s: the amount %(amount)s is too large.") % {"where": where, "amount": value}
        )
    return value.quantize(CENT), str(amount.currency)


def _line_amount(amount, index: int, many: bool, line_no: int) -> tuple[Decimal, str]:
    """``check_amount`` for a line, naming the line only when the amount is refused."""
    if isinstance(amount, Money):
        value = amount.amount
        if value.is_finite() and 0 < value <= MAX_AMOUNT:
            quantized = value.quantize(CENT)
            if value == quantized:
                return quantized, str(amount.currency)
    return check_amount(amount, _where(index, many, line_no))


def _resolve(specs: Sequence[EntrySpec]) -> tuple[dict, dict]:
    account_codes = {ls.account for s in specs for ls in s.lines if isinstance(ls.account, str)}
    fund_codes = {ls.fund for s in specs for ls in s.lines if isinstance(ls.fund, str)}
    accounts = (
        {a.code: a for a in Account.objects.filter(code__in=account_codes)} if account_codes else {}
    )
    funds = {f.code: f for f in Fund.objects.filter(code__in=fund_codes)} if fund_codes else {}
    return accounts, funds


def _label(index: int, many: bool) -> str:
    return _("Entry %(n)s") % {"n": index} if many else _("Entry")


def _where(index: int, many: bool, line_no: int) -> str:
    return _("%(label)s, line %(n)s") % {"label": _label(index, many), "n": line_no}


def _check_cash_leaves_only_for_the_bank(lines: list[PreparedLine], index: int, many: bool) -> None:
    """No collecting and spending on the spot (坐收坐支): cash on hand leaves only for the bank.

    An entry that credits cash on hand may debit nothing but cash at bank (a deposit); payouts
    leave from the bank. A mistaken cash entry is undone by reversing it.
    """
    for line in lines:
        if line.side == CREDIT and line.account.code == chart.CASH:
            break
    else:
        return
    others = sorted(
        {
            line.account.code
            for line in lines
            if line.side == DEBIT and line.account.code != chart.BANK
        }
    )
    if others:
        raise CashPayoutRefused(
            _(
                "%(label)s pays out of cash on hand (to %(accounts)s). Cash on hand only goes to the bank "
                "(debit %(bank)s); pay from the bank, or reverse a mistaken cash entry."
            )
            % {"label": _label(index, many), "accounts": ", ".join(others), "bank": chart.BANK}
        )


def _check_four_eyes(spec: EntrySpec, sums, index: int, many: bool) -> None:
    """A manual entry, or one naming two funds or more (a reclassification), posts only with
    the person who made it, a different person who approved it, and a reason."""
    made, approved = spec.made_by_id, spec.approved_by_id
    if made and approved and made != approved and spec.reason.strip():
        return  # the usual case: the message below is built only for a refusal
    funds = sorted({fund_code for fund_code, _cur in sums})
    what = (
        _("moves money between funds %(funds)s") % {"funds": ", ".join(funds)}
        if len(funds) > 1
        else _("is a manual entry")
    )
    if not spec.made_by_id or not spec.approved_by_id:
        raise FourEyesRequired(
            _(
                "%(label)s %(what)s: it is posted only as a request made by one person and "
                "approved by another. Submit it as an entry request."
            )
            % {"label": _label(index, many), "what": what}
        )
    if spec.made_by_id == spec.approved_by_id:
        raise FourEyesRequired(
            _("%(label)s %(what)s: the person who approves it must not be the person who made it.")
            % {"label": _label(index, many), "what": what}
        )
    if not spec.reason.strip():
        raise FourEyesRequired(
            _("%(label)s %(what)s: write the reason for it.")
            % {"label": _label(index, many), "what": what}
        )


def _check_income(spec: EntrySpec, lines: list[PreparedLine], index: int, many: bool) -> None:
    """Donation and allocation income is credited only with its receipt (the database checks
    the receipt's type, fund and amount) and debited only by the reversal of such an entry."""
    for line in lines:
        if line.account.role not in INCOME_ROLES:
            continue
        if line.side == CREDIT and spec.income_receipt_id is None and spec.reverses is None:
            raise IncomeWithoutReceipt(
                _(
                    "%(label)s credits %(account)s in fund %(fund)s without a receipt. Income "
                    "is recorded only as a donation or an allocation, which issues its receipt."
                )
                % {
                    "label": _label(index, many),
                    "account": line.account.code,
                    "fund": line.fund.code,
                }
            )
        if line.side == DEBIT and spec.reverses is None:
            raise IncomeWithoutReceipt(
                _(
                    "%(label)s debits %(account)s in fund %(fund)s. Income is taken back only by "
                    "voiding its receipt."
                )
                % {
                    "label": _label(index, many),
                    "account": line.account.code,
                    "fund": line.fund.code,
                }
            )


def prepare(specs: Sequence[EntrySpec]) -> list[PreparedEntry]:
    """Check every entry and line of ``specs``; the first refusal raises, nothing is written."""
    # Error labels ("Entry 3, line 2") are translated only when an error is raised: building
    # them eagerly cost more than the whole rest of the validation of a 100,000-entry batch.
    accounts, funds = _resolve(specs)
    many = len(specs) > 1
    prepared = []
    for index, spec in enumerate(specs, start=1):
        if not isinstance(spec.date, date):
            raise InvalidEntry(_("%(label)s: a date is required.") % {"label": _label(index, many)})
        if len(spec.lines) < 2:
            raise InvalidEntry(
                _("%(label)s: an entry needs at least two lines.") % {"label": _label(index, many)}
            )
        if len(spec.memo) > 500:
            raise InvalidEntry(
                _("%(label)s: the memo is longer than 500 characters.")
                % {"label": _label(index, many)}
            )
        key = spec.idempotency_key or f"auto:{uuid.uuid4()}"
        if len(key) > 200:
            raise InvalidEntry(
                _("%(label)s: the idempotency key is longer than 200 characters.")
                % {"label": _label(index, many)}
            )
        lines = []
        touches_income = False
        sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for line_no, ls in enumerate(spec.lines, start=1):
            account = accounts.get(ls.account) if isinstance(ls.account, str) else ls.account
            if account is None:
                raise UnknownAccount(
                    _("%(where)s: there is no account %(code)s.")
                    % {"where": _where(index, many, line_no), "code": ls.account}
                )
            if not account.is_active:
                raise UnknownAccount(
                    _("%(where)s: account %(code)s is closed.")
                    % {"where": _where(index, many, line_no), "code": account.code}
                )
            fund = funds.get(ls.fund) if isinstance(ls.fund, str) else ls.fund
            if fund is None:
                raise UnknownFund(
                    _("%(where)s: there is no fund %(code)s.")
                    % {"where": _where(index, many, line_no), "code": ls.fund}
                )
            if not fund.is_active:
                raise UnknownFund(
                    _("%(where)s: fund %(code)s is closed.")
                    % {"where": _where(index, many, line_no), "code": fund.code}
                )
            if ls.side not in (DEBIT, CREDIT):
                raise InvalidEntry(
                    _("%(where)s: the side must be D (debit) or C (credit).")
                    % {"where": _where(index, many, line_no)}
                )
            value, currency = _line_amount(ls.amount, index, many, line_no)
            if not fund.holds_currency(currency):
                raise CurrencyNotHeld(
                    _("%(where)s: fund %(fund)s does not hold %(cur)s.")
                    % {"where": _where(index, many, line_no), "fund": fund.code, "cur": currency}
                )
            if len(ls.memo) > 200:
                raise InvalidEntry(
                    _("%(where)s: the line memo is longer than 200 characters.")
                    % {"where": _where(index, many, line_no)}
                )
            if account.role in INCOME_ROLES:
                touches_income = True
            if account.purpose and fund.restricted and account.purpose not in fund.purposes:
                raise PurposeNotAllowed(
                    _(
                        "%(where)s: account %(account)s pays %(purpose)s, which fund %(fund)s "
                        "may not pay (its money is restricted to: %(allowed)s). Book it in a "
                        "fund that allows it, or ask for a reclassification."
                    )
                    % {
                        "where": _where(index, many, line_no),
                        "account": account.code,
                        "purpose": Purpose(account.purpose).label
                        if account.purpose in Purpose.values
                        else account.purpose,
                        "fund": fund.code,
                        "allowed": ", ".join(fund.purposes) or "-",
                    }
                )
            sums[(fund.code, currency)] += value if ls.side == DEBIT else -value
            lines.append(PreparedLine(account, fund, ls.side, value, currency, ls.memo))
        for (fund_code, currency), diff in sums.items():
            if diff > 0:
                raise UnbalancedEntry(
                    _(
                        "%(label)s does not balance for fund %(fund)s in %(cur)s: debits exceed credits by "
                        "%(diff)s. Each fund's debits must equal its credits."
                    )
                    % {
                        "label": _label(index, many),
                        "fund": fund_code,
                        "cur": currency,
                        "diff": diff,
                    }
                )
            if diff < 0:
                raise UnbalancedEntry(
                    _(
                        "%(label)s does not balance for fund %(fund)s in %(cur)s: credits exceed debits by "
                        "%(diff)s. Each fund's debits must equal its credits."
                    )
                    % {
                        "label": _label(index, many),
                        "fund": fund_code,
                        "cur": currency,
                        "diff": -diff,
                    }
                )
        if spec.reverses is None:
            _check_cash_leaves_only_for_the_bank(lines, index, many)
        # (sums has one key per fund and currency: one key is one fund, the usual entry)
        if spec.source == MANUAL or (
            len(sums) > 1 and len({fund_code for fund_code, _cur in sums}) > 1
        ):
            _check_four_eyes(spec, sums, index, many)
        if touches_income:
            _check_income(spec, lines, index, many)
        content = hashing.content_hash(
            entry_date=spec.date,
            memo=spec.memo,
            source=spec.source,
            reverses_seq=spec.reverses.seq if spec.reverses else None,
            line_tokens=[
                hashing.line_token(a.code, f.code, s, v, c, m) for a, f, s, v, c, m in lines
            ],
        )
        prepared.append(PreparedEntry(spec=spec, key=key, lines=lines, content_hash=content))
    return prepared


__all__ = [
    "CENT",
    "CREDIT",
    "DEBIT",
    "INCOME_ROLES",
    "MANUAL",
    "MAX_AMOUNT",
    "MAX_BALANCE",
    "EntrySpec",
    "LineSpec",
    "PreparedEntry",
    "PreparedLine",
    "check_amount",
    "prepare",
]
