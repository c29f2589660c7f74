"""What payouts tell ``verify_ledger`` (registered in ``disbursement.apps``).

* Claims: an entitlement's entry credits awards payable with its amount in its program's fund
  (``entitlement_payable_missing`` when not); a paid payment's entry debits awards payable with
  exactly the payment's amount in the batch's fund (``payment_payable_missing``). A debit to
  awards payable that no paid payment (nor a cancelled award) claims is reported by the ledger.
* Balance: entitlements add to what awards payable must hold and paid payments take away from
  it, per fund and currency; with the final awards (``approvals.verification``) the sum is the
  final unpaid awards and unpaid entitlements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from ledger import chart
from ledger.verification import ENTITLEMENT_PAYABLE_MISSING, PAYMENT_PAYABLE_MISSING, Claim

from .models import Entitlement, Payment, PaymentStatus

CENT = Decimal("0.01")


def payout_claims(lo: int, hi: int) -> Iterator[Claim]:
    entitlements = Entitlement.objects.filter(entry_id__gte=lo, entry_id__lt=hi).values_list(
        "pk", "cycle__code", "entry_id", "program__fund_id", "amount", "amount_currency",
        "entry__date",
    )  # fmt: skip
    for pk, cycle, entry_id, fund_id, amount, currency, day in entitlements:
        yield Claim(
            entry_id=entry_id,
            account=chart.AWARDS_PAYABLE,
            fund_id=fund_id,
            currency=currency,
            side="C",
            amount=amount,
            code=ENTITLEMENT_PAYABLE_MISSING,
            document=_("entitlement %(id)s (cycle %(cycle)s)") % {"id": pk, "cycle": cycle},
            day=day,
        )
    paid = Payment.objects.filter(
        status=PaymentStatus.PAID, entry_id__gte=lo, entry_id__lt=hi
    ).values_list(
        "pk", "reference", "entry_id", "batch__fund_id", "amount", "amount_currency", "entry__date"
    )
    for pk, reference, entry_id, fund_id, amount, currency, day in paid:
        yield Claim(
            entry_id=entry_id,
            account=chart.AWARDS_PAYABLE,
            fund_id=fund_id,
            currency=currency,
            side="D",
            amount=amount,
            code=PAYMENT_PAYABLE_MISSING,
            document=_("payment %(id)s (%(ref)s)") % {"id": pk, "ref": reference},
            day=day,
        )


def _sums(queryset, fund_field: str) -> Iterator[tuple[tuple[int, str], Decimal]]:
    rows = queryset.values(fund_field, "amount_currency").annotate(t=Sum("amount")).order_by()
    for row in rows:
        yield (row[fund_field], row["amount_currency"]), Decimal(row["t"]).quantize(CENT)


def payouts_owed() -> dict[tuple[int, str], Decimal]:
    """Entitlements less paid payments, per fund and currency."""
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for key, amount in _sums(Entitlement.objects.all(), "program__fund_id"):
        totals[key] += amount
    for key, amount in _sums(Payment.objects.filter(status=PaymentStatus.PAID), "batch__fund_id"):
        totals[key] -= amount
    return totals
