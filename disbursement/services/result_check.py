"""Reading a bank result file's lines against the batch: every line checked before anything is
booked (``results`` books what this accepts; ``preflight`` lists the same problems before a job
is queued).

* **Whole-file refusal.** Every line is checked first (columns, known reference of this batch,
  no duplicate line, a status the layout defines, the exact amount, a transaction id for a paid
  line, a charge that is a sum of money, and agreement with what is already recorded). If any
  line is bad the whole file is refused (``BankFileRejected`` lists every problem) and nothing
  is written but an audit event: a bank file is one statement of fact, and booking part of it
  would leave the officer to work out which half went in.
* **Value date.** The day the bank paid (its value date, 起息日/交易日期) is the payment's date:
  the layout's ``value_date`` column on each line, or, for a layout without one, the value date
  the importer states for the whole file (by default the day of the import). A paid line needs
  one; a value date after today, before the batch was sent to the bank, or in a closed period
  is refused with the line (``check_value_date`` says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.models import Period, PeriodStatus

from ..models import Payment, PaymentStatus
from ._common import CENT

PAID, FAILED = "paid", "failed"
MAX_PROBLEMS = 1000


@dataclass(slots=True)
class ResultLine:
    """One accepted line of a result file: what to record and book for its payment."""

    line_no: int
    payment_id: int
    reference: str
    outcome: str  # paid / failed
    txn: str
    amount: Decimal
    currency: str
    charge: Decimal | None
    reason: str
    value_date: date
    said: str = ""  # the status as the file wrote it (quoted by a conflict found later)


VALUE_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y-%m-%d %H:%M:%S")


def parse_value_date(text: str) -> date | None:
    """A value date as banks write it (2026-12-01, 20261201, 2026/12/01; an Excel date cell
    reads as 2026-12-01 00:00:00), or None."""
    text = (text or "").strip()
    for fmt in VALUE_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
    return None


def check_value_date(batch, day: date, today: date) -> str:
    """Why the bank cannot have paid on ``day`` ("" when it can): after today, before the
    batch's file was first sent to the bank, or in a closed period of the books."""
    if day > today:
        return _(
            "the value date %(day)s lies in the future (today is %(today)s): a bank reports "
            "what it has paid."
        ) % {"day": day.isoformat(), "today": today.isoformat()}
    sent = timezone.localdate(batch.exported_at) if batch.exported_at else None
    if sent is not None and day < sent:
        return _(
            "the value date %(day)s is before batch %(batch)s was sent to the bank on "
            "%(sent)s: check the date with the bank."
        ) % {"day": day.isoformat(), "batch": f"PB{batch.pk}", "sent": sent.isoformat()}
    period = Period.objects.filter(start__lte=day, end__gte=day).first()
    if period is not None and period.status != PeriodStatus.OPEN:
        return _(
            "the value date %(day)s lies in period %(period)s, which is closed for good: a "
            "payment is booked on its value date, so ask the bank to confirm it; if it is "
            "right, the payment cannot be booked in the closed period (record it with the "
            "finance supervisor)."
        ) % {"day": day.isoformat(), "period": period.code}
    return ""


def repeats_recorded(status: str, txn_before: str, outcome: str, txn: str) -> bool:
    """A line about a payment already settled says what was recorded (the same bank
    transaction paid, or failed): counted, not booked again. Anything else is a conflict."""
    return (status == PaymentStatus.PAID and outcome == PAID and txn == txn_before) or (
        status in (PaymentStatus.FAILED, PaymentStatus.REISSUED) and outcome == FAILED
    )


def conflict_problem(line_no: int, ref: str, status: str, txn_before: str, said: str) -> dict:
    """The problem of a line contradicting what is recorded for its payment: the one conflict
    rule, whether the payment was settled before the file was checked or while it was applied."""
    return {
        "line": line_no,
        "code": "conflict",
        "reference": ref,
        "message": _(
            "Line %(line)s: %(ref)s is already recorded as %(before)s%(txn)s; the file "
            "says %(now)s. Ask the bank which is right before importing."
        )
        % {
            "line": line_no,
            "ref": ref,
            "before": PaymentStatus(status).label,
            "txn": f" ({txn_before})" if txn_before else "",
            "now": said,
        },
    }


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def validate_result_rows(
    batch,
    layout,
    rows,
    problems: list[dict],
    import_id: int | None,
    *,
    value_date: date | None = None,
    today: date | None = None,
):
    """The lines to book, and how many repeat what earlier files recorded. Appends problems.
    ``value_date``: the file's value date for lines without one (default ``today``)."""
    today = today or timezone.localdate()
    file_value_date = value_date or today
    with_column = "value_date" in (layout.result_columns or {})
    date_problems: dict[date, str] = {}

    def date_problem(day: date) -> str:
        # A file holds one or a few value dates: each checked once.
        try:
            return date_problems[day]
        except KeyError:
            found = date_problems[day] = check_value_date(batch, day, today)
            return found

    payments = {
        ref: (pk, amount, cur, status, txn, imp)
        for pk, ref, amount, cur, status, txn, imp in Payment.objects.filter(batch=batch)
        .order_by()
        .values_list(
            "id",
            "reference",
            "amount",
            "amount_currency",
            "status",
            "bank_txn_id",
            "result_import_id",
        )
    }
    paid_values, failed_values = set(layout.paid_values), set(layout.failed_values)
    first_seen: dict[str, int] = {}
    todo: list[ResultLine] = []
    already = 0

    def bad(line_no, code, ref, message):
        if len(problems) < MAX_PROBLEMS:
            problems.append({"line": line_no, "code": code, "reference": ref, "message": message})

    # Amount texts repeat (a program pays a few fixed sums): parse each once, with its value
    # rounded to the cent (a text with more decimals than that is not a sum of money).
    decimals: dict[str, tuple[Decimal | None, Decimal | None]] = {}

    def amount_of(text: str) -> tuple[Decimal | None, Decimal | None]:
        try:
            return decimals[text]
        except KeyError:
            value, cents = _decimal(text), None
            if value is not None:
                try:
                    cents = value.quantize(CENT)
                except InvalidOperation:  # too large to be a sum of money: a mismatch
                    cents = None
            parsed = decimals[text] = (value, cents)
            return parsed

    for line_no, row in rows:
        ref = row.get("reference", "")
        where = {"line": line_no, "ref": ref}
        if ref in first_seen:
            bad(
                line_no,
                "duplicate_line",
                ref,
                _("Line %(line)s: reference %(ref)s appears again (first on line %(first)s).")
                % {**where, "first": first_seen[ref]},
            )
            continue
        first_seen[ref] = line_no
        payment = payments.get(ref)
        if payment is None:
            bad(
                line_no,
                "unknown_reference",
                ref,
                _("Line %(line)s: reference “%(ref)s” is not a payment of batch %(batch)s.")
                % {**where, "batch": f"PB{batch.pk}"},
            )
            continue
        pk, amount, cur, status, txn_before, imp_before = payment
        raw_status = row.get("status", "")
        if raw_status in paid_values:
            outcome = PAID
        elif raw_status in failed_values:
            outcome = FAILED
        else:
            bad(
                line_no,
                "undefined_status",
                ref,
                _(
                    "Line %(line)s: status “%(status)s” is not defined by layout %(layout)s "
                    "(paid: %(paid)s; failed: %(failed)s)."
                )
                % {
                    **where,
                    "status": raw_status,
                    "layout": layout.name,
                    "paid": ", ".join(layout.paid_values),
                    "failed": ", ".join(layout.failed_values),
                },
            )
            continue
        reported, reported_cents = amount_of(row.get("amount", ""))
        if reported is None:
            bad(
                line_no,
                "bad_amount",
                ref,
                _("Line %(line)s: the amount “%(amount)s” is not a number.")
                % {**where, "amount": row.get("amount", "")},
            )
            continue
        if reported_cents != amount or reported != reported_cents:
            bad(
                line_no,
                "amount_mismatch",
                ref,
                _(
                    "Line %(line)s: %(ref)s reports %(reported)s but the payment is %(amount)s; "
                    "a payment is for exactly the award."
                )
                % {**where, "reported": reported, "amount": amount},
            )
            continue
        txn = row.get("bank_txn_id", "")
        if outcome == PAID and not txn:
            bad(
                line_no,
                "missing_txn",
                ref,
                _("Line %(line)s: %(ref)s is reported paid without a bank transaction id.") % where,
            )
            continue
        charge = None
        if row.get("charge", ""):
            charge, charge_cents = amount_of(row["charge"])
            if charge is None or charge < 0 or charge != charge_cents:
                bad(
                    line_no,
                    "bad_charge",
                    ref,
                    _("Line %(line)s: the bank charge “%(charge)s” is not a sum of money.")
                    % {**where, "charge": row["charge"]},
                )
                continue
            charge = charge_cents or None
        day = file_value_date
        raw_day = row.get("value_date", "") if with_column else ""
        if raw_day:
            day = parse_value_date(raw_day)
            if day is None:
                bad(
                    line_no,
                    "bad_value_date",
                    ref,
                    _(
                        "Line %(line)s: the value date “%(value)s” is not a date (write it as "
                        "2026-12-01 or 20261201)."
                    )
                    % {**where, "value": raw_day},
                )
                continue
        elif with_column and outcome == PAID:
            bad(
                line_no,
                "missing_value_date",
                ref,
                _("Line %(line)s: %(ref)s is reported paid without a value date.") % where,
            )
            continue
        why = date_problem(day)
        if why:
            bad(
                line_no,
                "bad_value_date",
                ref,
                _("Line %(line)s: %(ref)s: %(why)s") % {**where, "why": why},
            )
            continue
        if status == PaymentStatus.PENDING:
            bad(
                line_no,
                "not_sent",
                ref,
                _("Line %(line)s: %(ref)s was never sent to the bank.") % where,
            )
            continue
        if status != PaymentStatus.SENT:
            if import_id is not None and imp_before == import_id:
                continue  # this very file, applied before an interruption
            if repeats_recorded(status, txn_before, outcome, txn):
                already += 1
                continue
            problem = conflict_problem(line_no, ref, status, txn_before, raw_status)
            bad(line_no, problem["code"], ref, problem["message"])
            continue
        todo.append(
            ResultLine(
                line_no=line_no,
                payment_id=pk,
                reference=ref,
                outcome=outcome,
                txn=txn[:64],
                amount=amount,
                currency=cur,
                charge=charge,
                reason=row.get("failure_reason", "")[:200],
                value_date=day,
                said=raw_status,
            )
        )
    return todo, already
