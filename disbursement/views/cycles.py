"""Cycle screens of recurring programs: the list with each cycle's entitlements, opening a
cycle, generating its entitlements (a job) and closing it. A cycle covers every village, so
only county finance staff open, generate or close one (``selectors.covers_whole_county``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.errors import FundError, status_for
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import CycleFilterForm, CycleOpenForm
from ..models import Cycle
from .common import PERM_GENERATE, VIEW_CYCLE, region_or_403
from .jobs import after_job, start_job


def require_county(user) -> None:
    """403 unless the user works at the county itself."""
    if not selectors.covers_whole_county(user):
        raise PermissionDenied(
            _("A cycle covers every village: only county finance staff open or generate it.")
        )


def cycles_url(program_id) -> str:
    """The cycles page, showing ``program_id``'s cycles when given."""
    return (
        f"{reverse('payouts:cycles')}?program={program_id}"
        if program_id
        else reverse("payouts:cycles")
    )


def cycles_page(request, *, open_form=None, error=None, status=200):
    """The cycles (of the program ``?program=`` asks for) with the form that opens one;
    ``error`` shows a refusal, ``open_form`` keeps what the user typed."""
    form = CycleFilterForm(request.GET or None)
    program = form.cleaned_data.get("program") if form.is_valid() else None
    return render(
        request,
        "disbursement/cycles.html",
        {
            "form": form,
            "cycles": selectors.cycles_with_counts(program=program),
            "open_form": open_form or CycleOpenForm(initial={"program": program}),
            "can_generate": holds_perm(request.user, PERM_GENERATE)
            and selectors.covers_whole_county(request.user),
            "error": error,
        },
        status=status,
    )


@require_safe
@permission_required(VIEW_CYCLE)
def cycle_list(request):
    region_or_403(request.user)
    return cycles_page(request)


@permission_required(VIEW_CYCLE, PERM_GENERATE)
@require_POST
def cycle_open(request):
    require_county(request.user)
    form = CycleOpenForm(request.POST)
    if not form.is_valid():
        return cycles_page(request, open_form=form, status=400)
    try:
        cycle = services.cycle_open(
            program=form.cleaned_data["program"],
            code=form.cleaned_data["code"],
            actor=request.user,
        )
    except FundError as exc:
        return cycles_page(request, open_form=form, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Cycle %(code)s of %(program)s is open: generate its entitlements next.")
        % {"code": cycle.code, "program": cycle.program.code},
    )
    return redirect(cycles_url(cycle.program_id))


@permission_required(VIEW_CYCLE, PERM_GENERATE)
@require_POST
def cycle_generate(request, pk: int):
    require_county(request.user)
    cycle = get_object_or_404(Cycle, pk=pk)
    job = start_job(request, "generate_cycle", cycle_id=cycle.pk)
    return after_job(
        request,
        job,
        lambda job: cycles_page(
            request, error=job.error, status=status_for((job.result or {}).get("code"))
        ),
    )


@permission_required(VIEW_CYCLE, PERM_GENERATE)
@require_POST
def cycle_close(request, pk: int):
    require_county(request.user)
    cycle = get_object_or_404(Cycle, pk=pk)
    try:
        cycle = services.cycle_close(cycle=cycle, actor=request.user)
    except FundError as exc:
        return cycles_page(request, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Cycle %(code)s of %(program)s is closed: no more entitlements are generated in it.")
        % {"code": cycle.code, "program": cycle.program.code},
    )
    return redirect(cycles_url(cycle.program_id))
