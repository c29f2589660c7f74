"""Cycles of recurring programs, with the entitlements generated in each."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from approvals.models import Program

from ..models import Cycle


def cycles_with_counts(*, program: Program | None = None) -> QuerySet[Cycle]:
    """Cycles of recurring programs with how many entitlements each has and their total."""
    qs = Cycle.objects.select_related("program", "created_by").annotate(
        entitlement_count=Count("entitlements"), entitlement_total=Sum("entitlements__amount")
    )
    if program is not None:
        qs = qs.filter(program=program)
    return qs.order_by("program__code", "-code")


def cycle_program_id(cycle_id) -> int | None:
    """The program of the cycle ``cycle_id``; None when there is no such cycle."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    return cycle.program_id if cycle else None
