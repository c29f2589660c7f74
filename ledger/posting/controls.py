"""The fund's money never below zero: the check a posting meets under the books lock.

Cash at bank and on hand are held non-negative by the database itself, line by line
(``ledger/dbguards/journalline.py``). What the database cannot see is the money a fund has
already promised: awards payable (in the books) and reservations for cases on public notice
(in a higher app, reported through ``ledger.selectors.register_reservation_source``). So the
fund's *available* money (bank + cash − awards payable − reservations) is checked here, in
Python, after the books lock is taken and before anything is written: a posting that lowers a
fund's available money may not take it below zero. Set-based: the change of a whole batch is
summed per fund and currency first, and only the funds it lowers are read (one query for their
balances, one call per reservation source per fund). A reversal restores an earlier state and
may take a fund below zero, with one exception: a reversal made by hand (of a manual entry or a
reclassification, by four eyes) may not take money reserved for cases on notice, so while a
fund holds reservations it is checked like any posting (issue 12: a manual posting spent
reserved money). Reversals made by a flow (a void, an award's cancellation) are not checked.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _
from djmoney.money import Money

from ..exceptions import InsufficientFunds
from ..models import Balance, Fund
from ..selectors import reserved_in
from .prepare import DEBIT, PreparedEntry

# The accounts whose balances make up available money. Debit-positive balances, so that bank
# + cash − awards payable is simply their sum (payable is a credit balance).
MONEY_ROLES = ("cash", "bank", "awards_payable")
# Entries made by hand (EntrySpec.source; a reversal carries the source of what it reverses).
HAND_MADE = ("manual", "reclassification")


def _by_hand_reversal(p: PreparedEntry) -> bool:
    return p.spec.reverses is not None and p.spec.source in HAND_MADE


def lowered(
    prepared: list[PreparedEntry], *, hand_reversals: bool = True
) -> dict[tuple[int, str], Decimal]:
    """{(fund id, currency): change} for each fund whose available money the entries lower
    (reversals made by a flow left out; those made by hand too when ``hand_reversals`` is
    false)."""
    change: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for p in prepared:
        if p.spec.reverses is not None and not (hand_reversals and _by_hand_reversal(p)):
            continue
        for account, fund, side, value, currency, _memo in p.lines:
            if account.role in MONEY_ROLES:
                change[(fund.id, currency)] += value if side == DEBIT else -value
    return {key: delta for key, delta in change.items() if delta < 0}


def check_available(prepared: list[PreparedEntry]) -> None:
    """Refuse (``InsufficientFunds``) entries that would take a fund's available money below
    zero. Call with the books lock held (``ledger.locks.lock_head``)."""
    falls = lowered(prepared)
    if not falls:
        return
    fund_ids = {fund_id for fund_id, _cur in falls}
    held: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for fund_id, currency, balance in Balance.objects.filter(
        fund_id__in=fund_ids, account__role__in=MONEY_ROLES
    ).values_list("fund_id", "currency", "balance"):
        held[(fund_id, currency)] += balance
    funds: dict[int, Fund] = {
        line.fund.id: line.fund for p in prepared for line in p.lines if line.fund.id in fund_ids
    }
    reserved = {fund_id: reserved_in(fund) for fund_id, fund in funds.items()}
    # What falls by entries other than reversals made by hand: those may take a fund below
    # zero when nothing in it is reserved (they restore an earlier state), never into money
    # reserved.
    plain = lowered(prepared, hand_reversals=False)
    for (fund_id, currency), delta in sorted(falls.items()):
        held_back = reserved[fund_id].get(currency, Decimal(0))
        available = held[(fund_id, currency)] - held_back
        if (fund_id, currency) not in plain and held_back <= 0:
            continue
        if available + delta < 0:
            raise InsufficientFunds(
                _(
                    "Fund %(fund)s has %(available)s available (cash at bank and on hand, less "
                    "awards payable and money reserved for cases on notice); this posting needs "
                    "%(needed)s. Nothing was posted: wait for money to reach the fund, or pay "
                    "from a fund that has it."
                )
                % {
                    "fund": funds[fund_id].code,
                    "available": Money(available, currency),
                    "needed": Money(-delta, currency),
                }
            )


__all__ = ["HAND_MADE", "MONEY_ROLES", "check_available", "lowered"]
