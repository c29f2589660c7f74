"""The late-payments report: final awards and entitlements of the user's region still unpaid
past ``PAYOUT_LATE_DAYS`` (or the days asked for), oldest first, with their download."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.exports import export_or_none, query_without
from common.permissions import permission_required

from .. import selectors
from ..forms import LateFilterForm
from ..models import PaymentStatus
from .common import VIEW_BATCH

# The page lists this many; the download has them all.
LATE_SHOWN = 500


def money_totals(rows) -> list[tuple[str, Decimal]]:
    """(currency, sum) pairs of (amount, currency) rows, per currency: sums never mix them."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for amount, currency in rows:
        totals[str(currency)] += amount
    return sorted(totals.items())


@require_safe
@permission_required(VIEW_BATCH)
def late_report(request):
    form = LateFilterForm(request.GET or None, initial={"days": selectors.late_days_setting()})
    data = form.cleaned_data if form.is_valid() else {}
    days = data.get("days")
    days = selectors.late_days_setting() if days is None else days
    program = data.get("program")
    region = selectors.staff_region(request.user)

    def read(limit):
        if region is None or (form.is_bound and not form.is_valid()):
            return []
        return selectors.late_awards(days=days, program=program, region=region, limit=limit)

    status_labels = dict(PaymentStatus.choices)
    download = export_or_none(
        request,
        title=_("Late payments"),
        headers=[
            _("Kind"),
            _("Award"),
            _("Program"),
            _("Household"),
            _("Amount"),
            _("Currency"),
            _("Owed since"),
            _("Days unpaid"),
            _("Last payment"),
        ],
        rows=lambda: (
            [
                _("award") if row.kind == "case" else _("entitlement"),
                row.label,
                row.program,
                row.household_id,
                row.amount,
                row.currency,
                row.owed_since,
                row.days,
                status_labels.get(row.last_status, _("never in a batch")),
            ]
            for row in read(None)
        ),
    )
    if download is not None:
        return download
    rows = read(LATE_SHOWN)
    return render(
        request,
        "disbursement/late.html",
        {
            "form": form,
            "days": days,
            "rows": rows,
            "truncated": len(rows) >= LATE_SHOWN,
            "totals": money_totals((r.amount, r.currency) for r in rows),
            "oldest": max((r.days for r in rows), default=None),
            "status_labels": status_labels,
            "export_query": query_without(request, "format"),
        },
    )
