"""Objections from the public to the rows of an annual confirmation on notice, with the rules of
an objection to a case (``approvals.services.notices``):

* ``confirmation_objection_file``: anyone, without logging in, while a notice showing the row
  runs — a notice after an intermediate tier in the row's region, the county notice, or the
  row's own re-posting after a change. The input is checked, and filing is capped, by the
  case objections' own code (``approvals.services.objection_input``, ``objection_cap_check``):
  a contact and a text are required (100, 50 and 5,000 characters; a name no spreadsheet runs
  as a formula); at most ``OBJECTION_CAP_PER_ADDRESS`` objections per client address and
  ``OBJECTION_CAP_PER_CONTACT`` per contact against one list (a tier's notice in its region, or
  the county list). The objector gets an unguessable tracking code. An open objection *holds*
  the row: the cycle's approval books the other rows and leaves it (also refused by the
  database).
* ``confirmation_objection_merge`` (a duplicate of another objection to the same row) and
  ``confirmation_objection_mark_spam`` (no objection at all; with ``same_sender`` on the
  screen and the API, the sender's other open objections to the list too): the handler's tools
  against a flood, audited; the row is released at once, as by a dismissal.
* ``confirmation_objection_dismiss``: no merit, with a written reply to the objector; the row is
  booked by the cycle's next generation (or its stop applied, after the approval).
* ``confirmation_objection_uphold``: merit; the row goes back to a review tier chosen by the
  handler (one of the program's tiers). Held until that tier decides.
* ``confirmation_row_decide``: a reviewer of that tier in the row's region (not the preparer)
  decides the row's outcome again with a written reason — stopped (and, after the approval,
  the stop applied to the enrolment at once), or paid: then the row is posted again for a full
  notice period of its own, and booked after it. A row the checks stopped (age, region,
  deceased, ...) is not paid by a reviewer's decision: the record is corrected first.

Handlers hold ``approvals.handle_objection`` and work in a region covering the row's; every
service runs in one transaction with the row's confirmation locked and writes an audit event.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import PERM_OBJECTION, ObjectionStatus, region_covers
from approvals.selectors import staff_region
from approvals.services import objection_cap_check, objection_input
from approvals.services.notices import TRACKING_ALPHABET, TRACKING_LENGTH
from common import workdays
from ledger.audit import AuditAction, audit

from ..exceptions import InvalidInput, InvalidState, NotAllowed
from ..models import (
    PAID_OUTCOMES,
    Confirmation,
    ConfirmationNotice,
    ConfirmationObjection,
    ConfirmationRow,
    ConfirmationStatus,
    Entitlement,
    RowOutcome,
    StopAction,
)
from ._common import require_perm, required_text
from .confirmations import _lock, _review_tiers, apply_stop, enrolled_before, reason_texts

POSTED = (ConfirmationStatus.ON_NOTICE, ConfirmationStatus.APPROVED)


def _tracking_code() -> str:
    # The alphabet and length of case objections' codes (no 0/O, 1/I; 80 bits).
    return "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))


def open_notice_for(row: ConfirmationRow, today: date) -> tuple[bool, ConfirmationNotice | None]:
    """Whether a notice showing ``row`` runs on ``today``, and which tier notice it is (None:
    the county notice or the row's own re-posting). After the last tier the list runs either on
    the county notice or, per village or township, on its region's ``final`` notice: then the
    confirmation's own dates only span those, and a row is open while its region's runs."""
    confirmation = row.confirmation
    if row.review_tier is not None:
        return False, None  # being reviewed again: not on display
    if row.reposted_on and row.reposted_on <= today <= row.repost_ends_on:
        return True, None
    notices = list(
        ConfirmationNotice.objects.filter(confirmation=confirmation).select_related("region")
    )
    per_region = any(n.final for n in notices)
    if (
        not per_region
        and confirmation.status in POSTED
        and row.changed_at is None
        and confirmation.notice_starts_on <= today <= confirmation.notice_ends_on
    ):
        return True, None
    for notice in notices:
        if not notice.starts_on <= today <= notice.ends_on:
            continue
        if notice.final and row.changed_at is not None:
            continue  # changed after an objection: its own re-posting shows it (as county-wide)
        if region_covers(notice.region, row.region):
            return True, notice
    return False, None


def rows_open_for_objection(confirmation: Confirmation, today: date | None = None) -> set[int]:
    """The ids of the rows the public may object to today."""
    today = today or timezone.localdate()
    rows = confirmation.rows.select_related("region", "confirmation")
    return {row.pk for row in rows if open_notice_for(row, today)[0]}


def confirmation_objection_file(
    *,
    row: ConfirmationRow,
    contact: str,
    text: str,
    name: str = "",
    ip: str = "",
    today: date | None = None,
) -> ConfirmationObjection:
    """Anyone objects to a row of a confirmation while a notice shows it (no login). Returns
    the objection; its ``tracking_code`` is the objector's only handle on it."""
    today = today or timezone.localdate()
    given = objection_input(contact=contact, text=text, name=name, ip=ip, error=InvalidInput)
    with transaction.atomic():
        # The confirmation's lock serialises every filing against its lists: two filings at
        # the same moment cannot both pass the caps.
        confirmation = _lock(row.confirmation)
        row = ConfirmationRow.objects.select_related("region", "confirmation").get(pk=row.pk)
        is_open, notice = open_notice_for(row, today)
        if not is_open or row.confirmation_id != confirmation.pk:
            raise InvalidState(_("This list is not open for objections now."))
        # The cap of a case notice, per list: a tier's notice in its region, or the county
        # list (with the rows re-posted on their own after a review).
        objection_cap_check(
            ConfirmationObjection.objects.filter(confirmation=confirmation, tier_notice=notice),
            given,
            error=InvalidInput,
        )
        objection = ConfirmationObjection.objects.create(
            confirmation=confirmation,
            row=row,
            tier_notice=notice,
            tracking_code=_tracking_code(),
            contact=given.contact,
            name=given.name,
            text=given.text,
            ip_hash=given.ip_hash,
            contact_key=given.contact_key,
        )
        audit(
            actor=None,
            action=AuditAction.CONFIRMATION_OBJECTION,
            obj=confirmation,
            row=row.pk,
            objection=objection.pk,
            tier_notice=notice.pk if notice else None,
        )
    return objection


def _handle(objection: ConfirmationObjection, actor) -> tuple[ConfirmationObjection, Confirmation]:
    """Lock the confirmation and the objection; the actor handles objections in a region
    covering the row's; the objection is still open."""
    require_perm(actor, PERM_OBJECTION)
    confirmation = _lock(objection.confirmation)
    objection = (
        ConfirmationObjection.objects.select_for_update(of=("self",))
        .select_related("row__region")
        .get(pk=objection.pk)
    )
    own = staff_region(actor)
    if own is None or not region_covers(own, objection.row.region):
        raise NotAllowed(
            _("%(name)s lies in %(region)s, outside your region.")
            % {
                "name": objection.row.display_name or objection.row.pk,
                "region": objection.row.region.name,
            }
        )
    if objection.status != ObjectionStatus.OPEN:
        raise InvalidState(
            _("Objection %(code)s was already %(status)s.")
            % {"code": objection.tracking_code, "status": objection.get_status_display()}
        )
    return objection, confirmation


def _held_otherwise(row: ConfirmationRow, objection: ConfirmationObjection) -> bool:
    return (
        row.review_tier is not None
        or row.objections.filter(status=ObjectionStatus.OPEN).exclude(pk=objection.pk).exists()
    )


def confirmation_objection_dismiss(
    *, objection: ConfirmationObjection, actor, reply: str, today: date | None = None
) -> ConfirmationObjection:
    """No merit: dismissed with a written reply. The row is no longer held by it; after the
    cycle's approval, a stopped row's stop now applies to its enrolment."""
    reply = required_text(reply, _("The reply to the objector"))
    today = today or timezone.localdate()
    with transaction.atomic():
        objection, confirmation = _handle(objection, actor)
        objection.status = ObjectionStatus.DISMISSED
        objection.reply = reply
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save(update_fields=["status", "reply", "handled_by", "handled_at"])
        row = _release_row(objection, confirmation, actor, today)
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_OBJECTION_DISMISS,
            obj=confirmation,
            objection=objection.tracking_code,
            row=row.pk,
        )
    return objection


def _release_row(
    objection: ConfirmationObjection, confirmation: Confirmation, actor, today: date
) -> ConfirmationRow:
    """``objection`` no longer holds its row (dismissed, merged, set aside as spam). Before the
    cycle's approval nothing more is needed: the approval books the row. After it, a stopped
    row's stop applies now, unless something else still holds the row; a paid row is booked
    by the cycle's next generation (as after a dismissal)."""
    row = ConfirmationRow.objects.select_related("confirmation__program").get(pk=objection.row_id)
    if (
        confirmation.status == ConfirmationStatus.APPROVED
        and row.outcome == RowOutcome.STOPPED
        and not _held_otherwise(row, objection)
    ):
        apply_stop(row, actor, today)
    return row


def confirmation_objection_merge(
    *,
    objection: ConfirmationObjection,
    into: ConfirmationObjection,
    actor,
    comment: str = "",
    today: date | None = None,
) -> ConfirmationObjection:
    """``objection`` says what ``into`` already says (same row): it is closed as merged into
    it and answered there; it no longer holds the row. The objector's tracking code shows that
    it was merged. Audited."""
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise InvalidInput(_("The comment is too long."))
    today = today or timezone.localdate()
    with transaction.atomic():
        objection, confirmation = _handle(objection, actor)
        into = ConfirmationObjection.objects.select_for_update().filter(pk=into.pk).first()
        if into is None or into.pk == objection.pk or into.row_id != objection.row_id:
            raise InvalidInput(
                _("An objection can only be merged into another objection to the same row.")
            )
        if into.status == ObjectionStatus.MERGED:
            raise InvalidInput(
                _("Objection %(code)s was itself merged; merge into the one it was merged into.")
                % {"code": into.tracking_code}
            )
        reply = _(
            "This objection makes the same point as another objection to the same line; it "
            "is answered there, together with it."
        )
        objection.status = ObjectionStatus.MERGED
        objection.merged_into = into
        objection.reply = f"{reply}\n{comment}" if comment else str(reply)
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save(update_fields=["status", "merged_into", "reply", "handled_by", "handled_at"])
        row = _release_row(objection, confirmation, actor, today)
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_OBJECTION_MERGE,
            obj=confirmation,
            objection=objection.tracking_code,
            merged_into=into.tracking_code,
            row=row.pk,
            comment=comment,
        )
    return objection


def confirmation_objection_mark_spam(
    *,
    objections: Sequence[ConfirmationObjection],
    actor,
    reason: str,
    today: date | None = None,
) -> list[ConfirmationObjection]:
    """Set open objections to confirmation rows aside as spam (no objection to the row at all:
    advertising, abuse, the same text sent again and again), with the handler's reason, which
    the objector's tracking code shows. All or none; each audited; each releases its row
    (``_release_row``), so the cycle's approval books it."""
    reason = required_text(reason, _("The reason"))
    if len(reason) > 2000:
        raise InvalidInput(_("The reason is too long."))
    if not objections:
        raise InvalidInput(_("Choose at least one objection."))
    today = today or timezone.localdate()
    done = []
    with transaction.atomic():
        # one global order: confirmations by pk, then objections by pk
        for given in sorted(objections, key=lambda o: (o.confirmation_id, o.pk)):
            objection, confirmation = _handle(given, actor)
            objection.status = ObjectionStatus.SPAM
            objection.reply = reason
            objection.handled_by = actor
            objection.handled_at = timezone.now()
            objection.save(update_fields=["status", "reply", "handled_by", "handled_at"])
            row = _release_row(objection, confirmation, actor, today)
            audit(
                actor=actor,
                action=AuditAction.CONFIRMATION_OBJECTION_SPAM,
                obj=confirmation,
                objection=objection.tracking_code,
                row=row.pk,
                reason=reason,
            )
            done.append(objection)
    return done


def confirmation_objection_uphold(
    *, objection: ConfirmationObjection, actor, tier: int, comment: str
) -> ConfirmationObjection:
    """Merit: the row goes back to review at ``tier`` (one of the program's review tiers),
    whose reviewer in the row's region decides its outcome again. Held until then."""
    comment = required_text(comment, _("The finding"))
    with transaction.atomic():
        objection, confirmation = _handle(objection, actor)
        orders = [t.order for t in _review_tiers(confirmation.program)]
        if tier not in orders:
            raise InvalidInput(
                _("Choose the tier to re-investigate at: one of %(orders)s.")
                % {"orders": ", ".join(str(o) for o in orders)}
            )
        row = ConfirmationRow.objects.get(pk=objection.row_id)
        if Entitlement.objects.filter(
            cycle_id=confirmation.cycle_id, enrolment_id=row.enrolment_id
        ).exists():
            raise InvalidState(
                _(
                    "This row's entitlement is booked already; money paid in error comes back "
                    "through a recovery."
                )
            )
        row.review_tier = tier
        row.save(update_fields=["review_tier"])
        objection.status = ObjectionStatus.UPHELD
        objection.reply = comment
        objection.review_tier = tier
        objection.handled_by = actor
        objection.handled_at = timezone.now()
        objection.save(update_fields=["status", "reply", "review_tier", "handled_by", "handled_at"])
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_OBJECTION_UPHOLD,
            obj=confirmation,
            objection=objection.tracking_code,
            row=row.pk,
            tier=tier,
        )
    return objection


def can_decide(row: ConfirmationRow, user) -> bool:
    """The user holds the tier ``row`` is back at (role and level) in a region covering it."""
    if row.review_tier is None or user is None:
        return False
    tier = next(
        (t for t in _review_tiers(row.confirmation.program) if t.order == row.review_tier), None
    )
    own = staff_region(user)
    return (
        tier is not None
        and own is not None
        and own.level == tier.region_level
        and user.groups.filter(name=tier.role).exists()
        and region_covers(own, row.region)
        and row.confirmation.prepared_by_id != user.pk
    )


def confirmation_row_decide(
    *,
    row: ConfirmationRow,
    actor,
    pay: bool,
    reason: str,
    action: str = StopAction.NONE,
    today: date | None = None,
) -> ConfirmationRow:
    """The reviewer of the tier a row is back at (after an upheld objection) decides its outcome
    again: stopped (``pay`` false; ``action`` says what happens to the enrolment), or paid — then
    posted again for a full notice period of its own from ``today``, and booked after it."""
    reason = required_text(reason, _("The reason for the decision"))
    if action not in StopAction.values:
        raise InvalidInput(
            _("Choose what happens to the enrolment: nothing more, suspend or exit.")
        )
    today = today or timezone.localdate()
    with transaction.atomic():
        confirmation = _lock(row.confirmation)
        row = ConfirmationRow.objects.select_related(
            "region", "confirmation__program", "enrolment__source_case"
        ).get(pk=row.pk)
        if row.review_tier is None:
            raise InvalidState(_("This row is not back at a review tier."))
        if confirmation.prepared_by_id == actor.pk:
            raise NotAllowed(_("You prepared this confirmation; someone else must decide."))
        if not can_decide(row, actor):
            raise NotAllowed(
                _("Tier %(order)s reviews this row again, by its staff in the row's region.")
                % {"order": row.review_tier}
            )
        tier = row.review_tier
        if pay:
            if row.codes:
                raise InvalidInput(
                    _(
                        "The checks stopped this row (%(reasons)s): correct the person's record "
                        "first; a reviewer's decision does not pay past them."
                    )
                    % {"reasons": "; ".join(reason_texts(row))}
                )
            paid_before = (
                enrolled_before(row.enrolment, confirmation.cycle)
                or Entitlement.objects.filter(enrolment_id=row.enrolment_id)
                .exclude(cycle_id=confirmation.cycle_id)
                .exists()
                or ConfirmationRow.objects.filter(
                    enrolment_id=row.enrolment_id,
                    outcome__in=PAID_OUTCOMES,
                    confirmation__status=ConfirmationStatus.APPROVED,
                )
                .exclude(confirmation=confirmation)
                .exists()
            )
            program = confirmation.program
            row.outcome = RowOutcome.CONTINUED if paid_before else RowOutcome.NEW
            row.stop_action = StopAction.NONE
            row.stopped_by = None
            row.stopped_at_tier = None
            row.reposted_on = today
            row.repost_ends_on = workdays.period_end(
                today, program.notice_days, program.notice_day_count
            )
        else:
            row.outcome = RowOutcome.STOPPED
            row.stop_action = action
            row.stopped_by = actor
            row.stopped_at_tier = tier
            row.reposted_on = row.repost_ends_on = None
        row.reason_text = reason
        row.review_tier = None
        row.changed_at = timezone.now()
        row.save()
        if (
            not pay
            and confirmation.status == ConfirmationStatus.APPROVED
            and not row.objections.filter(status=ObjectionStatus.OPEN).exists()
        ):
            apply_stop(row, actor, today)
        audit(
            actor=actor,
            action=AuditAction.CONFIRMATION_ROW_DECIDE,
            obj=confirmation,
            row=row.pk,
            tier=tier,
            outcome=row.outcome,
            reason=reason,
            reposted_until=row.repost_ends_on.isoformat() if row.repost_ends_on else None,
        )
    return row


__all__ = [
    "can_decide",
    "confirmation_objection_dismiss",
    "confirmation_objection_file",
    "confirmation_objection_mark_spam",
    "confirmation_objection_merge",
    "confirmation_objection_uphold",
    "confirmation_row_decide",
    "open_notice_for",
    "rows_open_for_objection",
]
