"""The accounting periods' public services: open a period, close it for good.

A posting dated in a month with no period opens that month's period by itself
(``ledger.posting.batch``); these services are for periods of another shape and for closing.
Both take the books lock first, so no posting can slip into a period while it closes or
overlaps a period being opened. Nothing is ever posted into a closed period.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import AuditAction, audit
from ..exceptions import InvalidEntry
from ..locks import lock_head
from ..models import EntryStatus, Period, PeriodStatus
from ._common import require_perm


def period_close(*, period: Period, actor) -> Period:
    """Close a period for good. Closing a closed period again changes nothing."""
    require_perm(actor, "ledger.close_period")
    with transaction.atomic():
        lock_head()  # no posting can slip into the period while it closes
        period = Period.objects.get(pk=period.pk)
        if period.status == PeriodStatus.CLOSED:
            return period
        drafts = period.entries.filter(status=EntryStatus.DRAFT).count()
        if drafts:
            raise InvalidEntry(
                _("Period %(period)s has %(n)s unposted draft entries; run verify_ledger.")
                % {"period": period.code, "n": drafts}
            )
        period.status = PeriodStatus.CLOSED
        period.closed_at = timezone.now()
        period.closed_by = actor if getattr(actor, "pk", None) else None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        audit(actor=actor, action=AuditAction.PERIOD_CLOSE, obj=period)
        return period


def period_open(*, code: str, start: date, end: date, actor) -> Period:
    """Open a period from ``start`` to ``end``; refused if it overlaps an existing one."""
    require_perm(actor, "ledger.add_period")
    if start > end:
        raise InvalidEntry(_("A period's first day must not be after its last day."))
    with transaction.atomic():
        lock_head()
        clash = Period.objects.filter(start__lte=end, end__gte=start).first()
        if clash is not None:
            raise InvalidEntry(_("The period overlaps period %(code)s.") % {"code": clash.code})
        period = Period.objects.create(code=code, start=start, end=end)
        audit(actor=actor, action=AuditAction.PERIOD_OPEN, obj=period)
        return period


__all__ = ["period_close", "period_open"]
