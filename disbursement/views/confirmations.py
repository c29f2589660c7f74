"""Screens of the annual confirmation (年审 / 资格确认) of a recurring program's cycle: the list
(with the form that prepares one for an open cycle), one confirmation with its rows in the
reader's region, the reasons of each stopped row, the sign-offs so far and what the reader may
do now — stop a row and sign off their region (a reviewer of the current tier), post it on the
public notice (after the last tier), approve the cycle (a second person, after the notice),
which books the entitlements. The services decide; refusals show here with nothing changed."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from approvals.models import PERM_PUBLISH
from common.errors import FundError
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import ConfirmationPrepareForm, ConfirmationPublishForm, RowStopForm, SignoffForm
from ..models import Confirmation, ConfirmationStatus
from .common import PERM_GENERATE, region_or_403

VIEW_CONFIRMATION = "disbursement.view_confirmation"
PERM_APPROVE_CYCLE = "disbursement.approve_cycle"


def list_page(request, *, form=None, error=None, status=200):
    region_or_403(request.user)
    can_prepare = holds_perm(request.user, PERM_GENERATE) and selectors.covers_whole_county(
        request.user
    )
    return render(
        request,
        "disbursement/confirmations.html",
        {
            "confirmations": selectors.confirmations_with_counts(),
            "form": form or ConfirmationPrepareForm(),
            "can_prepare": can_prepare,
            "error": error,
        },
        status=status,
    )


@require_safe
@permission_required(VIEW_CONFIRMATION)
def confirmation_list(request):
    return list_page(request)


@permission_required(VIEW_CONFIRMATION, PERM_GENERATE)
@require_POST
def confirmation_prepare(request):
    form = ConfirmationPrepareForm(request.POST)
    if not form.is_valid():
        return list_page(request, form=form, status=400)
    try:
        confirmation = services.confirmation_prepare(
            cycle=form.cleaned_data["cycle"], actor=request.user
        )
    except FundError as exc:
        return list_page(request, form=form, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("The annual confirmation of cycle %(code)s is prepared: its review tiers sign it off.")
        % {"code": confirmation.cycle.code},
    )
    return redirect("payouts:confirmation", pk=confirmation.pk)


def detail_page(request, confirmation, *, error=None, status=200, forms=None):
    region_or_403(request.user)
    user = request.user
    rows = list(selectors.confirmation_rows(confirmation, user))
    can_review = selectors.can_review(confirmation, user)
    forms = forms or {}
    tier = selectors.current_tier(confirmation)
    waiting = services.regions_waiting(confirmation, tier) if tier is not None else []
    return render(
        request,
        "disbursement/confirmation_detail.html",
        {
            "confirmation": confirmation,
            "rows": [
                {
                    "row": row,
                    "reasons": services.reason_texts(row),
                    "form": forms.get(row.pk) or RowStopForm(prefix=f"row{row.pk}"),
                }
                for row in rows
            ],
            "counts": services.confirmation_counts(confirmation),
            "tier": tier,
            "waiting": waiting,
            "signoffs": selectors.confirmation_signoffs(confirmation),
            "can_review": can_review,
            "signoff_form": forms.get("signoff") or SignoffForm(),
            "can_publish": confirmation.status == ConfirmationStatus.REVIEWED
            and holds_perm(user, PERM_PUBLISH)
            and selectors.covers_whole_county(user),
            "publish_form": forms.get("publish") or ConfirmationPublishForm(),
            "can_approve": confirmation.status == ConfirmationStatus.ON_NOTICE
            and holds_perm(user, PERM_APPROVE_CYCLE)
            and selectors.covers_whole_county(user),
            "error": error,
        },
        status=status,
    )


def _confirmation(pk: int) -> Confirmation:
    return get_object_or_404(
        Confirmation.objects.select_related("program", "cycle", "prepared_by", "approved_by"),
        pk=pk,
    )


@require_safe
@permission_required(VIEW_CONFIRMATION)
def confirmation_detail(request, pk: int):
    return detail_page(request, _confirmation(pk))


@permission_required(VIEW_CONFIRMATION)
@require_POST
def confirmation_row_stop(request, pk: int, row_id: int):
    confirmation = _confirmation(pk)
    row = get_object_or_404(selectors.confirmation_rows(confirmation, request.user), pk=row_id)
    form = RowStopForm(request.POST, prefix=f"row{row.pk}")
    if not form.is_valid():
        return detail_page(request, confirmation, status=400, forms={row.pk: form})
    try:
        services.confirmation_row_stop(
            row=row,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            action=form.cleaned_data["action"] or "",
        )
    except FundError as exc:
        return detail_page(
            request, confirmation, error=exc.message, status=exc.status, forms={row.pk: form}
        )
    messages.success(request, _("The row is stopped with your reason."))
    return redirect("payouts:confirmation", pk=confirmation.pk)


@permission_required(VIEW_CONFIRMATION)
@require_POST
def confirmation_signoff(request, pk: int):
    confirmation = _confirmation(pk)
    form = SignoffForm(request.POST)
    if not form.is_valid():
        return detail_page(request, confirmation, status=400, forms={"signoff": form})
    try:
        services.confirmation_signoff(
            confirmation=confirmation, actor=request.user, comment=form.cleaned_data["comment"]
        )
    except FundError as exc:
        return detail_page(
            request, confirmation, error=exc.message, status=exc.status, forms={"signoff": form}
        )
    messages.success(request, _("Your region's rows are signed off at this tier."))
    return redirect("payouts:confirmation", pk=confirmation.pk)


@permission_required(VIEW_CONFIRMATION, PERM_PUBLISH)
@require_POST
def confirmation_publish(request, pk: int):
    confirmation = _confirmation(pk)
    form = ConfirmationPublishForm(request.POST)
    if not form.is_valid():
        return detail_page(request, confirmation, status=400, forms={"publish": form})
    try:
        confirmation = services.confirmation_publish(
            confirmation=confirmation,
            actor=request.user,
            starts_on=form.cleaned_data.get("starts_on"),
        )
    except FundError as exc:
        return detail_page(
            request, confirmation, error=exc.message, status=exc.status, forms={"publish": form}
        )
    messages.success(
        request,
        _("The confirmation is on public notice from %(start)s to %(end)s.")
        % {
            "start": confirmation.notice_starts_on.isoformat(),
            "end": confirmation.notice_ends_on.isoformat(),
        },
    )
    return redirect("payouts:confirmation", pk=confirmation.pk)


@permission_required(VIEW_CONFIRMATION, PERM_APPROVE_CYCLE)
@require_POST
def confirmation_approve(request, pk: int):
    confirmation = _confirmation(pk)
    try:
        report = services.confirmation_approve(confirmation=confirmation, actor=request.user)
    except FundError as exc:
        return detail_page(request, confirmation, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Cycle %(code)s is approved: %(n)s entitlements booked.")
        % {"code": confirmation.cycle.code, "n": report.created},
    )
    return redirect("payouts:confirmation", pk=confirmation.pk)


__all__ = [
    "confirmation_approve",
    "confirmation_detail",
    "confirmation_list",
    "confirmation_prepare",
    "confirmation_publish",
    "confirmation_row_stop",
    "confirmation_signoff",
]
