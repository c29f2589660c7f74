"""One beneficiary, one award per program and cycle (``approvals.models.claims``): the helpers
both roads to an award call inside their own transaction, after the ledger's lock.

* ``claims_check`` reads the live claims of the people first and refuses with a message naming
  the award they already have (a case number, or an entitlement's cycle);
* ``claims_take_for_case`` writes a final case's claims (one per beneficiary); the partial
  unique constraint refuses a second live claim on every path, and its refusal becomes the same
  typed error;
* ``claims_release`` frees a cancelled source's people;
* ``claim_source_text`` / ``duplicate_award_error`` are used by ``disbursement`` for
  entitlements, which it writes in one statement per cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import DuplicateAward
from ..models import AwardClaim, Case, ClaimSource, ClaimStatus, Program


def claim_source_text(claim: AwardClaim) -> str:
    """What a refusal names: "case RC202601-000012" or "the entitlement of cycle 2026"."""
    if claim.source == ClaimSource.CASE:
        return _("case %(number)s") % {"number": claim.label}
    return _("the entitlement of cycle %(cycle)s") % {"cycle": claim.label}


def duplicate_award_error(claim: AwardClaim, *, person_name: str | None = None) -> DuplicateAward:
    """The typed refusal of a second award for the person of ``claim`` (the first one)."""
    return DuplicateAward(
        _(
            "%(name)s already has an award in program %(code)s for cycle %(cycle)s, through "
            "%(source)s; one person receives one award per program and cycle. Cancel that award "
            "first if this one should replace it."
        )
        % {
            "name": person_name or claim.person.name,
            "code": claim.program.code,
            "cycle": claim.cycle,
            "source": claim_source_text(claim),
        }
    )


def live_claims(*, program: Program, cycle: str, person_ids: Iterable[int]):
    """The live claims of these people in the program and cycle (person, program joined)."""
    return (
        AwardClaim.objects.filter(
            program=program, cycle=cycle, person_id__in=list(person_ids), status=ClaimStatus.LIVE
        )
        .select_related("person", "program")
        .order_by("person_id")
    )


def claims_check(
    *, program: Program, cycle: str, person_ids: Iterable[int], source=None, source_id=None
) -> None:
    """Refuse (``DuplicateAward``) when one of the people already has a live claim in the
    program and cycle from another source than (``source``, ``source_id``)."""
    for claim in live_claims(program=program, cycle=cycle, person_ids=person_ids):
        if (claim.source, claim.source_id) != (source, source_id):
            raise duplicate_award_error(claim)


def claims_take_for_case(case: Case) -> int:
    """Write a final case's claims, one per beneficiary; refused (``DuplicateAward``, nothing
    written) when one of them already has a live award in the program and cycle. Idempotent."""
    person_ids = list(case.memberships.order_by("person_id").values_list("person_id", flat=True))
    claims_check(
        program=case.program,
        cycle=case.cycle,
        person_ids=person_ids,
        source=ClaimSource.CASE,
        source_id=case.pk,
    )
    have = set(
        AwardClaim.objects.filter(source=ClaimSource.CASE, source_id=case.pk).values_list(
            "person_id", flat=True
        )
    )
    rows = [
        AwardClaim(
            person_id=pid,
            program_id=case.program_id,
            cycle=case.cycle,
            source=ClaimSource.CASE,
            source_id=case.pk,
            label=case.number,
        )
        for pid in person_ids
        if pid not in have
    ]
    try:
        with transaction.atomic():
            AwardClaim.objects.bulk_create(rows)
    except IntegrityError as exc:  # a path that did not read first: the database refuses
        first = live_claims(program=case.program, cycle=case.cycle, person_ids=person_ids).first()
        if first is None:  # pragma: no cover - an integrity error of another kind
            raise
        raise duplicate_award_error(first) from exc
    return len(rows)


def claims_release(*, source: str, source_ids: Iterable[int]) -> int:
    """A cancelled source frees its people in the program and cycle (live and duplicate rows
    become cancelled); the number of claims released."""
    return AwardClaim.objects.filter(
        source=source,
        source_id__in=list(source_ids),
        status__in=[ClaimStatus.LIVE, ClaimStatus.DUPLICATE],
    ).update(status=ClaimStatus.CANCELLED, closed_at=timezone.now())
