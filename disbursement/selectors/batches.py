"""Payout batches and their payments, as the screens list them: the payments of a batch
(optionally of one status), how many there are of each status, its exports and result
imports."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from approvals.models import Program

from ..models import BankResultImport, ExportLog, Payment, PayoutBatch


def batches(*, status: str | None = None, program: Program | None = None) -> QuerySet[PayoutBatch]:
    """Every batch (no region scope: see ``batches_for_user``), by status and program."""
    qs = PayoutBatch.objects.select_related("program", "fund", "built_by", "approved_by")
    if status:
        qs = qs.filter(status=status)
    if program is not None:
        qs = qs.filter(program=program)
    return qs


def batch_payments(batch: PayoutBatch) -> QuerySet[Payment]:
    """The batch's payments in the order they were made, with their case and entitlement."""
    return Payment.objects.filter(batch=batch).select_related("case", "entitlement").order_by("id")


def payment_rows(batch: PayoutBatch, status: str = "") -> QuerySet[Payment]:
    """The batch's payments (only those in ``status``, when given) with what a row of the
    screen or its download shows: the award or the entitlement's cycle and beneficiary, and
    the payment a reissue replaces."""
    qs = Payment.objects.filter(batch=batch).select_related(
        "case", "entitlement__cycle", "entitlement__enrolment__person", "reissue_of"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def payment_status_counts(batch: PayoutBatch) -> dict[str, int]:
    """How many of the batch's payments are in each status (statuses with none are absent)."""
    return {
        row["status"]: row["n"]
        for row in Payment.objects.filter(batch=batch).values("status").annotate(n=Count("id"))
    }


def batch_exports(batch: PayoutBatch) -> QuerySet[ExportLog]:
    """The bank files written for the batch, with their layout and who wrote them."""
    return batch.exports.select_related("layout", "exported_by")


def batch_imports(batch: PayoutBatch) -> QuerySet[BankResultImport]:
    """The bank result files imported for the batch, with their layout and who imported them."""
    return batch.imports.select_related("layout", "imported_by")
