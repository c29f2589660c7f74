"""Staff screens of bank accounts: set or change a member's own account or the household's
default (masked everywhere), and the changes awaiting a second person's approval.

Each view checks the permission and the region (households outside the user's region are a
404), then calls one service; its typed error goes back onto the form. A whole account number is
never written into a page: the number box does not echo what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.errors import FundError
from common.filters import query_id
from common.permissions import holds_perm, permission_required

from . import selectors, services
from .forms import BankAccountForm, DecisionForm
from .models import PERM_APPROVE_ACCOUNT_CHANGE, AccountChangeStatus, BankAccountChange

PERM_CHANGE_PERSON = "approvals.change_person"
PERM_CHANGE_HOUSEHOLD = "approvals.change_household"


def _changes_for_user(user):
    return BankAccountChange.objects.filter(
        household__in=selectors.households_for_user(user)
    ).select_related("household__region", "person", "requested_by", "decided_by")


@permission_required("approvals.view_household")
@require_http_methods(["GET", "POST"])
def bank_account_edit(request, pk: int):
    household = get_object_or_404(selectors.households_for_user(request.user), pk=pk)
    people = household.people.order_by("-is_head", "id")
    initial = {}
    if person_id := query_id(request.GET.get("person")):
        initial["person"] = people.filter(pk=person_id).first()
    form = BankAccountForm(request.POST or None, people=people, initial=initial)
    error = None
    if request.method == "POST":
        if not (
            holds_perm(request.user, PERM_CHANGE_PERSON)
            or holds_perm(request.user, PERM_CHANGE_HOUSEHOLD)
        ):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.bank_account_change(
                    household=household,
                    person=data["person"],
                    bank_name=data["bank_name"],
                    account=data["account"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except FundError as exc:
                error = exc.message
            else:
                if change.status == AccountChangeStatus.PENDING:
                    messages.warning(
                        request,
                        _(
                            "A payment to the current account is pending or sent: the change "
                            "waits for another person's approval (BAC%(id)s)."
                        )
                        % {"id": change.pk},
                    )
                else:
                    messages.success(request, _("Bank account changed."))
                return redirect("approvals:household", pk=household.pk)
    return render(
        request,
        "approvals/bank_account_form.html",
        {
            "household": household,
            "people": people,
            "form": form,
            "error": error,
            "changes": _changes_for_user(request.user).filter(household=household)[:20],
        },
    )


@require_safe
@permission_required("approvals.view_bankaccountchange")
def bank_account_changes(request):
    status = request.GET.get("status", AccountChangeStatus.PENDING)
    changes = _changes_for_user(request.user)
    if status in AccountChangeStatus.values:
        changes = changes.filter(status=status)
    return render(
        request,
        "approvals/bank_account_changes.html",
        {
            "changes": changes.order_by("-id")[:200],
            "status": status,
            "statuses": AccountChangeStatus.choices,
            "can_decide": holds_perm(request.user, PERM_APPROVE_ACCOUNT_CHANGE),
            "form": DecisionForm(),
        },
    )


@permission_required(PERM_APPROVE_ACCOUNT_CHANGE)
@require_POST
def bank_account_decide(request, pk: int, decision: str):
    if decision not in ("approve", "reject"):
        raise Http404
    change = get_object_or_404(_changes_for_user(request.user), pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if decision == "approve":
            services.bank_account_change_approve(change=change, actor=request.user, note=note)
            messages.success(request, _("Change BAC%(id)s approved.") % {"id": change.pk})
        else:
            services.bank_account_change_reject(change=change, actor=request.user, note=note)
            messages.success(request, _("Change BAC%(id)s rejected.") % {"id": change.pk})
    except FundError as exc:
        messages.error(request, exc.message)
    return redirect("approvals:bank-account-changes")
