"""Enrolment screens of recurring programs: the list (and its download), one enrolment with
its history and entitlements, suspending / exiting / reinstating. Nobody enrols anyone here:
an enrolment comes only from a final case of the program (``services.enrolments_from_case``).
Everything is read within the user's region (``selectors.enrolments_for_user``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from approvals.selectors import regions_below
from common.errors import FundError
from common.exports import export_or_none, query_without
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import EnrolmentChangeForm, EnrolmentFilterForm
from ..models import EnrolmentStatus, PaymentStatus
from .common import PERM_ENROL, VIEW_ENROLMENT, page_of

# action -> (service, the statuses it applies to)
ENROLMENT_ACTIONS = {
    "suspend": (services.enrolment_suspend, (EnrolmentStatus.ACTIVE,)),
    "exit": (services.enrolment_exit, (EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED)),
    "reinstate": (services.enrolment_reinstate, (EnrolmentStatus.SUSPENDED,)),
}
ENROLMENT_DONE = {
    "suspend": gettext_lazy("%(name)s is suspended: no new entitlements until reinstated."),
    "exit": gettext_lazy("%(name)s has exited the program: no further entitlements."),
    "reinstate": gettext_lazy("%(name)s is reinstated."),
}


def regions_for(user):
    """The user's region and those below it (the filter's choices); None without a region."""
    region = selectors.staff_region(user)
    return regions_below(region).order_by("code") if region is not None else None


@require_safe
@permission_required(VIEW_ENROLMENT)
def enrolment_list(request):
    form = EnrolmentFilterForm(request.GET or None, regions=regions_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.enrolments_for_user(request.user).order_by("program__code", "id")
    if data.get("program"):
        rows = rows.filter(program=data["program"])
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("region"):
        rows = rows.filter(household__region__code__startswith=data["region"].prefix)
    if data.get("q"):
        rows = rows.filter(person__name__icontains=data["q"].strip())
    download = export_or_none(
        request,
        title=_("Enrolments"),
        headers=[
            _("Program"),
            _("Beneficiary"),
            _("Village"),
            _("Status"),
            _("Enrolled on"),
            _("Effective from"),
            _("Reason"),
        ],
        rows=lambda: (
            [
                e.program.code,
                e.person.name,
                e.household.region.name,
                e.get_status_display(),
                e.enrolled_on,
                e.status_date,
                e.status_reason,
            ]
            for e in rows.iterator()
        ),
    )
    if download is not None:
        return download
    return render(
        request,
        "disbursement/enrolments.html",
        {
            "form": form,
            "page": page_of(request, rows),
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


def enrolment_page(request, enrolment, *, status=200, error=None, action=None, form=None):
    """One enrolment with its history, its entitlements and how each was paid, and the
    actions its status allows; ``error`` shows a refusal, ``form`` keeps ``action``'s input."""
    today = timezone.localdate()
    forms = {
        name: form
        if name == action and form is not None
        else EnrolmentChangeForm(prefix=name, initial={"on": today})
        for name in ENROLMENT_ACTIONS
    }
    can_manage = holds_perm(request.user, PERM_ENROL)
    actions = [
        {"name": name, "form": forms[name], "label": label}
        for name, label in (
            ("suspend", _("Suspend")),
            ("exit", _("Exit the program")),
            ("reinstate", _("Reinstate")),
        )
        if can_manage and enrolment.status in ENROLMENT_ACTIONS[name][1]
    ]
    labels = dict(PaymentStatus.choices)
    status_labels = dict(EnrolmentStatus.choices)
    return render(
        request,
        "disbursement/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "history": [
                {
                    "h": h,
                    "from": status_labels.get(h.from_status, ""),
                    "to": status_labels.get(h.to_status, h.to_status),
                }
                for h in selectors.enrolment_history(enrolment)
            ],
            "entitlements": [
                {"e": e, "payment": labels.get(last_status, "")}
                for e, last_status in selectors.enrolment_entitlements(enrolment)
            ],
            "actions": actions,
            "error": error,
            "can_see_household": holds_perm(request.user, "approvals.view_household"),
            # Money paid in error still owed back: flagged, never deducted from a payment.
            "recoveries": selectors.open_recoveries([enrolment.person_id]).get(
                enrolment.person_id, []
            ),
            "can_see_recoveries": holds_perm(request.user, "disbursement.view_recovery"),
        },
        status=status,
    )


@require_safe
@permission_required(VIEW_ENROLMENT)
def enrolment_detail(request, pk: int):
    enrolment = get_object_or_404(selectors.enrolments_for_user(request.user), pk=pk)
    return enrolment_page(request, enrolment)


@permission_required(VIEW_ENROLMENT, PERM_ENROL)
@require_POST
def enrolment_action(request, pk: int, action: str):
    if action not in ENROLMENT_ACTIONS:
        raise Http404
    enrolment = get_object_or_404(selectors.enrolments_for_user(request.user), pk=pk)
    form = EnrolmentChangeForm(request.POST, prefix=action)
    if not form.is_valid():
        return enrolment_page(request, enrolment, status=400, action=action, form=form)
    call = ENROLMENT_ACTIONS[action][0]
    try:
        enrolment = call(
            enrolment=enrolment,
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
            actor=request.user,
        )
    except FundError as exc:
        return enrolment_page(
            request, enrolment, status=exc.status, error=exc.message, action=action, form=form
        )
    messages.success(request, ENROLMENT_DONE[action] % {"name": enrolment.person.name})
    return redirect("payouts:enrolment", pk=enrolment.pk)
