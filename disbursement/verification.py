"""What payouts tell ``verify_ledger`` (registered in ``disbursement.apps``).

* Claims: an entitlement's entry credits awards payable with its amount in its program's fund
  (``entitlement_payable_missing`` when not); a paid payment's entry debits awards payable with
  exactly the payment's amount in the batch's fund (``payment_payable_missing``). A debit to
  awards payable that no paid payment (nor a cancelled award) claims is reported by the ledger.
* Balance: entitlements add to what awards payable must hold and paid payments take away from
  it, per fund and currency; with the final awards (``approvals.verification``) the sum is the
  final unpaid awards and unpaid entitlements.
* Recoveries (``recovery_claims``, ``recoveries_owed``): a decided recovery's entry debits
  recoveries receivable with its amount in its fund, each refund's entry credits it with the
  refund, a write-off's entry with what was left (``recovery_receivable_missing`` when not);
  the account holds, per fund, what the open recoveries still claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from ledger import chart
from ledger.verification import (
    ENTITLEMENT_PAYABLE_MISSING,
    PAYMENT_PAYABLE_MISSING,
    RECOVERY_RECEIVABLE_MISSING,
    Claim,
)

from .models import (
    BOOKED_RECOVERY,
    Entitlement,
    Payment,
    PaymentStatus,
    Recovery,
    RecoveryRefund,
    RecoveryStatus,
)

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


def _recovery_claim(entry_id, fund_id, currency, side, amount, document, day) -> Claim:
    return Claim(
        entry_id=entry_id,
        account=chart.RECOVERIES_RECEIVABLE,
        fund_id=fund_id,
        currency=currency,
        side=side,
        amount=amount,
        code=RECOVERY_RECEIVABLE_MISSING,
        document=document,
        day=day,
    )


def recovery_claims(lo: int, hi: int) -> Iterator[Claim]:
    """Recoveries decided (debit), their refunds and write-offs (credit) with entries in range."""
    opened = Recovery.objects.filter(
        status__in=BOOKED_RECOVERY, entry_id__gte=lo, entry_id__lt=hi
    ).values_list("pk", "entry_id", "fund_id", "amount", "amount_currency", "entry__date")
    for pk, entry_id, fund_id, amount, currency, day in opened:
        doc = _("recovery RC%(id)s") % {"id": pk}
        yield _recovery_claim(entry_id, fund_id, currency, "D", amount, doc, day)
    refunds = RecoveryRefund.objects.filter(entry_id__gte=lo, entry_id__lt=hi).values_list(
        "number", "entry_id", "recovery__fund_id", "amount", "amount_currency", "entry__date"
    )
    for number, entry_id, fund_id, amount, currency, day in refunds:
        doc = _("refund %(number)s") % {"number": number}
        yield _recovery_claim(entry_id, fund_id, currency, "C", amount, doc, day)
    written = Recovery.objects.filter(
        status=RecoveryStatus.WRITTEN_OFF, write_off_entry_id__gte=lo, write_off_entry_id__lt=hi
    ).values_list("pk", "write_off_entry_id", "fund_id", "amount", "amount_currency")
    for pk, entry_id, fund_id, amount, currency in written:
        refunded = RecoveryRefund.objects.filter(recovery_id=pk).aggregate(t=Sum("amount"))["t"]
        left = (Decimal(amount) - Decimal(refunded or 0)).quantize(CENT)
        entry_day = Recovery.objects.filter(pk=pk).values_list("write_off_entry__date", flat=True)[
            0
        ]
        doc = _("write-off of recovery RC%(id)s") % {"id": pk}
        yield _recovery_claim(entry_id, fund_id, currency, "C", left, doc, entry_day)


def recoveries_owed() -> dict[tuple[int, str], Decimal]:
    """What the open recoveries still claim, per fund and currency, credit positive (so
    negative: a receivable is a debit)."""
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    open_ = Recovery.objects.filter(status=RecoveryStatus.OPEN)
    for key, amount in _sums(open_, "fund_id"):
        totals[key] -= amount
    for key, amount in _sums(
        RecoveryRefund.objects.filter(recovery__status=RecoveryStatus.OPEN), "recovery__fund_id"
    ):
        totals[key] += amount
    return totals
