"""Reading a bank result file's lines against the batch: every line checked before anything is
booked (``results`` books what this accepts; ``preflight`` lists the same problems before a job
is queued).

* **Whole-file refusal.** Every line is checked first (columns, known reference of this batch,
  no duplicate line, a status the layout defines, the exact amount, a transaction id for a paid
  line, a charge that is a sum of money, and agreement with what is already recorded). If any
  line is bad the whole file is refused (``BankFileRejected`` lists every problem) and nothing
  is written but an audit event: a bank file is one statement of fact, and booking part of it
  would leave the officer to work out which half went in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

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


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def validate_result_rows(batch, layout, rows, problems: list[dict], import_id: int | None):
    """The lines to book, and how many repeat what earlier files recorded. Appends problems."""
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
            same = (status == PaymentStatus.PAID and outcome == PAID and txn == txn_before) or (
                status in (PaymentStatus.FAILED, PaymentStatus.REISSUED) and outcome == FAILED
            )
            if same:
                already += 1
                continue
            bad(
                line_no,
                "conflict",
                ref,
                _(
                    "Line %(line)s: %(ref)s is already recorded as %(before)s%(txn)s; the file "
                    "says %(now)s. Ask the bank which is right before importing."
                )
                % {
                    **where,
                    "before": PaymentStatus(status).label,
                    "txn": f" ({txn_before})" if txn_before else "",
                    "now": raw_status,
                },
            )
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
            )
        )
    return todo, already
