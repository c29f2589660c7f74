"""What a staff user may see: the screens and the API scope every read by the user's region
(``approvals.selectors.staff_region``, the one rule for it), and act on county-wide things
only from the county itself."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from approvals.models import RegionLevel
from approvals.selectors import staff_region

from ..models import Enrolment, ExportLog, PayoutBatch


def covers_whole_county(user) -> bool:
    """A user of the county itself (not a township or village) acts on program-wide things:
    opening and generating a cycle creates entitlements in every village."""
    region = staff_region(user)
    return region is not None and region.level == RegionLevel.COUNTY


def batches_for_user(user) -> QuerySet[PayoutBatch]:
    """Batches built for the user's region or a region below it. A batch with no region covers
    every region, so only county users see it. None without a staff region."""
    region = staff_region(user)
    if region is None:
        return PayoutBatch.objects.none()
    scope = Q(region__code__startswith=region.prefix)
    if region.level == RegionLevel.COUNTY:
        scope |= Q(region__isnull=True)
    return PayoutBatch.objects.filter(scope).select_related(
        "program", "fund", "region", "built_by", "approved_by"
    )


def exports_for_user(user) -> QuerySet[ExportLog]:
    """Bank file exports of the batches the user sees (``batches_for_user``)."""
    return ExportLog.objects.filter(batch__in=batches_for_user(user)).select_related("batch")


def enrolments_for_user(user) -> QuerySet[Enrolment]:
    """Enrolments paid to households of the user's region and below (none without a region)."""
    region = staff_region(user)
    if region is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(
        household__region__code__startswith=region.prefix
    ).select_related("program", "person", "household", "household__region", "source_case")
