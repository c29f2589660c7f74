"""Writes to programs and their review tiers (the administrator's screens use the admin, whose
forms run the same ``Program.clean``; this service is the path for code: demo data, imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from ledger.audit import AuditAction, audit

from ..exceptions import ProgramMisconfigured
from ..models import Program, ProgramTier, Region, RegionLevel
from ._common import require_perm


@dataclass(frozen=True)
class TierSpec:
    name_zh: str
    name_en: str
    region_level: str
    role: str = "reviewer"
    min_amount: Money | None = None
    review_days: int | None = None  # working days to decide; None: no deadline
    notice_level: str = ""  # a public notice at this level after this tier's approvals


def program_create(
    *,
    actor,
    tiers: Sequence[TierSpec],
    excludes: Sequence[Program] = (),
    allowed_regions: Sequence[Region] = (),
    **fields,
) -> Program:
    """Create a program with its ordered tiers. Refused when its fund may not pay its purpose,
    its amount rule is incomplete, or it has no tier."""
    require_perm(actor, "approvals.add_program")
    program = Program(**fields)
    errors = program.configuration_errors()
    if not tiers:
        errors["tiers"] = _("A program needs at least one review tier.")
    for index, tier in enumerate(tiers, start=1):
        if tier.region_level not in RegionLevel.values:
            errors[f"tier{index}"] = _("Tier %(n)s: unknown region level.") % {"n": index}
        if tier.notice_level and tier.notice_level not in RegionLevel.values:
            errors[f"tier{index}"] = _("Tier %(n)s: unknown notice level.") % {"n": index}
        if tier.review_days is not None and tier.review_days < 1:
            errors[f"tier{index}"] = _("Tier %(n)s: a review deadline has at least one day.") % {
                "n": index
            }
        if tier.min_amount is not None and str(tier.min_amount.currency) != program.currency:
            errors[f"tier{index}"] = _("Tier %(n)s: use the program's currency %(cur)s.") % {
                "n": index,
                "cur": program.currency,
            }
    if errors:
        raise ProgramMisconfigured(" ".join(str(e) for e in errors.values()))
    with transaction.atomic():
        program.save()
        ProgramTier.objects.bulk_create(
            ProgramTier(
                program=program,
                order=index,
                name_zh=tier.name_zh,
                name_en=tier.name_en,
                role=tier.role,
                region_level=tier.region_level,
                min_amount=tier.min_amount,
                review_days=tier.review_days,
                notice_level=tier.notice_level,
            )
            for index, tier in enumerate(tiers, start=1)
        )
        if excludes:
            program.excludes.set(excludes)
        if allowed_regions:
            program.allowed_regions.set(allowed_regions)
        audit(actor=actor, action=AuditAction.PROGRAM_CREATE, obj=program, code=program.code)
    return program
