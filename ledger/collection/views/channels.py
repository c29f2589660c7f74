"""Payment channel screens: import a channel's settlement file, and the reconciliation per
channel (clearing balance, donations not yet settled, exceptions, fees)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.errors import FundError
from common.permissions import permission_required

from .. import channel_selectors, services
from ..forms import SettlementImportForm
from ..models import ChannelSettlementLine

# The longest lists the reconciliation shows in full (the counts and totals cover all).
SHOWN = 200


@require_http_methods(["GET", "POST"])
@permission_required("ledger.add_channelstatement")
def settlement_import(request):
    """Upload one settlement file; see what was settled, what is an exception, or, row by row,
    why nothing was recorded."""
    error = None
    result = None
    form = SettlementImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            result = services.channel_settlement_import(
                channel=data["channel"],
                settled_on=data["settled_on"],
                content=upload.read(),
                filename=upload.name,
                actor=request.user,
            )
        except FundError as exc:
            error = str(exc)
    return render(
        request,
        "ledger/collection/settlement_import.html",
        {"form": form, "error": error, "result": result},
        status=400 if error or form.errors or (result is not None and result.errors) else 200,
    )


@require_safe
@permission_required("ledger.view_channelstatement", "ledger.view_balance")
def channel_reconciliation(request):
    return render(
        request,
        "ledger/collection/channel_reconciliation.html",
        {
            "positions": channel_selectors.channel_positions(),
            "unsettled": channel_selectors.unsettled_channel_donations()[:SHOWN],
            "exceptions": channel_selectors.channel_exceptions()[:SHOWN],
            "statements": channel_selectors.channel_statements()[:50],
            "shown": SHOWN,
        },
    )


@require_POST
@permission_required("ledger.add_channelstatement")
def exception_settle(request, pk: int):
    """Settle an exception whose donation has been recorded since (the button on its row)."""
    line = get_object_or_404(ChannelSettlementLine, pk=pk)
    try:
        line = services.channel_exception_settle(line=line, actor=request.user)
    except FundError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Transaction %(ref)s is settled with receipt %(code)s.")
            % {"ref": line.transaction_ref, "code": line.donation.receipt.code},
        )
    return redirect("collection:channel-reconciliation")
