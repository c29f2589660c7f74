"""How long awards wait for their money: days from final approval to payment, a batch's or a
program's timeliness, and the awards still unpaid past ``PAYOUT_LATE_DAYS`` (the late report
and the home page's count).

A payment is paid on the bank's value date (``paid_at`` is that day's first moment): the days
it took are counted in calendar dates, from the local day the award became owed to the value
date, so an award final at 17:00 and paid by the bank the next day took one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from approvals.models import Case, CaseState, Program, Region

from ..models import Entitlement, Payment, PaymentStatus, PayoutBatch
from .base import late_days_setting


@dataclass
class Timeliness:
    paid: int
    average_days: Decimal | None
    longest_days: int | None
    paid_late: int  # paid after more than ``late_days``
    late_days: int


def days_between(owed_since: datetime, paid_at: datetime) -> int:
    """Calendar days from the local day an award became owed to the day it was paid."""
    return (timezone.localdate(paid_at) - timezone.localdate(owed_since)).days


def payment_days(payment: Payment) -> int | None:
    """Days from final approval (or the entitlement's creation) to the bank's value date; None
    while unpaid."""
    if payment.paid_at is None:
        return None
    return days_between(payment.owed_since, payment.paid_at)


def payment_timeliness(
    *,
    batch: PayoutBatch | None = None,
    program: Program | None = None,
    late_days: int | None = None,
) -> Timeliness:
    late_days = late_days_setting() if late_days is None else late_days
    qs = Payment.objects.filter(status=PaymentStatus.PAID)
    if batch is not None:
        qs = qs.filter(batch=batch)
    if program is not None:
        qs = qs.filter(batch__program=program)
    days = [days_between(owed, paid) for owed, paid in qs.values_list("owed_since", "paid_at")]
    if not days:
        return Timeliness(0, None, None, 0, late_days)
    return Timeliness(
        paid=len(days),
        average_days=(Decimal(sum(days)) / len(days)).quantize(Decimal("0.1")),
        longest_days=max(days),
        paid_late=sum(1 for d in days if d > late_days),
        late_days=late_days,
    )


@dataclass
class LateAward:
    kind: str  # "case" or "entitlement"
    id: int
    label: str  # case number, or program/cycle/person
    program: str
    household_id: int
    amount: Decimal
    currency: str
    owed_since: datetime
    days: int
    last_status: str  # the latest payment's status, "" if never in a batch


def _paid(source: str):
    return Exists(Payment.objects.filter(**{source: OuterRef("pk")}, status=PaymentStatus.PAID))


def _last_status(source: str, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for sid, status in (
        Payment.objects.filter(**{f"{source}_id__in": ids})
        .order_by("id")
        .values_list(f"{source}_id", "status")
    ):
        found[sid] = status
    return found


def late_awards(
    *,
    days: int | None = None,
    now: datetime | None = None,
    program: Program | None = None,
    region: Region | None = None,
    limit: int | None = 500,
) -> list[LateAward]:
    """Final awards and entitlements still unpaid more than ``days`` (default
    ``PAYOUT_LATE_DAYS``, 30) after they became final, oldest first (ties by id, so the order is
    the same on every engine and every run); ``region``: only those of households in that region
    and below."""
    days = late_days_setting() if days is None else days
    now = now or timezone.now()
    cases, ents = _late_querysets(days=days, now=now, region=region)
    if program is not None:
        cases = cases.filter(program=program)
        ents = ents.filter(program=program)
    case_rows = list(
        cases.order_by("final_at", "id").values_list(
            "id", "number", "program__code", "household_id", "amount", "amount_currency", "final_at"
        )[:limit]
    )
    ent_rows = list(
        ents.order_by("created_at", "id").values_list(
            "id",
            "cycle__code",
            "program__code",
            "household_id",
            "amount",
            "amount_currency",
            "created_at",
            "enrolment__person__name",
        )[:limit]
    )
    case_status = _last_status("case", [r[0] for r in case_rows])
    ent_status = _last_status("entitlement", [r[0] for r in ent_rows])
    out = [
        LateAward(
            "case",
            pk,
            number,
            prog,
            hh,
            amount,
            cur,
            since,
            (now - since).days,
            case_status.get(pk, ""),
        )
        for pk, number, prog, hh, amount, cur, since in case_rows
    ]
    out += [
        LateAward(
            "entitlement",
            pk,
            f"{prog} {code} {name}",
            prog,
            hh,
            amount,
            cur,
            since,
            (now - since).days,
            ent_status.get(pk, ""),
        )
        for pk, code, prog, hh, amount, cur, since, name in ent_rows
    ]
    out.sort(key=lambda row: row.owed_since)
    return out[:limit] if limit else out


def _late_querysets(*, days: int, now: datetime, region: Region | None):
    cutoff = now - timedelta(days=days)
    cases = Case.objects.filter(state=CaseState.FINAL, final_at__lt=cutoff).exclude(_paid("case"))
    ents = Entitlement.objects.filter(created_at__lt=cutoff).exclude(_paid("entitlement"))
    if region is not None:
        cases = cases.filter(region__code__startswith=region.prefix)
        ents = ents.filter(household__region__code__startswith=region.prefix)
    return cases, ents


def late_awards_count(
    *, days: int | None = None, now: datetime | None = None, region: Region | None = None
) -> int:
    """For the home page: how many awards are unpaid past ``PAYOUT_LATE_DAYS`` (in ``region``
    and below, when given)."""
    days = late_days_setting() if days is None else days
    cases, ents = _late_querysets(days=days, now=now or timezone.now(), region=region)
    return cases.count() + ents.count()
