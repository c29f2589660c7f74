"""The post-payment sample check (抽查回访): after the bank has paid a batch, someone who did not
build it asks a random sample of its recipients whether the money arrived.

The sample is drawn once per batch from its paid payments, in id order, with Python's
``random.Random(seed).sample``: the seed is stored, so the draw is reproducible from the data
alone (``sample_ids``) and an auditor can redo it. Its size is
``max(PAYOUT_SAMPLE_MIN, ceil(PAYOUT_SAMPLE_PERCENT % of the paid payments))``, at most all of
them (defaults 5 and 5 %). Each line is recorded as received, not received or unreachable, with
a note (required unless received) and who checked; "received" and "not received" are final,
"unreachable" may be tried again. A "not received" line is a follow-up: flagged on the payment
and the batch, and offered as the start of a recovery.
"""

from __future__ import annotations

import math
import random
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import RegionLevel, region_covers
from approvals.selectors import staff_region
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidInput, InvalidState, NotAllowed, NothingToPay
from ..models import (
    BatchStatus,
    Payment,
    PaymentStatus,
    PayoutBatch,
    SampleCheck,
    SampleCheckLine,
    SampleOutcome,
)
from ._common import require_perm
from .batches import batch_label

PERM_CHECK = "disbursement.record_samplecheck"
FINAL_OUTCOMES = (SampleOutcome.RECEIVED, SampleOutcome.NOT_RECEIVED)


def sample_size(population: int) -> int:
    """How many of ``population`` paid payments are drawn (0 for none)."""
    if population <= 0:
        return 0
    least = int(getattr(settings, "PAYOUT_SAMPLE_MIN", 5))
    percent = float(getattr(settings, "PAYOUT_SAMPLE_PERCENT", 5))
    return min(population, max(least, math.ceil(population * percent / 100)))


def sample_ids(payment_ids, seed: str, size: int) -> list[int]:
    """The draw itself: ``size`` of the payment ids (sorted first), chosen by ``seed``."""
    ordered = sorted(payment_ids)
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311 - a sample, not a secret


def _checker(batch: PayoutBatch, actor) -> None:
    require_perm(actor, PERM_CHECK)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A sample check is done by a person: name them."))
    if batch.built_by_id == actor.pk:
        raise NotAllowed(
            _(
                "You built batch %(batch)s, so you may not check its payments: someone else "
                "must ask its recipients (four eyes)."
            )
            % {"batch": batch_label(batch)}
        )
    own = staff_region(actor)
    covered = (
        region_covers(own, batch.region)
        if batch.region_id
        else own is not None and own.level == RegionLevel.COUNTY
    )
    if not covered:
        raise NotAllowed(
            _("Batch %(batch)s lies outside your region.") % {"batch": batch_label(batch)}
        )


def sample_check_draw(*, batch: PayoutBatch, actor) -> SampleCheck:
    """Draw the batch's sample (once: drawing again returns the first draw)."""
    _checker(batch, actor)
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        existing = SampleCheck.objects.filter(batch=batch).first()
        if existing is not None:
            return existing
        if batch.status not in (BatchStatus.EXPORTED, BatchStatus.CLOSED):
            raise InvalidState(
                _("Batch %(batch)s has not been paid by the bank yet: check it after its result.")
                % {"batch": batch_label(batch)}
            )
        paid = list(
            Payment.objects.filter(batch=batch, status=PaymentStatus.PAID).values_list(
                "pk", flat=True
            )
        )
        size = sample_size(len(paid))
        if not size:
            raise NothingToPay(
                _("Batch %(batch)s has no paid payment to check yet.")
                % {"batch": batch_label(batch)}
            )
        seed = secrets.token_hex(8)
        check = SampleCheck.objects.create(
            batch=batch, seed=seed, population=len(paid), size=size, drawn_by=actor
        )
        SampleCheckLine.objects.bulk_create(
            SampleCheckLine(sample=check, payment_id=pk) for pk in sample_ids(paid, seed, size)
        )
        audit(
            actor=actor,
            action=AuditAction.SAMPLE_CHECK_DRAW,
            obj=batch,
            seed=seed,
            population=len(paid),
            size=size,
        )
    return check


def sample_check_record(
    *, line: SampleCheckLine, outcome: str, actor, note: str = ""
) -> SampleCheckLine:
    """Record what a sampled recipient said (a note is required unless the money arrived)."""
    batch = line.sample.batch
    _checker(batch, actor)
    if outcome not in (o.value for o in SampleOutcome if o.value):
        raise InvalidInput(_("Choose what the recipient said from the list."))
    note = (note or "").strip()
    if outcome != SampleOutcome.RECEIVED and not note:
        raise InvalidInput(
            _("Write a note: who was asked, how, and what they said (or why no one answered).")
        )
    with transaction.atomic():
        line = (
            SampleCheckLine.objects.select_for_update(of=("self",))
            .select_related("payment", "sample__batch")
            .get(pk=line.pk)
        )
        if line.outcome in FINAL_OUTCOMES:
            raise InvalidState(
                _("Payment %(ref)s was already checked (%(outcome)s); a check is not changed.")
                % {"ref": line.payment.reference, "outcome": line.get_outcome_display()}
            )
        line.outcome, line.note = outcome, note[:500]
        line.checked_by, line.checked_at = actor, timezone.now()
        line.save(update_fields=["outcome", "note", "checked_by", "checked_at"])
        audit(
            actor=actor,
            action=AuditAction.SAMPLE_CHECK_RECORD,
            obj=line.sample.batch,
            payment=line.payment.reference,
            outcome=outcome,
        )
    return line


__all__ = ["sample_check_draw", "sample_check_record", "sample_ids", "sample_size"]
