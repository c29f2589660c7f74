"""What is still owed: final awards and entitlements with no live payment, and the money a
fund has promised to the bank.

"Owed" means a final award (approvals ``Case`` in state ``final``) or an entitlement with no
*live* payment (pending, sent or paid). A failed payment leaves its source owed until it is
reissued; a reissued payment's replacement is the live one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum

from approvals.models import Case, CaseState, Program, Region
from ledger.models import Fund

from ..models import LIVE_STATUSES, BatchStatus, Entitlement, Payment, PaymentStatus, PayoutBatch
from .base import cents


def _live(source: str):
    return Exists(Payment.objects.filter(**{source: OuterRef("pk")}, status__in=LIVE_STATUSES))


def unpaid_cases(
    *,
    program: Program,
    cycle: str = "",
    region: Region | None = None,
    final_from: date | None = None,
    final_to: date | None = None,
) -> QuerySet[Case]:
    """Final awards of the program with no live payment, filtered as a batch is built."""
    qs = Case.objects.filter(program=program, state=CaseState.FINAL).exclude(_live("case"))
    if cycle:
        qs = qs.filter(cycle=cycle)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    if final_from is not None:
        qs = qs.filter(final_at__date__gte=final_from)
    if final_to is not None:
        qs = qs.filter(final_at__date__lte=final_to)
    return qs


def unpaid_entitlements(
    *,
    program: Program,
    cycle: str = "",
    region: Region | None = None,
    final_from: date | None = None,
    final_to: date | None = None,
) -> QuerySet[Entitlement]:
    """Entitlements of the program with no live payment, filtered as a batch is built."""
    qs = Entitlement.objects.filter(program=program).exclude(_live("entitlement"))
    if cycle:
        qs = qs.filter(cycle__code=cycle)
    if region is not None:
        qs = qs.filter(household__region__code__startswith=region.prefix)
    if final_from is not None:
        qs = qs.filter(created_at__date__gte=final_from)
    if final_to is not None:
        qs = qs.filter(created_at__date__lte=final_to)
    return qs


def fund_committed(
    *, fund: Fund, currency: str, exclude_batch: PayoutBatch | None = None
) -> Decimal:
    """Money promised to the bank: payments not yet paid or failed in the fund's approved or
    exported batches."""
    qs = Payment.objects.filter(
        batch__fund=fund,
        batch__status__in=[BatchStatus.APPROVED, BatchStatus.EXPORTED],
        status__in=[PaymentStatus.PENDING, PaymentStatus.SENT],
        amount_currency=currency,
    )
    if exclude_batch is not None:
        qs = qs.exclude(batch=exclude_batch)
    return cents(qs.aggregate(total=Sum("amount"))["total"])


def owed_summary(*, region: Region | None) -> list[dict]:
    """Per active program: how many final awards and entitlements of ``region`` (and below) are
    still owed, and their sum per currency; programs owing nothing are left out. Shown beside
    the form that builds a batch.

    Each row is ``{"program", "count", "totals": [(currency, Decimal), ...]}``."""
    out = []
    for program in Program.objects.filter(is_active=True).order_by("code"):
        row = {"program": program, "count": 0, "totals": defaultdict(Decimal)}
        for qs in (
            unpaid_cases(program=program, region=region),
            unpaid_entitlements(program=program, region=region),
        ):
            for item in qs.values("amount_currency").annotate(n=Count("id"), total=Sum("amount")):
                row["count"] += item["n"]
                row["totals"][item["amount_currency"]] += item["total"] or Decimal("0")
        if row["count"]:
            row["totals"] = sorted(row["totals"].items())
            out.append(row)
    return out
