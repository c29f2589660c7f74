"""The balances check of ``verify_ledger``: running balances, in line id order, and stored
balances.

* each line's ``balance_after`` follows from the line before it of the same account, fund and
  currency (in id order), and equals the running sum of those lines;
* each stored ``Balance`` equals the recomputed total, points to its key's latest line and counts
  its key's lines; every key with lines has a balance row, and no balance row lacks lines.

Lines are read with a server-side cursor; what is kept in memory is one ``KeyState`` per
account x fund x currency key, not the lines.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import Balance, JournalLine, Side
from .references import check_line_names
from .report import (
    BALANCE_DRIFT,
    BALANCE_LAST_LINE,
    BALANCE_LINE_COUNT,
    BALANCE_MISSING,
    BALANCE_ORPHAN,
    CHUNK_SIZE,
    KEY_RUNNING_SUM,
    LINE_BALANCE_AFTER,
    LedgerReport,
    where,
)

ZERO = Decimal("0.00")


class KeyState:
    """What is remembered per account x fund x currency while the lines stream past."""

    __slots__ = ("first_off", "last_after", "last_line", "lines", "off", "total")

    def __init__(self) -> None:
        self.total = ZERO  # recomputed from the amounts alone
        self.last_after = ZERO  # the stored balance_after of the latest line
        self.last_line = 0
        self.lines = 0
        self.off = 0  # lines whose balance_after differs from the running sum
        self.first_off: tuple[int, int | None, Decimal, Decimal] | None = None


def signed(side: str, amount: Decimal) -> Decimal:
    """A line's amount as it moves its key's balance: debits up, credits down."""
    return amount if side == Side.DEBIT else -amount


def check_running_balances(
    report: LedgerReport, accounts, funds, seq_of, chunk_size, progress, progress_every
) -> dict[tuple[int, int, str], KeyState]:
    keys: dict[tuple[int, int, str], KeyState] = {}
    rows = (
        JournalLine.objects.order_by("id")
        .values_list(
            "id",
            "entry_id",
            "account_id",
            "fund_id",
            "amount_currency",
            "side",
            "amount",
            "balance_after",
        )
        .iterator(chunk_size=chunk_size)
    )
    for line_id, entry_id, account_id, fund_id, currency, side, amount, after in rows:
        report.lines += 1
        if progress and report.lines % progress_every == 0:
            progress(_("balances: %(n)s lines checked") % {"n": f"{report.lines:,}"})
        k = (account_id, fund_id, currency)
        state = keys.get(k)
        if state is None:
            state = keys[k] = KeyState()
            # Lines name accounts and funds without foreign keys (the guards hold it): a key
            # whose account or fund is gone is reported once.
            check_line_names(
                report, accounts, funds, seq_of, line_id, entry_id, account_id, fund_id, currency
            )
        amount_signed = signed(side, amount)
        if after != state.last_after + amount_signed:
            report.add(
                LINE_BALANCE_AFTER,
                _(
                    "line %(line)s of entry %(seq)s: balance after is %(after)s, but the line "
                    "before it (%(before)s) and this line (%(signed)s) give %(expected)s"
                )
                % {
                    "line": line_id,
                    "seq": seq_of(entry_id),
                    "after": after,
                    "before": state.last_after,
                    "signed": f"{amount_signed:+}",
                    "expected": state.last_after + amount_signed,
                },
                seq=seq_of(entry_id),
                line_id=line_id,
                **where(accounts, funds, account_id, fund_id, currency),
            )
        state.total += amount_signed
        if after != state.total:
            state.off += 1
            if state.first_off is None:
                state.first_off = (line_id, entry_id, after, state.total)
        state.last_after = after
        state.last_line = line_id
        state.lines += 1
    report.keys = len(keys)
    for k, state in keys.items():
        if state.first_off is not None:
            line_id, entry_id, after, total = state.first_off
            report.add(
                KEY_RUNNING_SUM,
                _(
                    "%(off)s of %(n)s lines disagree with the running sum of the lines; first "
                    "line %(line)s (entry %(seq)s): balance after %(after)s, lines give %(total)s"
                )
                % {
                    "off": state.off,
                    "n": state.lines,
                    "line": line_id,
                    "seq": seq_of(entry_id),
                    "after": after,
                    "total": total,
                },
                seq=seq_of(entry_id),
                line_id=line_id,
                **where(accounts, funds, *k),
            )
    return keys


def check_balances(report, keys, accounts, funds) -> None:
    seen = set()
    rows = (
        Balance.objects.order_by("id")
        .values_list(
            "id", "account_id", "fund_id", "currency", "balance", "last_line_id", "line_count"
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for bal_id, account_id, fund_id, currency, balance, last_line, line_count in rows:
        report.balances += 1
        k = (account_id, fund_id, currency)
        here = where(accounts, funds, *k)
        state = keys.get(k)
        if state is None:
            report.add(
                BALANCE_ORPHAN,
                _("stored balance %(id)s (%(balance)s %(cur)s) has no lines behind it")
                % {"id": bal_id, "balance": balance, "cur": currency},
                **here,
            )
            continue
        seen.add(k)
        if balance != state.total:
            report.add(
                BALANCE_DRIFT,
                _("stored balance is %(balance)s %(cur)s but the lines add up to %(total)s")
                % {"balance": balance, "cur": currency, "total": state.total},
                **here,
            )
        if line_count != state.lines:
            report.add(
                BALANCE_LINE_COUNT,
                _("stored balance counts %(stored)s line(s), but its key has %(lines)s")
                % {"stored": line_count, "lines": state.lines},
                **here,
            )
        if last_line != state.last_line:
            report.add(
                BALANCE_LAST_LINE,
                _("stored balance points to line %(stored)s, but the latest line is %(latest)s")
                % {"stored": last_line, "latest": state.last_line},
                line_id=state.last_line,
                **here,
            )
        elif balance != state.last_after:
            report.add(
                BALANCE_DRIFT,
                _("stored balance is %(balance)s %(cur)s but its latest line says %(after)s")
                % {"balance": balance, "cur": currency, "after": state.last_after},
                line_id=last_line,
                **here,
            )
    for k in sorted(set(keys) - seen):
        report.add(
            BALANCE_MISSING,
            _("%(n)s line(s) but no stored balance (the lines add up to %(total)s)")
            % {"n": keys[k].lines, "total": keys[k].total},
            **where(accounts, funds, *k),
        )
