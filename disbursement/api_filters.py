"""Region scoping and query-string filters of the payout API (``disbursement.api``).

Scoping (``*_in_scope(user)``): a staff user sees and acts on payouts of their own region and
below, never beside it (DOMAIN.md), by the same rules as the payout screens
(``disbursement.selectors``): a batch by the region it was built for (one with no region covers
the whole county: county staff only), an enrolment by its household's village, exports and
result imports by their batch. Anything outside the caller's scope is answered exactly like
something that does not exist (404 for a path, "does not exist" for a body field). Cycles and
bank layouts are county-wide configuration, read by every staff user holding the permission;
opening and generating a cycle is for county staff (``selectors.covers_whole_county``). A job's
progress is seen by the person who started it.

The filter sets parse and validate the query string (an unknown code or status is a 400 naming
the field) and document it in the OpenAPI schema; they only narrow a scoped queryset.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from approvals.models import Program
from approvals.selectors import staff_region
from common.filters import FilterSet, IdFilter

from . import selectors
from .models import (
    BankLayout,
    BankResultImport,
    BatchStatus,
    Cycle,
    CycleStatus,
    Enrolment,
    EnrolmentStatus,
    ExportLog,
    JobProgress,
    JobStatus,
    Payment,
    PaymentStatus,
    PayoutBatch,
)


# --------------------------------------------------------------------------------------------
# scoping by the caller's region
# --------------------------------------------------------------------------------------------
def batches_in_scope(user) -> QuerySet[PayoutBatch]:
    return selectors.batches_for_user(user)


def enrolments_in_scope(user) -> QuerySet[Enrolment]:
    return selectors.enrolments_for_user(user)


def payments_in_scope(user, batch: PayoutBatch) -> QuerySet[Payment]:
    if not batches_in_scope(user).filter(pk=batch.pk).exists():
        return Payment.objects.none()
    return Payment.objects.filter(batch=batch).select_related("case").order_by("id")


def exports_in_scope(user) -> QuerySet[ExportLog]:
    return ExportLog.objects.filter(batch__in=batches_in_scope(user).values("pk")).select_related(
        "layout", "exported_by"
    )


def result_imports_in_scope(user) -> QuerySet[BankResultImport]:
    return BankResultImport.objects.filter(
        batch__in=batches_in_scope(user).values("pk")
    ).select_related("layout", "imported_by")


def cycles_in_scope(user) -> QuerySet[Cycle]:
    if staff_region(user) is None:
        return Cycle.objects.none()
    return selectors.cycles_with_counts()


def jobs_in_scope(user) -> QuerySet[JobProgress]:
    if not getattr(user, "pk", None):
        return JobProgress.objects.none()
    return JobProgress.objects.filter(created_by=user).select_related("created_by")


def layouts_in_scope(user) -> QuerySet[BankLayout]:
    if staff_region(user) is None:
        return BankLayout.objects.none()
    return BankLayout.objects.all()


# --------------------------------------------------------------------------------------------
# query-string filters
# --------------------------------------------------------------------------------------------
def _program(label):
    return django_filters.ModelChoiceFilter(
        queryset=Program.objects.all(), to_field_name="code", label=label
    )


class CycleFilter(FilterSet):
    program = _program(_("Program code"))
    status = django_filters.ChoiceFilter(choices=CycleStatus.choices, label=_("Cycle status"))

    class Meta:
        model = Cycle
        fields = ["program", "status"]


class EnrolmentFilter(FilterSet):
    program = _program(_("Program code"))
    status = django_filters.ChoiceFilter(
        choices=EnrolmentStatus.choices, label=_("Enrolment status")
    )
    household = IdFilter(field_name="household_id", label=_("Household id"))
    person = IdFilter(field_name="person_id", label=_("Person id"))

    class Meta:
        model = Enrolment
        fields = ["program", "status", "household", "person"]


class BatchFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Batch status"))
    program = _program(_("Program code"))
    cycle = django_filters.CharFilter(label=_('Cycle the batch was built for, e.g. "2026"'))

    class Meta:
        model = PayoutBatch
        fields = ["status", "program", "cycle"]


class PaymentFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=PaymentStatus.choices, label=_("Payments in this status")
    )
    reference = django_filters.CharFilter(label=_("Payment reference, e.g. PB12-3"))

    class Meta:
        model = Payment
        fields = ["status", "reference"]


class BatchChildFilter(FilterSet):
    batch = IdFilter(field_name="batch_id", label=_("Batch id"))


class ExportFilter(BatchChildFilter):
    class Meta:
        model = ExportLog
        fields = ["batch"]


class ResultImportFilter(BatchChildFilter):
    class Meta:
        model = BankResultImport
        fields = ["batch"]


JOB_KINDS = [
    ("generate_cycle", _("cycle generation")),
    ("build_batch", _("batch build")),
    ("export_batch", _("bank file export")),
    ("import_results", _("bank result import")),
]


class JobFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=JOB_KINDS, label=_("Kind of job"))
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label=_("Job status"))

    class Meta:
        model = JobProgress
        fields = ["kind", "status"]
