"""Payment channels settling to the bank: a WeChat Pay, Alipay or POS settlement file imported,
its transactions matched to the donations by their transaction reference, and the money moved
from the channel's clearing account to the bank (with the channel's fee).

A donation paid through a channel is booked Dr clearing (1009xx) / Cr donation income when it is
recorded. The channel later pays the bank the day's total less its fee and sends a settlement
file (date, transaction reference, gross, fee, net per transaction). Importing it:

* checks every row first (a formula, an empty or repeated reference, a date, amounts to the
  cent, net = gross − fee) and, under the books lock, each transaction against the books: a
  transaction the donation's amount does not match, or one already imported with other
  amounts, is a row error; if any row is wrong nothing is recorded;
* posts, per fund, one settlement entry through the ledger (hash chain, balances, periods):
  Dr 1002 bank the net, Dr 5201 bank charges the fee, Cr the channel's clearing account the
  gross — never more than the donations it settles put there;
* keeps a transaction with no donation (or only a voided one) as an exception line: listed on
  the reconciliation, not posted (the money is at the bank but the books do not know the gift:
  record the donation, or correct the bank by a manual entry);
* is idempotent: a transaction is settled once (the database holds one line per channel and
  reference, and one per donation), so importing the same file again posts nothing, and two
  imports at once are serialised by the books lock (the unique line is the last word).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ... import chart
from ...models import Fund, Period, PeriodStatus
from ..exceptions import ChannelRefTaken, CollectionError
from ..models import (
    CHANNEL_METHODS,
    ChannelSettlement,
    ChannelSettlementLine,
    ChannelStatement,
    Donation,
    PaymentMethod,
    ReceiptStatus,
)
from ._books import AuditAction, LineSpec, audit, journal_post, lock_head, require
from ._import_rows import RowError, _holds_formula, _parse_date, map_header, read_file

CENT = Decimal("0.01")

# column -> accepted headers (English and Chinese, as the channels' files title them).
SETTLEMENT_COLUMNS = {
    "date": ["date", "日期", "交易日期", "交易时间"],
    "transaction_ref": [
        "transaction_ref",
        "ref",
        "交易单号",
        "商户单号",
        "商户订单号",
        "交易参考号",
        "流水号",
    ],
    "gross": ["gross", "交易金额", "订单金额", "金额"],
    "fee": ["fee", "手续费"],
    "net": ["net", "结算金额", "净额", "入账金额"],
}
SETTLEMENT_REQUIRED = list(SETTLEMENT_COLUMNS)


@dataclass
class SettlementRow:
    row: int
    ref: str
    on: date
    gross: Decimal
    fee: Decimal
    net: Decimal


@dataclass
class SettlementResult:
    channel: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    statement: ChannelStatement | None = None
    settled: list[ChannelSettlementLine] = field(default_factory=list)
    exceptions: list[ChannelSettlementLine] = field(default_factory=list)
    already: int = 0  # rows imported before, with the same amounts: nothing new
    totals: dict[str, dict[str, Money]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _amount(value, col: str, bad) -> Decimal | None:
    if value in (None, ""):
        bad(col, _("The amount is empty."))
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", "").replace("￥", ""))
    except InvalidOperation:
        bad(col, _("%(value)s is not an amount.") % {"value": value})
        return None
    if not amount.is_finite():
        bad(col, _("%(value)s is not an amount.") % {"value": value})
        return None
    if amount != amount.quantize(CENT):
        bad(col, _("The amount has more than two decimal places."))
        return None
    if amount < 0:
        bad(col, _("The amount cannot be negative."))
        return None
    return amount.quantize(CENT)


def parse_settlement_rows(rows, mapping, errors: list[RowError]) -> list[SettlementRow]:
    """The rows checked and typed; the problems of each added to ``errors``."""
    parsed: list[SettlementRow] = []
    seen: dict[str, int] = {}
    today = timezone.localdate()
    for number, values in rows:

        def get(col, values=values):
            index = mapping.get(col)
            return values[index] if index is not None and index < len(values) else None

        row_errors: list[RowError] = []

        def bad(col, message, number=number, row_errors=row_errors):
            row_errors.append(RowError(number, col, message))

        for col in mapping:
            if _holds_formula(get(col), "date" if col == "date" else "amount"):
                bad(col, _("The cell holds a formula; type the value itself."))
        if row_errors:
            errors.extend(row_errors)
            continue
        ref = str(get("transaction_ref") or "").strip()
        if not ref:
            bad("transaction_ref", _("The transaction reference is empty."))
        elif len(ref) > 64 or any(c.isspace() for c in ref):
            bad("transaction_ref", _("The transaction reference is not a channel's reference."))
        elif ref in seen:
            bad(
                "transaction_ref",
                _("The same transaction reference is on row %(row)s.") % {"row": seen[ref]},
            )
        else:
            seen[ref] = number
        on = None
        try:
            on = _parse_date(get("date"))
            if on > today:
                bad("date", _("The date is in the future."))
        except (ValueError, TypeError):
            raw = get("date")
            # A channel's "2026-12-07 10:15:00": the day is what counts.
            try:
                on = _parse_date(str(raw or "").strip()[:10])
            except (ValueError, TypeError):
                bad("date", _("%(value)s is not a date (use YYYY-MM-DD).") % {"value": raw})
        gross = _amount(get("gross"), "gross", bad)
        fee = _amount(get("fee"), "fee", bad)
        net = _amount(get("net"), "net", bad)
        if gross is not None and gross <= 0:
            bad("gross", _("The gross amount must be more than zero."))
        elif gross is not None and fee is not None and fee > gross:
            bad("fee", _("The fee is larger than the gross amount."))
        elif None not in (gross, fee, net) and net != gross - fee:
            bad(
                "net",
                _("The net amount %(net)s is not gross %(gross)s less fee %(fee)s (%(expected)s).")
                % {"net": net, "gross": gross, "fee": fee, "expected": gross - fee},
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(SettlementRow(number, ref, on, gross, fee, net))
    return parsed


def _valid_donations(channel: str, refs: list[str]) -> dict[str, Donation]:
    return {
        d.channel_ref: d
        for d in Donation.objects.filter(method=channel, channel_ref__in=refs)
        .exclude(receipt__status=ReceiptStatus.VOID)
        .select_related("fund", "receipt__book")
    }


def channel_settlement_import(
    *,
    channel: str,
    settled_on: date,
    content: bytes,
    filename: str,
    actor,
) -> SettlementResult:
    """Import one channel settlement file: check every row, then settle the new transactions
    (one entry per fund), keep the unknown ones as exceptions; all of it or nothing."""
    require(actor, "ledger.add_channelstatement")
    if channel not in CHANNEL_METHODS:
        raise CollectionError(_("Choose the channel: WeChat Pay, Alipay or POS."))
    if not isinstance(settled_on, date):
        raise CollectionError(_("The date the money reached the bank is required."))
    if settled_on > timezone.localdate():
        raise CollectionError(_("The date the money reached the bank cannot be in the future."))
    result = SettlementResult(channel=channel)
    header, rows = read_file(content, filename)
    mapping = map_header(header, SETTLEMENT_COLUMNS, SETTLEMENT_REQUIRED)
    parsed = parse_settlement_rows(rows, mapping, result.errors)
    result.rows = len(rows)
    if not rows:
        result.errors.append(RowError(1, "", _("The file has a header but no rows.")))
    if result.errors:
        return result
    channel_label = PaymentMethod(channel).label
    currency = settings.DEFAULT_CURRENCY
    with transaction.atomic():
        lock_head()
        refs = [r.ref for r in parsed]
        known = {
            line.transaction_ref: line
            for line in ChannelSettlementLine.objects.filter(
                channel=channel, transaction_ref__in=refs
            ).select_related("statement")
        }
        donations = _valid_donations(channel, [r.ref for r in parsed if r.ref not in known])
        new: list[tuple[SettlementRow, Donation | None]] = []
        for row in parsed:
            line = known.get(row.ref)
            if line is not None:
                if (line.gross, line.fee, line.net) == (row.gross, row.fee, row.net):
                    result.already += 1
                else:
                    result.errors.append(
                        RowError(
                            row.row,
                            "transaction_ref",
                            _(
                                "Transaction %(ref)s was imported on %(when)s (%(file)s) with "
                                "gross %(gross)s, fee %(fee)s; this row says otherwise. A "
                                "transaction is settled once: ask the channel which is right."
                            )
                            % {
                                "ref": row.ref,
                                "when": timezone.localtime(line.statement.imported_at).strftime(
                                    "%Y-%m-%d %H:%M"
                                ),
                                "file": line.statement.file_name,
                                "gross": line.gross,
                                "fee": line.fee,
                            },
                        )
                    )
                continue
            donation = donations.get(row.ref)
            if donation is not None:
                expected = donation.amount
                if str(expected.currency) != currency or expected.amount != row.gross:
                    result.errors.append(
                        RowError(
                            row.row,
                            "gross",
                            _(
                                "The gross amount %(gross)s is not the donation's %(amount)s "
                                "(receipt %(code)s, transaction %(ref)s)."
                            )
                            % {
                                "gross": row.gross,
                                "amount": expected,
                                "code": donation.receipt.code,
                                "ref": row.ref,
                            },
                        )
                    )
                    continue
                if donation.received_on > settled_on:
                    result.errors.append(
                        RowError(
                            row.row,
                            "date",
                            _(
                                "The donation of transaction %(ref)s was received on %(on)s, "
                                "after the settlement date %(settled)s."
                            )
                            % {"ref": row.ref, "on": donation.received_on, "settled": settled_on},
                        )
                    )
                    continue
            new.append((row, donation))
        if result.errors:
            transaction.set_rollback(True)
            return result
        if not new:
            return result  # the same file again: nothing new to settle
        statement = ChannelStatement.objects.create(
            channel=channel,
            settled_on=settled_on,
            file_name=filename[:200],
            file_sha256=hashlib.sha256(content).hexdigest(),
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        by_fund: dict[int, list[tuple[SettlementRow, Donation]]] = defaultdict(list)
        for row, donation in new:
            if donation is not None:
                by_fund[donation.fund_id].append((row, donation))
        try:
            for fund_id in sorted(by_fund):
                result.settled.extend(
                    _settle_fund(statement, by_fund[fund_id], currency, channel_label, actor)
                )
            for row, donation in new:
                if donation is None:
                    result.exceptions.append(
                        ChannelSettlementLine.objects.create(
                            statement=statement,
                            channel=channel,
                            transaction_ref=row.ref,
                            transacted_on=row.on,
                            currency=currency,
                            gross=row.gross,
                            fee=row.fee,
                            net=row.net,
                        )
                    )
        except IntegrityError as exc:  # pragma: no cover - the books lock serialises imports
            raise ChannelRefTaken(
                _("A transaction of this file was settled meanwhile; import the file again.")
            ) from exc
        result.statement = statement
        for kind, lines in (("settled", result.settled), ("exceptions", result.exceptions)):
            if lines:
                result.totals[kind] = {
                    part: Money(sum(getattr(line, part) for line in lines), currency)
                    for part in ("gross", "fee", "net")
                }
        audit(
            actor=actor,
            action=AuditAction.CHANNEL_SETTLEMENT_IMPORT,
            obj=statement,
            channel=channel,
            settled=len(result.settled),
            exceptions=len(result.exceptions),
            already=result.already,
        )
    return result


def channel_exception_settle(*, line: ChannelSettlementLine, actor) -> ChannelSettlementLine:
    """Settle an exception once its donation is recorded: the line is matched to the valid
    donation of its channel and reference (same gross, received no later than the statement's
    settlement date) and its own settlement entry is posted, dated the day the money reached
    the bank (today when that period is closed). Settling a settled line again changes nothing
    (a double click)."""
    require(actor, "ledger.add_channelstatement")
    with transaction.atomic():
        lock_head()
        line = (
            ChannelSettlementLine.objects.select_for_update(of=("self",))
            .select_related("statement")
            .get(pk=line.pk)
        )
        if line.donation_id is not None:
            return line
        donation = _valid_donations(line.channel, [line.transaction_ref]).get(line.transaction_ref)
        label = PaymentMethod(line.channel).label
        if donation is None:
            raise CollectionError(
                _(
                    "No valid %(channel)s donation with transaction reference %(ref)s is "
                    "recorded: record the donation first (with this reference), then settle."
                )
                % {"channel": label, "ref": line.transaction_ref}
            )
        if hasattr(donation, "settlement_line"):  # pragma: no cover - the reference is unique
            raise ChannelRefTaken(_("That donation is already settled."))
        if str(donation.amount.currency) != line.currency or donation.amount.amount != line.gross:
            raise CollectionError(
                _(
                    "The gross amount %(gross)s is not the donation's %(amount)s (receipt "
                    "%(code)s, transaction %(ref)s)."
                )
                % {
                    "gross": line.gross,
                    "amount": donation.amount,
                    "code": donation.receipt.code,
                    "ref": line.transaction_ref,
                }
            )
        statement = line.statement
        on = statement.settled_on
        if donation.received_on > on:
            raise CollectionError(
                _(
                    "The donation of transaction %(ref)s was received on %(on)s, after the "
                    "settlement date %(settled)s."
                )
                % {"ref": line.transaction_ref, "on": donation.received_on, "settled": on}
            )
        if not Period.objects.filter(start__lte=on, end__gte=on, status=PeriodStatus.OPEN).exists():
            on = timezone.localdate()
        row = SettlementRow(
            0, line.transaction_ref, line.transacted_on, line.gross, line.fee, line.net
        )
        settlement = _post_settlement(
            statement,
            donation.fund,
            [row],
            line.currency,
            label,
            actor,
            on=on,
            key=f"channel-exception:{line.pk}",
        )
        line.donation = donation
        line.settlement = settlement
        line.save(update_fields=["donation", "settlement"])
        audit(
            actor=actor,
            action=AuditAction.CHANNEL_EXCEPTION_SETTLE,
            obj=line,
            channel=line.channel,
            ref=line.transaction_ref,
            donation=donation.pk,
        )
    return line


def _post_settlement(
    statement, fund, rows, currency, label, actor, *, on, key
) -> ChannelSettlement:
    """The settlement entry of ``rows`` (all in ``fund``) and its record."""
    gross = sum((row.gross for row in rows), Decimal(0))
    fee = sum((row.fee for row in rows), Decimal(0))
    net = gross - fee
    lines = []
    if net > 0:
        lines.append(LineSpec(chart.BANK, fund, "D", Money(net, currency)))
    if fee > 0:
        lines.append(LineSpec(chart.BANK_CHARGES, fund, "D", Money(fee, currency)))
    lines.append(LineSpec(chart.CLEARING[statement.channel], fund, "C", Money(gross, currency)))
    entry = journal_post(
        date=on,
        lines=lines,
        idempotency_key=key,
        memo=_("%(channel)s settlement of %(on)s: %(n)s transactions, fee %(fee)s")
        % {
            "channel": label,
            "on": statement.settled_on.isoformat(),
            "n": len(rows),
            "fee": Money(fee, currency),
        },
        source="channel_settlement",
        actor=actor,
    )
    return ChannelSettlement.objects.create(
        statement=statement,
        fund=fund,
        currency=currency,
        gross=gross,
        fee=fee,
        net=net,
        entry=entry,
    )


def _settle_fund(statement, pairs, currency, channel_label, actor) -> list[ChannelSettlementLine]:
    """One fund's part of a statement: its settlement entry, then its lines naming it."""
    fund: Fund = pairs[0][1].fund
    settlement = _post_settlement(
        statement,
        fund,
        [row for row, _d in pairs],
        currency,
        channel_label,
        actor,
        on=statement.settled_on,
        key=f"channel-settlement:{statement.pk}:{fund.pk}:{currency}",
    )
    return [
        ChannelSettlementLine.objects.create(
            statement=statement,
            channel=statement.channel,
            transaction_ref=row.ref,
            transacted_on=row.on,
            currency=currency,
            gross=row.gross,
            fee=row.fee,
            net=row.net,
            donation=donation,
            settlement=settlement,
        )
        for row, donation in pairs
    ]


__all__ = [
    "SETTLEMENT_COLUMNS",
    "SettlementResult",
    "channel_exception_settle",
    "channel_settlement_import",
    "parse_settlement_rows",
]
