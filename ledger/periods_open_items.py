"""What is still open in an accounting period: the list a supervisor confirms before closing it.

Closing a period is for good (``ledger.services.periods``), so the closing page first lists
what is still under way in it: entry requests waiting for a second person, receipt voids
waiting, cash not yet deposited, payout batches still in draft... Nothing listed stops the
close (each item can still be finished after it, dated in the open period), but the supervisor
sees them and confirms.

The ledger cannot import the apps above it, so each app registers, from its
``AppConfig.ready()``, a function ``source(period) -> list[OpenItem]`` (``register``); the
ledger's own (entry requests pending) and the collection's are registered by the ledger app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from .models import Period


@dataclass(frozen=True)
class OpenItem:
    """One kind of thing still open in a period: what (for people), how many, and the page that
    lists them ("" when there is none)."""

    label: str | Promise
    count: int
    url: str = ""


OpenItemSource = Callable[["Period"], "list[OpenItem]"]

_sources: list[OpenItemSource] = []


def register(source: OpenItemSource) -> None:
    """Ask ``source(period)`` for open items whenever a period is about to close (once)."""
    if source not in _sources:
        _sources.append(source)


def unregister(source: OpenItemSource) -> None:
    if source in _sources:
        _sources.remove(source)


def open_items(period: Period) -> list[OpenItem]:
    """Every registered source's open items in ``period`` (only those with a count)."""
    items: list[OpenItem] = []
    for source in tuple(_sources):
        items.extend(item for item in source(period) if item.count)
    return items


# --------------------------------------------------------------------------------------------
# the ledger's own open items
# --------------------------------------------------------------------------------------------
def entry_requests_pending(period: Period) -> list[OpenItem]:
    """Manual entries and reversals dated in the period, still waiting for a second person."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from .models import EntryRequest, RequestStatus

    count = EntryRequest.objects.filter(
        status=RequestStatus.PENDING, date__gte=period.start, date__lte=period.end
    ).count()
    return [
        OpenItem(
            _("manual entries and reversals waiting for approval"),
            count,
            reverse("ledger:requests") + "?show=pending",
        )
    ]


__all__ = ["OpenItem", "entry_requests_pending", "open_items", "register", "unregister"]
