"""Recoveries and sample checks, as the services, screens, API and other apps read them.

``open_recoveries(person_ids)`` is the public face other parts use to flag a person who still
owes money paid in error: the batch page, the enrolment page, the household page (through
``approvals.hooks``) and the annual confirmation of recurring programs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from approvals.selectors import staff_region

from ..models import (
    PayoutBatch,
    Recovery,
    RecoveryRefund,
    RecoveryStatus,
    SampleCheck,
    SampleCheckLine,
    SampleOutcome,
)
from .base import cents

_MONEY = DecimalField(max_digits=18, decimal_places=2)


def with_refunded(qs: QuerySet[Recovery]) -> QuerySet[Recovery]:
    """Recoveries annotated with ``refunded_sum`` (what came back so far, 0 for nothing)."""
    refunded = (
        RecoveryRefund.objects.filter(recovery=OuterRef("pk"))
        .order_by()
        .values("recovery")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    return qs.annotate(
        refunded_sum=Coalesce(Subquery(refunded, output_field=_MONEY), Value(Decimal("0")))
    )


def recovery_refunded(recovery: Recovery) -> Decimal:
    """What the person has paid back on ``recovery`` so far."""
    return cents(recovery.refunds.aggregate(t=Sum("amount"))["t"])


def recovery_balance(recovery: Recovery) -> Decimal:
    """What is still owed: nothing unless open; else the amount less the refunds."""
    if recovery.status != RecoveryStatus.OPEN:
        return cents(0)
    return cents(recovery.amount.amount - recovery_refunded(recovery))


@dataclass(frozen=True)
class OpenRecovery:
    """One open recovery of a person: what a flag shows."""

    id: int
    person_id: int
    label: str
    amount: Decimal
    owed: Decimal
    currency: str
    program: str


def open_recoveries(person_ids) -> dict[int, list[OpenRecovery]]:
    """The open recoveries (money still owed back) of each of ``person_ids`` that has any.

    Used to flag people in later cycles: the batch page, the enrolment and household pages and
    the annual confirmation of recurring programs. ``person_ids`` may be a list or a queryset of
    ids (a subquery: a batch of 100,000 payees is one query)."""
    rows = with_refunded(
        Recovery.objects.filter(status=RecoveryStatus.OPEN, person_id__in=person_ids)
    ).values_list("pk", "person_id", "amount", "amount_currency", "refunded_sum", "program__code")
    found: dict[int, list[OpenRecovery]] = {}
    for pk, person_id, amount, currency, refunded, program in rows.order_by("person_id", "pk"):
        found.setdefault(person_id, []).append(
            OpenRecovery(
                id=pk,
                person_id=person_id,
                label=f"RC{pk}",
                amount=cents(amount),
                owed=cents(amount - (refunded or 0)),
                currency=currency,
                program=program,
            )
        )
    return found


def recoveries_for_user(user) -> QuerySet[Recovery]:
    """Recoveries of people whose household lies in the user's region or below (none without a
    region), with what came back so far (``refunded_sum``)."""
    region = staff_region(user)
    if region is None:
        return Recovery.objects.none()
    return with_refunded(
        Recovery.objects.filter(person__household__region__code__startswith=region.prefix)
    ).select_related(
        "payment", "payment__batch", "person", "person__household__region", "program", "fund",
        "created_by", "decided_by", "written_off_by",
    )  # fmt: skip


def batch_open_recoveries(batch: PayoutBatch) -> dict[int, list[OpenRecovery]]:
    """The batch's payees who still owe money paid in error (open recoveries), by person."""
    return open_recoveries(batch.payments.values("payee_id"))


@dataclass(frozen=True)
class SampleSummary:
    check: SampleCheck | None
    size: int
    checked: int
    received: int
    not_received: int
    unreachable: int

    @property
    def waiting(self) -> int:
        return self.size - self.checked


def sample_summary(batch: PayoutBatch) -> SampleSummary:
    """The batch's sample check in counts (no check: all zero)."""
    check = SampleCheck.objects.filter(batch=batch).select_related("drawn_by").first()
    if check is None:
        return SampleSummary(None, 0, 0, 0, 0, 0)
    counts = dict.fromkeys(SampleOutcome.values, 0)
    for outcome in check.lines.values_list("outcome", flat=True):
        counts[outcome] += 1
    return SampleSummary(
        check=check,
        size=check.size,
        checked=check.size - counts[""],
        received=counts[SampleOutcome.RECEIVED],
        not_received=counts[SampleOutcome.NOT_RECEIVED],
        unreachable=counts[SampleOutcome.UNREACHABLE],
    )


def sample_lines(check: SampleCheck) -> QuerySet[SampleCheckLine]:
    return check.lines.select_related("payment", "payment__payee", "checked_by").order_by("id")


def not_received_payment_ids(batch: PayoutBatch) -> set[int]:
    """Payments of the batch whose sampled recipient said the money did not arrive."""
    return set(
        SampleCheckLine.objects.filter(
            sample__batch=batch, outcome=SampleOutcome.NOT_RECEIVED
        ).values_list("payment_id", flat=True)
    )
