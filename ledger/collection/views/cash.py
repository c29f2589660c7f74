"""Cash screens: cash on hand per fund and how long it has waited, and deposits to the bank
(the list, and the form to record one for who may)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from djmoney.money import Money

from common.errors import FundError
from common.exports import export_or_none, query_without
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import CashDepositForm
from ._common import list_context, page_of


@require_safe
@permission_required("ledger.view_cashdeposit", "ledger.view_balance")
def cash_held(request):
    rows = selectors.cash_held(today=timezone.localdate())
    download = export_or_none(
        request,
        title=_("Cash on hand"),
        headers=[_("Fund"), _("Cash on hand"), _("Currency"), _("Oldest not deposited"), _("Days")],
        rows=lambda: (
            [r.fund.code, r.on_hand, r.currency, r.oldest_undeposited, r.days_held] for r in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/cash_held.html",
        {"cash_held": rows, "export_query": query_without(request, "format")},
    )


@require_http_methods(["GET", "POST"])
@permission_required("ledger.view_cashdeposit")
def deposits(request):
    """The deposits made, and (for who may record one) the form to record a deposit."""
    error = None
    can_add = holds_perm(request.user, "ledger.add_cashdeposit")
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = CashDepositForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deposit = services.cash_deposit_record(
                    fund=data["fund"],
                    amount=Money(data["amount"], data["currency"]),
                    deposited_on=data["deposited_on"],
                    idempotency_key=data["idempotency_key"],
                    bank_slip=data["bank_slip"],
                    actor=request.user,
                )
            except FundError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _("Deposit of %(amount)s to the bank is recorded.")
                    % {"amount": deposit.amount},
                )
                return redirect("collection:deposits")
    else:
        form = CashDepositForm(initial=CashDepositForm.initial_data())
    rows = selectors.cash_deposits()
    download = export_or_none(
        request,
        title=_("Cash deposits"),
        headers=[_("Date deposited"), _("Fund"), _("Amount"), _("Currency"), _("Bank slip")],
        rows=lambda: (
            [d.deposited_on, d.fund.code, d.amount.amount, str(d.amount.currency), d.bank_slip]
            for d in rows
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "ledger/collection/deposits.html",
        list_context(
            request,
            form,
            page_of(request, rows),
            error=error,
            can_add=can_add,
            show_errors=request.method == "POST",
        ),
        status=400 if error or (request.method == "POST" and form.errors) else 200,
    )
