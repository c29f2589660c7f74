"""Reads of the annual confirmation: the list (every program's, for staff who may see it), one
confirmation's rows within the reader's region, what the reader may do with it, and the public
notice's view of it (masked names, outcomes only)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from approvals.models import ObjectionStatus, ProgramTier
from approvals.selectors import staff_region

from ..models import (
    Confirmation,
    ConfirmationNotice,
    ConfirmationObjection,
    ConfirmationRow,
    ConfirmationSignoff,
    ConfirmationStatus,
)

PUBLIC_STATUSES = (ConfirmationStatus.ON_NOTICE, ConfirmationStatus.APPROVED)


def confirmations_with_counts() -> QuerySet[Confirmation]:
    """Every confirmation with its number of rows of each outcome (a confirmation covers the
    whole county; who sees which rows is ``confirmation_rows``)."""
    return (
        Confirmation.objects.select_related("program", "cycle", "prepared_by", "approved_by")
        .annotate(
            continued=Count("rows", filter=Q(rows__outcome="continued")),
            new=Count("rows", filter=Q(rows__outcome="new")),
            stopped=Count("rows", filter=Q(rows__outcome="stopped")),
        )
        .order_by("-id")
    )


def confirmation_rows(confirmation: Confirmation, user) -> QuerySet[ConfirmationRow]:
    """The rows of people living in the user's region and below (none without a region)."""
    region = staff_region(user)
    if region is None:
        return ConfirmationRow.objects.none()
    return (
        confirmation.rows.filter(region__code__startswith=region.prefix)
        .select_related("person", "region", "enrolment", "stopped_by", "confirmation__program")
        .order_by("region__code", "id")
    )


def current_tier(confirmation: Confirmation) -> ProgramTier | None:
    if confirmation.current_tier is None:
        return None
    return ProgramTier.objects.filter(
        program_id=confirmation.program_id, order=confirmation.current_tier
    ).first()


def can_review(confirmation: Confirmation, user) -> bool:
    """The user holds the tier the confirmation waits at (role and level), and has rows of
    their region in it that they have not signed off yet."""
    tier = current_tier(confirmation)
    region = staff_region(user)
    if tier is None or region is None or region.level != tier.region_level:
        return False
    if not user.groups.filter(name=tier.role).exists():
        return False
    signed = ConfirmationSignoff.objects.filter(
        confirmation=confirmation, tier_order=tier.order, region=region
    ).exists()
    return not signed and confirmation.rows.filter(region__code__startswith=region.prefix).exists()


def confirmation_signoffs(confirmation: Confirmation) -> QuerySet[ConfirmationSignoff]:
    return confirmation.signoffs.select_related("region", "user").order_by("tier_order", "id")


def public_confirmations() -> QuerySet[Confirmation]:
    """Confirmations posted on a county-wide public notice (running, or kept after approval).
    A list the last tier posts per village or township is public through those notices
    (``public_tier_notices``), region by region."""
    return (
        Confirmation.objects.filter(status__in=PUBLIC_STATUSES)
        .exclude(tier_notices__final=True)
        .select_related("program", "cycle")
        .annotate(people=Count("rows"))
        .order_by("-notice_starts_on", "-id")
    )


def public_rows(
    confirmation: Confirmation, *, within=None, open_ids: set[int] | None = None
) -> list[dict]:
    """What the public notice shows per row: the masked name, the village and the outcome —
    never an ID number, an address, an age or the reasons (DOMAIN.md) — whether the row was
    changed after an objection (and until when it is posted again), and whether it takes an
    objection now (``open_ids``). ``within``: only the rows of that region (a tier's notice)."""
    hide = confirmation.program.sensitive
    rows = confirmation.rows.select_related("region").order_by("region__code", "id")
    if within is not None:
        rows = rows.filter(region__code__startswith=within.prefix)
    return [
        {
            "id": row.pk,
            "name": "" if hide else row.display_name,
            "village": row.region.name,
            "outcome": row.get_outcome_display(),
            "outcome_code": row.outcome,
            "changed": row.changed_at is not None,
            "reposted_until": row.repost_ends_on,
            "open": open_ids is not None and row.pk in open_ids,
        }
        for row in rows
    ]


def public_tier_notices() -> QuerySet[ConfirmationNotice]:
    """Every notice posted per region after a tier, the last tier's included (they stay public
    after they end)."""
    return ConfirmationNotice.objects.select_related(
        "confirmation__program", "confirmation__cycle", "region"
    ).order_by("-starts_on", "-id")


def confirmation_objection_status_public(tracking_code: str) -> dict | None:
    """The public look-up of an objection to a confirmation row, by its tracking code: only
    its status, the reply and when it was filed (as for a case objection)."""
    objection = ConfirmationObjection.objects.filter(
        tracking_code=(tracking_code or "").strip().upper()
    ).first()
    if objection is None:
        return None
    return {
        "tracking_code": objection.tracking_code,
        "status": objection.status,
        "status_label": str(objection.get_status_display()),
        "reply": objection.reply,
        "filed_at": objection.created_at,
    }


def confirmation_objections_for_user(user) -> QuerySet[ConfirmationObjection]:
    """Objections to rows of the user's region and below (none without a region)."""
    region = staff_region(user)
    if region is None:
        return ConfirmationObjection.objects.none()
    return ConfirmationObjection.objects.filter(
        row__region__code__startswith=region.prefix
    ).select_related("row__region", "confirmation__program", "confirmation__cycle", "handled_by")


def confirmation_objection_merge_targets(user, objection) -> list[ConfirmationObjection]:
    """The objections to the same row that ``objection`` may be merged into (not itself, not
    one already merged), oldest first."""
    return list(
        confirmation_objections_for_user(user)
        .filter(row_id=objection.row_id)
        .exclude(pk=objection.pk)
        .exclude(status=ObjectionStatus.MERGED)
        .order_by("created_at", "pk")
    )


def confirmation_objections_same_sender(user, objection) -> QuerySet[ConfirmationObjection]:
    """The other open objections to the same list (the same tier notice, or the county list)
    from the same client address or the same contact (keyed hashes), for the spam tool."""
    sender = Q(pk__in=[])
    if objection.ip_hash:
        sender |= Q(ip_hash=objection.ip_hash)
    if objection.contact_key:
        sender |= Q(contact_key=objection.contact_key)
    return (
        confirmation_objections_for_user(user)
        .filter(
            sender,
            confirmation_id=objection.confirmation_id,
            tier_notice_id=objection.tier_notice_id,
            status=ObjectionStatus.OPEN,
        )
        .exclude(pk=objection.pk)
        .order_by("created_at", "pk")
    )


def program_review_tiers(program) -> list[ProgramTier]:
    """The program's review tiers for its amount, in order."""
    return program.applicable_tiers(program.amount)


def public_confirmations_and_tier_noticed() -> QuerySet[Confirmation]:
    """Confirmations with any list in public: posted county-wide, or after a tier."""
    return Confirmation.objects.filter(
        Q(status__in=PUBLIC_STATUSES) | Q(tier_notices__isnull=False)
    ).distinct()
