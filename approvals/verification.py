"""What relief cases tell ``verify_ledger`` (registered in ``approvals.apps``).

* Claims: a final or cancelled case's award entry credits awards payable with the case's amount
  in its program's fund; a cancelled case's cancellation entry debits it back. A credit or debit
  to awards payable that no document claims is reported by the ledger; a claim not in the books
  is reported here by its case number (``award_payable_missing``).
* Balance: final awards add to what awards payable must hold, per fund and currency; payouts
  subtract what it paid (``disbursement.verification``), so the sum is the final unpaid awards
  and unpaid entitlements.
* Reservations (``reservation_findings``, a document check): a case on notice or objected to
  holds one active reservation of its amount in its program's fund; a closed or final one none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from ledger import chart
from ledger.verification import AWARD_PAYABLE_MISSING, RESERVATION_MISMATCH, Claim

from .models import Case, CaseState, Reservation


def award_claims(lo: int, hi: int) -> Iterator[Claim]:
    booked = Case.objects.filter(
        state__in=[CaseState.FINAL, CaseState.CANCELLED],
        award_entry_id__gte=lo,
        award_entry_id__lt=hi,
    ).values_list(
        "number",
        "award_entry_id",
        "program__fund_id",
        "amount",
        "amount_currency",
        "award_entry__date",
    )
    for number, entry_id, fund_id, amount, currency, day in booked:
        yield Claim(
            entry_id=entry_id,
            account=chart.AWARDS_PAYABLE,
            fund_id=fund_id,
            currency=currency,
            side="C",
            amount=amount,
            code=AWARD_PAYABLE_MISSING,
            document=_("award %(number)s") % {"number": number},
            day=day,
        )
    cancelled = Case.objects.filter(
        state=CaseState.CANCELLED, cancel_entry_id__gte=lo, cancel_entry_id__lt=hi
    ).values_list(
        "number",
        "cancel_entry_id",
        "program__fund_id",
        "amount",
        "amount_currency",
        "cancel_entry__date",
    )
    for number, entry_id, fund_id, amount, currency, day in cancelled:
        yield Claim(
            entry_id=entry_id,
            account=chart.AWARDS_PAYABLE,
            fund_id=fund_id,
            currency=currency,
            side="D",
            amount=amount,
            code=AWARD_PAYABLE_MISSING,
            document=_("cancellation of award %(number)s") % {"number": number},
            day=day,
        )


def final_awards_owed() -> dict[tuple[int, str], Decimal]:
    """Final awards, per paying fund and currency (what they added to awards payable)."""
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    rows = (
        Case.objects.filter(state=CaseState.FINAL)
        .values("program__fund_id", "amount_currency")
        .annotate(t=Sum("amount"))
        .order_by()
    )
    for row in rows:
        totals[(row["program__fund_id"], row["amount_currency"])] += Decimal(row["t"]).quantize(
            Decimal("0.01")
        )
    return totals


def reservation_findings() -> Iterator[tuple[str, str, str, str | None]]:
    """Reservations against their cases (``register_document_check``): a case on notice or
    objected to holds exactly one active reservation of its amount in its program's fund; a case
    that is final, rejected, withdrawn or cancelled holds none. A reservation deleted or lowered
    underneath would let the fund promise the same money twice."""
    held = (CaseState.ON_NOTICE, CaseState.OBJECTED)
    done = (CaseState.FINAL, CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.CANCELLED)
    active: dict[int, list[tuple]] = defaultdict(list)
    for case_id, fund_id, amount, currency in Reservation.objects.filter(active=True).values_list(
        "case_id", "fund_id", "amount", "amount_currency"
    ):
        active[case_id].append((fund_id, amount, currency))
    cases = Case.objects.filter(state__in=held) | Case.objects.filter(pk__in=list(active))
    for pk, number, state, fund_id, fund_code, amount, currency in cases.values_list(
        "pk", "number", "state", "program__fund_id", "program__fund__code", "amount",
        "amount_currency",
    ).order_by("pk"):  # fmt: skip
        document = _("case %(number)s") % {"number": number}
        rows = active.get(pk, [])
        if state in held and rows != [(fund_id, amount, currency)]:
            yield (
                RESERVATION_MISMATCH,
                _(
                    "case %(number)s is on notice for %(amount)s %(cur)s in fund %(fund)s but "
                    "its active reservations are %(rows)s: the fund's available money is wrong"
                )
                % {
                    "number": number,
                    "amount": amount,
                    "cur": currency,
                    "fund": fund_code,
                    "rows": ", ".join(f"{a} {c}" for _f, a, c in rows) or _("none"),
                },
                document,
                fund_code,
            )
        elif state in done and rows:
            yield (
                RESERVATION_MISMATCH,
                _("case %(number)s is %(state)s but still holds an active reservation")
                % {"number": number, "state": state},
                document,
                fund_code,
            )
