"""The money of a relief case: releasing the reservation made when it went on notice, the
award booked as owed when the case becomes final (expense Dr / awards payable Cr in the
program's fund), and cancelling a final award (reversing its entry) unless a registered veto
(``approvals.hooks``) objects.

Every service here runs in one transaction that first takes the ledger's posting lock
(``ledger.locks.lock_head``, the global lock order), then locks the case row, checks the state
(``can_proceed``), the transition's permission (``has_transition_perm``) and the domain rules
(notice over, no open objection; the deciding tier's role, level and region), books or reverses
the award, runs the transition, saves, and writes a ``CaseHistory`` row and an audit event. A
refusal raises a typed error from ``approvals.exceptions`` and changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import chart
from ledger.locks import lock_head
from ledger.services import LineSpec, journal_post, journal_reverse

from ..exceptions import AwardInPayment, InvalidTransition, NotAllowed
from ..hooks import cancel_refusal, case_became_final
from ..models import (
    Case,
    CaseState,
    ClaimSource,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    RegionLevel,
    Reservation,
)
from ._common import (
    check_transition,
    in_group,
    lock_case,
    record,
    require_region,
    required_text,
)
from .claims import claims_release, claims_take_for_case
from .steps import close_membership, save_case


def release_reservation(case: Case, reason: str) -> Reservation | None:
    """Release the case's active reservation (made when it went on notice), noting why; the
    released row, or ``None`` when the case held none."""
    reservation = Reservation.objects.filter(case=case, active=True).first()
    if reservation is not None:
        reservation.active = False
        reservation.released_at = timezone.now()
        reservation.release_reason = reason
        reservation.save(update_fields=["active", "released_at", "release_reason"])
    return reservation


def case_finalise(*, case: Case, actor=None, today: date | None = None) -> Case:
    """on_notice -> final once its notice is over with no open objection: the award is booked
    (expense Dr / awards payable Cr in the program's fund) after the reservation is released, in
    one transaction. Called by ``close_notices`` (the system: ``actor=None``)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        lock_head()  # global lock order: the ledger's chain head first, then the case
        case = lock_case(case)
        check_transition(case, "finalise", actor, _("made final"))
        item = (
            NoticeItem.objects.filter(case=case, struck=False)
            .select_related("notice")
            .order_by("-id")
            .first()
        )
        if item is None or (
            item.notice.status != NoticeStatus.CLOSED and item.notice.ends_on >= today
        ):
            raise InvalidTransition(
                _("Case %(number)s is still on notice; it becomes final after the notice ends.")
                % {"number": case.number}
            )
        open_objection = Objection.objects.filter(case=case, status=ObjectionStatus.OPEN).first()
        if open_objection is not None:
            raise InvalidTransition(
                _(
                    "Case %(number)s has an open objection (%(code)s); it cannot become final "
                    "until the objection is handled."
                )
                % {"number": case.number, "code": open_objection.tracking_code}
            )
        # One beneficiary, one award per program and cycle: refused here when one of the people
        # already has one (an entitlement of the cycle), held by the claims' unique constraint.
        claims_take_for_case(case)
        program = case.program
        # The reservation is released first: the award's money moves from reserved to owed
        # (awards payable), and the ledger's available-money check (bank + cash - payable -
        # reservations) must not count it twice.
        released = release_reservation(case, "final")
        entry = journal_post(
            date=today,
            lines=[
                LineSpec(program.expense_account, program.fund, "D", case.amount),
                LineSpec(chart.AWARDS_PAYABLE, program.fund, "C", case.amount),
            ],
            idempotency_key=f"award:{case.pk}",
            actor=None,  # the system books it; the audit event below names the case
            memo=_("Award %(number)s (%(program)s)")
            % {"number": case.number, "program": program.code},
            source="approvals",
        )
        case.finalise(entry)
        save_case(case)
        # A final case of a recurring program enrols its beneficiaries (disbursement listens).
        case_became_final(case)
        record(
            case,
            actor=actor,
            from_state=CaseState.ON_NOTICE,
            decision="final",
            entry_seq=entry.seq,
            notice=item.notice_id,
            released=str(released.amount.amount) if released else None,
        )
    return case


def case_cancel(*, case: Case, actor, reason: str, today: date | None = None) -> Case:
    """Cancel a final award (reason required): its ledger entry is reversed. Only a reviewer at
    the level of the case's last tier (the deciding authority) whose region covers the case.
    Refused (``AwardInPayment``) while a registered cancel veto objects (``approvals.hooks``):
    payouts refuses while the award is in a batch or has been paid."""
    reason = required_text(reason, _("The reason for cancelling"))
    with transaction.atomic():
        lock_head()
        case = lock_case(case)
        check_transition(case, "cancel", actor, _("cancelled"))
        tiers = case.program.applicable_tiers(case.amount)
        last = tiers[-1] if tiers else None
        own = require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        if last is not None and (own.level != last.region_level or not in_group(actor, last.role)):
            raise NotAllowed(
                _(
                    "A final award is cancelled by the deciding tier (%(tier)s, role %(role)s, "
                    "%(level)s level)."
                )
                % {
                    "tier": last.name,
                    "role": last.role,
                    "level": RegionLevel(last.region_level).label,
                }
            )
        # Apps above approvals (payouts) may hold on to the award: asked under the locks, so
        # nothing can put the award into a batch or pay it between this check and the reversal.
        refusal = cancel_refusal(case)
        if refusal:
            raise AwardInPayment(refusal)
        reversal = journal_reverse(
            entry=case.award_entry,
            actor=None,  # the system posts it; the audit event names who cancelled
            date=today or timezone.localdate(),
            memo=_("Cancellation of award %(number)s") % {"number": case.number},
            idempotency_key=f"award-cancel:{case.pk}",
        )
        case.cancel(reason, reversal)
        save_case(case)
        close_membership(case)
        claims_release(source=ClaimSource.CASE, source_ids=[case.pk])
        record(
            case,
            actor=actor,
            from_state=CaseState.FINAL,
            decision="cancel",
            comment=reason,
            entry_seq=reversal.seq,
        )
    return case
