"""Screens of the annual confirmation (年审 / 资格确认) of a recurring program's cycle: the list
(with the form that prepares one for an open cycle), one confirmation with its rows in the
reader's region, the reasons of each stopped row, the sign-offs so far and what the reader may
do now — stop a row and sign off their region (a reviewer of the current tier), post it on the
public notice (after the last tier), approve the cycle (a second person, after the notice),
which books the entitlements. The services decide; refusals show here with nothing changed."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from approvals.forms import SpamForm
from approvals.models import PERM_OBJECTION, PERM_PUBLISH, ObjectionStatus, Region
from approvals.selectors import staff_region
from common.errors import FundError
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import (
    ConfirmationMergeForm,
    ConfirmationPrepareForm,
    ConfirmationPublishForm,
    ObjectionHandleForm,
    RowDecideForm,
    RowStopForm,
    SignoffForm,
    TierNoticeForm,
)
from ..models import Confirmation, ConfirmationObjection, ConfirmationStatus
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
    notice_tier = services.notice_tier(confirmation)
    own = staff_region(user)
    tier_notices = (
        services.notice_regions(confirmation, notice_tier) if notice_tier is not None else []
    )
    postable = [
        (r.pk, r.name)
        for r, notice in tier_notices
        if notice is None and own is not None and r.code.startswith(own.prefix)
    ]
    held = {
        o.row_id
        for o in ConfirmationObjection.objects.filter(
            confirmation=confirmation, status=ObjectionStatus.OPEN
        )
    }
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
                    "held": row.pk in held,
                    "decide": services.can_decide(row, user),
                    "decide_form": forms.get(("decide", row.pk))
                    or RowDecideForm(prefix=f"d{row.pk}"),
                }
                for row in rows
            ],
            "notice_tier": notice_tier,
            "final_notice": confirmation.status == ConfirmationStatus.REVIEWED,
            "per_region": confirmation.tier_notices.filter(final=True).exists(),
            "tier_notices": tier_notices,
            "all_tier_notices": confirmation.tier_notices.select_related("region"),
            "can_post_tier_notice": bool(postable) and holds_perm(user, PERM_PUBLISH),
            "tier_notice_form": forms.get("tier_notice") or TierNoticeForm(region_choices=postable),
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
    if report.objection_held:
        messages.warning(
            request,
            _(
                "%(n)s rows are held by objections and not booked: once resolved, generating "
                "the cycle books them."
            )
            % {"n": report.objection_held},
        )
    return redirect("payouts:confirmation", pk=confirmation.pk)


def _postable_choices(confirmation, user):
    tier = services.notice_tier(confirmation)
    own = staff_region(user)
    if tier is None or own is None:
        return []
    return [
        (r.pk, r.name)
        for r, notice in services.notice_regions(confirmation, tier)
        if notice is None and r.code.startswith(own.prefix)
    ]


@permission_required(VIEW_CONFIRMATION, PERM_PUBLISH)
@require_POST
def confirmation_tier_notice(request, pk: int):
    confirmation = _confirmation(pk)
    form = TierNoticeForm(
        request.POST, region_choices=_postable_choices(confirmation, request.user)
    )
    if not form.is_valid():
        return detail_page(request, confirmation, status=400, forms={"tier_notice": form})
    region = get_object_or_404(Region, pk=form.cleaned_data["region"])
    try:
        notice = services.confirmation_tier_notice_publish(
            confirmation=confirmation,
            region=region,
            actor=request.user,
            starts_on=form.cleaned_data.get("starts_on"),
        )
    except FundError as exc:
        form.add_error("starts_on" if "before" in exc.message else None, exc.message)
        return detail_page(request, confirmation, status=exc.status, forms={"tier_notice": form})
    messages.success(
        request,
        _("The list of %(region)s is on public notice from %(start)s to %(end)s.")
        % {
            "region": region.name,
            "start": notice.starts_on.isoformat(),
            "end": notice.ends_on.isoformat(),
        },
    )
    return redirect("payouts:confirmation", pk=confirmation.pk)


@permission_required(VIEW_CONFIRMATION)
@require_POST
def confirmation_row_decide(request, pk: int, row_id: int):
    confirmation = _confirmation(pk)
    row = get_object_or_404(selectors.confirmation_rows(confirmation, request.user), pk=row_id)
    form = RowDecideForm(request.POST, prefix=f"d{row.pk}")
    if not form.is_valid():
        return detail_page(request, confirmation, status=400, forms={("decide", row.pk): form})
    try:
        services.confirmation_row_decide(
            row=row,
            actor=request.user,
            pay=form.cleaned_data["pay"] == "pay",
            reason=form.cleaned_data["reason"],
            action=form.cleaned_data["action"] or "",
        )
    except FundError as exc:
        return detail_page(
            request,
            confirmation,
            error=exc.message,
            status=exc.status,
            forms={("decide", row.pk): form},
        )
    messages.success(request, _("The row's outcome is decided again, with your reason."))
    return redirect("payouts:confirmation", pk=confirmation.pk)


# --------------------------------------------------------------------------------------------
# objections to rows
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required(PERM_OBJECTION)
def objection_list(request):
    region_or_403(request.user)
    rows = selectors.confirmation_objections_for_user(request.user).order_by("status", "created_at")
    return render(request, "disbursement/confirmation_objections.html", {"objections": rows})


def _tier_choices(objection):
    return [
        (t.order, f"{t.order} · {t.name}")
        for t in selectors.program_review_tiers(objection.confirmation.program)
    ]


@permission_required(PERM_OBJECTION)
@require_http_methods(["GET", "POST"])
def objection_detail(request, pk: int):
    """One objection to a row, and the handler's four tools: uphold (back to a tier), dismiss
    (with a reply), merge a duplicate into another objection to the same row, set spam aside
    (with the sender's other open objections to the list, if asked). Each is one service call;
    a refusal shows on the page with nothing changed."""
    region_or_403(request.user)
    objection = get_object_or_404(selectors.confirmation_objections_for_user(request.user), pk=pk)
    action = request.POST.get("action", "handle") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    targets = selectors.confirmation_objection_merge_targets(request.user, objection)
    same_sender = selectors.confirmation_objections_same_sender(request.user, objection)
    form = ObjectionHandleForm(
        data if action == "handle" else None, tier_choices=_tier_choices(objection)
    )
    merge = ConfirmationMergeForm(
        data if action == "merge" else None, targets=targets, prefix="merge"
    )
    spam = SpamForm(data if action == "spam" else None, prefix="spam")
    chosen = {"handle": form, "merge": merge, "spam": spam}.get(action)
    status = 200
    if request.method == "POST":
        status = 400
        if chosen is not None and chosen.is_valid():
            try:
                _handle_objection(request.user, objection, action, chosen.cleaned_data, same_sender)
            except FundError as exc:
                chosen.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The objection is handled."))
                return redirect("payouts:confirmation-objections")
    return render(
        request,
        "disbursement/confirmation_objection.html",
        {
            "objection": objection,
            "form": form,
            "merge_form": merge,
            "spam_form": spam,
            "merge_targets": targets,
            "same_sender": same_sender,
            "is_open": objection.status == ObjectionStatus.OPEN,
            "reasons": services.reason_texts(objection.row),
        },
        status=status,
    )


def _handle_objection(user, objection, action: str, data: dict, same_sender) -> None:
    if action == "merge":
        into = selectors.confirmation_objections_for_user(user).filter(pk=data["into"]).first()
        if into is None:
            raise Http404
        services.confirmation_objection_merge(
            objection=objection, into=into, actor=user, comment=data["comment"]
        )
    elif action == "spam":
        chosen = [objection, *(list(same_sender) if data["same_sender"] else [])]
        services.confirmation_objection_mark_spam(
            objections=chosen, actor=user, reason=data["reason"]
        )
    elif data["decision"] == "uphold":
        services.confirmation_objection_uphold(
            objection=objection, actor=user, tier=data["tier"], comment=data["comment"]
        )
    else:
        services.confirmation_objection_dismiss(
            objection=objection, actor=user, reply=data["comment"]
        )


__all__ = [
    "confirmation_row_decide",
    "confirmation_tier_notice",
    "objection_detail",
    "objection_list",
    "confirmation_approve",
    "confirmation_detail",
    "confirmation_list",
    "confirmation_prepare",
    "confirmation_publish",
    "confirmation_row_stop",
    "confirmation_signoff",
]
