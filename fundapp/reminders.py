"""The daily overdue reminder (the scheduler's ``overdue-reminders`` job).

The overdue flags themselves are worked out when a page is read (a review past its tier's
deadline, an award unpaid past its program's days or ``PAYOUT_LATE_DAYS``, a pledge past its
due date, cash held longer than three days), so they are never stale and need no job. What a
schedule adds is the reminder: once a day it counts what is overdue across the county, writes
it to the audit trail (``reminder.overdue``, one event per day, so the auditor can see which
day something first went overdue and that it was raised) and logs a warning for the operator
when anything is. Safe to run again: a day already recorded is not recorded twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from approvals import selectors as case_selectors
from approvals.models import Region
from disbursement import selectors as payout_selectors
from ledger.audit import AuditAction, audit
from ledger.collection import selectors as collection_selectors
from ledger.collection.models import PledgeStatus
from ledger.models import AuditEvent

logger = logging.getLogger(__name__)

OBJECT_TYPE = "reminder"


def overdue_counts(*, today: date) -> dict[str, int]:
    """What is overdue today, county-wide."""
    reviews = sum(
        case_selectors.overdue_reviews(root, today=today).count
        for root in Region.objects.filter(parent__isnull=True)
    )
    end_of_day = timezone.make_aware(datetime.combine(today, time.max))
    return {
        "reviews_overdue": reviews,
        "awards_late": payout_selectors.late_awards_count(now=end_of_day),
        "pledges_overdue": len(
            collection_selectors.pledge_rows(today=today, status=PledgeStatus.OVERDUE)
        ),
        "cash_held_too_long": sum(
            1 for row in collection_selectors.cash_held(today=today) if row.overdue
        ),
    }


def overdue_reminders(*, today: date) -> dict[str, int]:
    """Record today's overdue counts once (audit ``reminder.overdue``) and return them."""
    counts = overdue_counts(today=today)
    with transaction.atomic():
        already = AuditEvent.objects.filter(
            action=AuditAction.OVERDUE_REMINDER,
            object_type=OBJECT_TYPE,
            object_id=today.isoformat(),
        ).exists()
        if not already:
            audit(
                actor=None,
                action=AuditAction.OVERDUE_REMINDER,
                object_type=OBJECT_TYPE,
                object_id=today.isoformat(),
                **counts,
            )
    if not already and any(counts.values()):
        logger.warning("overdue on %s: %s", today.isoformat(), counts)
    return counts
