"""The accounting periods' public services: open a period, list what is open in one, close it
for good.

A posting dated in a month with no period opens that month's period by itself
(``ledger.posting.batch``), and closing a period opens the one after it; ``period_open`` is for
periods of another shape. Both writes take the books lock first, so no posting can slip into a
period while it closes or overlaps a period being opened. Nothing is ever posted into a closed
period, and a closed period is never reopened: the hash chain runs through its entries and its
reports are published; a correction goes into the open period as an approved manual entry.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import AuditAction, audit
from ..exceptions import InvalidEntry, PeriodHasOpenItems, PeriodNotOver
from ..locks import lock_head
from ..models import (
    GENESIS_HASH,
    ChainHead,
    EntryStatus,
    Period,
    PeriodStatus,
    PublishedCheckpoint,
)
from ..periods_open_items import OpenItem, open_items
from ._common import require_perm


def period_open_items(period: Period) -> list[OpenItem]:
    """What is still open in ``period`` (``ledger.periods_open_items``): shown before closing."""
    return open_items(period)


def period_close(
    *, period: Period, actor, confirm: bool = False, today: date | None = None
) -> Period:
    """Close a period for good, once its last day is over. Closing a closed period again
    changes nothing.

    A period closes only after its last day (``PeriodNotOver``), so today's work is never in a
    closed period. When something is still open in it (``period_open_items``), the closer must
    have seen the list and confirm (``confirm=True``); otherwise ``PeriodHasOpenItems`` lists
    them and nothing changes. The period after it is opened at once, so that the period list
    shows where the next postings go. A closed period is never reopened (docs/architecture.md).
    """
    require_perm(actor, "ledger.close_period")
    today = today or timezone.localdate()
    with transaction.atomic():
        lock_head()  # no posting can slip into the period while it closes
        period = Period.objects.get(pk=period.pk)
        if period.status == PeriodStatus.CLOSED:
            return period
        if period.end >= today:
            raise PeriodNotOver(
                _(
                    "Period %(period)s ends on %(end)s: it can be closed from %(first)s on, "
                    "once its last day is over."
                )
                % {
                    "period": period.code,
                    "end": period.end.isoformat(),
                    "first": (period.end + timedelta(days=1)).isoformat(),
                }
            )
        drafts = period.entries.filter(status=EntryStatus.DRAFT).count()
        if drafts:
            raise InvalidEntry(
                _("Period %(period)s has %(n)s unposted draft entries; run verify_ledger.")
                % {"period": period.code, "n": drafts}
            )
        items = open_items(period)
        if items and not confirm:
            raise PeriodHasOpenItems(
                _(
                    "Period %(period)s still has open items: %(items)s. Look at them, then "
                    "confirm to close it anyway; they can be finished in the next period."
                )
                % {
                    "period": period.code,
                    "items": "; ".join(f"{item.label}: {item.count}" for item in items),
                },
                items=items,
            )
        period.status = PeriodStatus.CLOSED
        period.closed_at = timezone.now()
        period.closed_by = actor if getattr(actor, "pk", None) else None
        period.save(update_fields=["status", "closed_at", "closed_by"])
        # The chain head now, published for the public (issue 15, point 4): read under the
        # books lock, so no posting moves it in between.
        head = ChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
        published = PublishedCheckpoint.objects.create(
            period=period, seq=head[0] if head else 0, hash=head[1] if head else GENESIS_HASH
        )
        following = _open_following(period)
        audit(
            actor=actor,
            action=AuditAction.PERIOD_CLOSE,
            obj=period,
            open_items={str(item.label): item.count for item in items},
            next_period=following.code if following else None,
            checkpoint_seq=published.seq,
            checkpoint_hash=published.hash,
        )
        return period


def _open_following(period: Period) -> Period | None:
    """The period after ``period``, opened now if missing (a month, as postings open them; cut
    short where another period begins)."""
    start = period.end + timedelta(days=1)
    existing = Period.objects.filter(start__lte=start, end__gte=start).first()
    if existing is not None:
        return existing
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    later = Period.objects.filter(start__gt=start, start__lte=end).order_by("start").first()
    if later is not None:
        end = later.start - timedelta(days=1)
    code = f"{start:%Y-%m}"
    if start.day != 1 or Period.objects.filter(code=code).exists():
        code = f"{start:%Y%m%d}-{end:%Y%m%d}"
    return Period.objects.create(code=code, start=start, end=end)


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


__all__ = ["period_close", "period_open", "period_open_items"]
