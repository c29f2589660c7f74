"""Money paid in error coming back, and the post-payment sample check of a batch.

* the recoveries list (filter by status; Excel/CSV download), a recovery's page with its
  refunds and the actions its state and the user's rights allow (decide — never one's own —,
  book a refund, write off — never one's own), and the form that proposes a recovery for a paid
  payment (reached from the batch's page or the sample check);
* a batch's sample check: draw the sample (someone who did not build the batch), record what
  each recipient said; a "not received" line offers a recovery.

Everything is read through the user's region (``recoveries_for_user``, ``batches_for_user``):
outside it, a plain 404. A typed refusal goes back onto the page with its status, the input kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.errors import FundError
from common.exports import export_or_none, query_without
from common.filters import query_id
from common.people import person_name
from common.permissions import holds_perm, permission_required

from .. import selectors, services
from ..forms import (
    RecoveryDecisionForm,
    RecoveryFilterForm,
    RecoveryProposeForm,
    RefundForm,
    SampleRecordForm,
    WriteOffForm,
    new_key,
)
from ..models import (
    BatchStatus,
    Payment,
    PaymentStatus,
    RecoveryStatus,
    SampleCheckLine,
    SampleOutcome,
)
from .common import (
    PERM_CHECK,
    PERM_DECIDE,
    PERM_PROPOSE,
    PERM_REFUND,
    PERM_WRITE_OFF,
    VIEW_BATCH,
    VIEW_RECOVERY,
    page_of,
)


# --------------------------------------------------------------------------------------------
# list
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required(VIEW_RECOVERY)
def recovery_list(request):
    form = RecoveryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.recoveries_for_user(request.user).order_by("-id")
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    download = export_or_none(
        request,
        title=_("Recoveries"),
        headers=[
            _("Recovery"),
            _("Person"),
            _("Payment"),
            _("Batch"),
            _("Program"),
            _("Fund"),
            _("Amount"),
            _("Refunded"),
            _("Still owed"),
            _("Currency"),
            _("Status"),
            _("Reason"),
            _("What happened"),
            _("Decision"),
            _("Decision reference"),
            _("Proposed by"),
            _("Proposed at"),
            _("Decided by"),
            _("Decided at"),
            _("Written off by"),
            _("Why written off"),
        ],
        rows=lambda: (
            [
                str(r),
                r.person.name,
                r.payment.reference,
                str(r.payment.batch),
                r.program.code,
                r.fund.code,
                r.amount.amount,
                r.refunded_sum,
                r.amount.amount - r.refunded_sum if r.status == RecoveryStatus.OPEN else 0,
                str(r.amount.currency),
                r.get_status_display(),
                r.get_reason_code_display(),
                r.reason_text,
                r.decision_text,
                r.decision_reference,
                person_name(r.created_by),
                r.created_at,
                person_name(r.decided_by),
                r.decided_at,
                person_name(r.written_off_by),
                r.write_off_reason,
            ]
            for r in rows.iterator()
        ),
    )
    if download is not None:
        return download
    page = page_of(request, rows)
    for r in page.object_list:
        r.owed = r.amount.amount - r.refunded_sum if r.status == RecoveryStatus.OPEN else 0
    return render(
        request,
        "disbursement/recoveries.html",
        {
            "form": form,
            "page": page,
            "query": query_without(request, "page", "format"),
            "export_query": query_without(request, "format"),
        },
    )


# --------------------------------------------------------------------------------------------
# propose
# --------------------------------------------------------------------------------------------
def _paid_payment_or_404(user, pk) -> Payment:
    pk = query_id(pk)
    if pk is None:
        raise Http404
    return get_object_or_404(
        Payment.objects.filter(
            batch__in=selectors.batches_for_user(user), status=PaymentStatus.PAID
        ).select_related("batch__program", "payee", "household__region"),
        pk=pk,
    )


@permission_required(VIEW_RECOVERY, PERM_PROPOSE)
@require_http_methods(["GET", "POST"])
def recovery_new(request):
    payment = _paid_payment_or_404(request.user, request.GET.get("payment") or 0)
    error, status = None, 200
    if request.method == "POST":
        form = RecoveryProposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                recovery = services.recovery_propose(
                    payment=payment,
                    amount=data["amount"],
                    reason_code=data["reason_code"],
                    reason_text=data["reason_text"],
                    decision_reference=data["decision_reference"],
                    idempotency_key=data["idempotency_key"],
                    actor=request.user,
                )
            except FundError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(
                    request,
                    _("Recovery %(rc)s proposed: a second person decides it.") % {"rc": recovery},
                )
                return redirect("payouts:recovery", pk=recovery.pk)
        else:
            status = 400
    else:
        line = SampleCheckLine.objects.filter(
            payment=payment, outcome=SampleOutcome.NOT_RECEIVED
        ).first()
        form = RecoveryProposeForm(
            initial={
                "amount": payment.amount.amount,
                "idempotency_key": new_key(),
                "reason_text": line.note if line else "",
            }
        )
    return render(
        request,
        "disbursement/recovery_form.html",
        {"form": form, "payment": payment, "error": error},
        status=status,
    )


# --------------------------------------------------------------------------------------------
# a recovery's page and its actions
# --------------------------------------------------------------------------------------------
def recovery_or_404(user, pk: int):
    return get_object_or_404(selectors.recoveries_for_user(user), pk=pk)


def detail_page(request, recovery, *, status=200, error=None, **forms):
    user = request.user
    recovery = recovery_or_404(user, recovery.pk)
    is_open = recovery.status == RecoveryStatus.OPEN
    own = recovery.created_by_id == user.pk
    context = {
        "recovery": recovery,
        "refunds": recovery.refunds.select_related("recorded_by", "entry").order_by("id"),
        "owed": selectors.recovery_balance(recovery),
        "error": error,
        "own": own,
        "can_decide": holds_perm(user, PERM_DECIDE)
        and recovery.status == RecoveryStatus.PROPOSED
        and not own,
        "can_refund": holds_perm(user, PERM_REFUND) and is_open,
        "can_write_off": holds_perm(user, PERM_WRITE_OFF) and is_open and not own,
        "decision_form": forms.get("decision_form") or RecoveryDecisionForm(prefix="decide"),
        "refund_form": forms.get("refund_form")
        or RefundForm(
            prefix="refund",
            initial={
                "idempotency_key": new_key(),
                "received_on": timezone.localdate(),
                "amount": selectors.recovery_balance(recovery) or None,
            },
        ),
        "write_off_form": forms.get("write_off_form") or WriteOffForm(prefix="writeoff"),
    }
    return render(request, "disbursement/recovery_detail.html", context, status=status)


@require_safe
@permission_required(VIEW_RECOVERY)
def recovery_detail(request, pk: int):
    return detail_page(request, recovery_or_404(request.user, pk))


@permission_required(VIEW_RECOVERY, PERM_DECIDE)
@require_POST
def recovery_decide(request, pk: int, decision: str):
    if decision not in ("open", "reject"):
        raise Http404
    recovery = recovery_or_404(request.user, pk)
    form = RecoveryDecisionForm(request.POST, prefix="decide")
    if not form.is_valid():
        return detail_page(request, recovery, status=400, decision_form=form)
    data = form.cleaned_data
    try:
        if decision == "open":
            recovery = services.recovery_open(
                recovery=recovery,
                decision_text=data["decision_text"],
                decision_reference=data["decision_reference"],
                actor=request.user,
            )
            done = _("Recovery %(rc)s opened: the money is owed back and booked as receivable.")
        else:
            recovery = services.recovery_reject(
                recovery=recovery, decision_text=data["decision_text"], actor=request.user
            )
            done = _("Recovery %(rc)s rejected: nothing is claimed back.")
    except FundError as exc:
        return detail_page(
            request, recovery, status=exc.status, error=exc.message, decision_form=form
        )
    messages.success(request, done % {"rc": recovery})
    return redirect("payouts:recovery", pk=recovery.pk)


@permission_required(VIEW_RECOVERY, PERM_REFUND)
@require_POST
def recovery_refund(request, pk: int):
    recovery = recovery_or_404(request.user, pk)
    form = RefundForm(request.POST, prefix="refund")
    if not form.is_valid():
        return detail_page(request, recovery, status=400, refund_form=form)
    data = form.cleaned_data
    try:
        refund, _replayed = services.refund_record(
            recovery=recovery,
            amount=data["amount"],
            received_on=data["received_on"],
            method=data["method"],
            bank_reference=data["bank_reference"],
            note=data["note"],
            idempotency_key=data["idempotency_key"],
            actor=request.user,
        )
    except FundError as exc:
        return detail_page(
            request, recovery, status=exc.status, error=exc.message, refund_form=form
        )
    messages.success(
        request,
        _("Refund %(number)s of %(amount)s booked.")
        % {"number": refund.number, "amount": refund.amount},
    )
    return redirect("payouts:recovery", pk=recovery.pk)


@permission_required(VIEW_RECOVERY, PERM_WRITE_OFF)
@require_POST
def recovery_write_off(request, pk: int):
    recovery = recovery_or_404(request.user, pk)
    form = WriteOffForm(request.POST, prefix="writeoff")
    if not form.is_valid():
        return detail_page(request, recovery, status=400, write_off_form=form)
    try:
        recovery = services.recovery_write_off(
            recovery=recovery, reason=form.cleaned_data["reason"], actor=request.user
        )
    except FundError as exc:
        return detail_page(
            request, recovery, status=exc.status, error=exc.message, write_off_form=form
        )
    messages.success(request, _("Recovery %(rc)s written off.") % {"rc": recovery})
    return redirect("payouts:recovery", pk=recovery.pk)


# --------------------------------------------------------------------------------------------
# the sample check of a batch
# --------------------------------------------------------------------------------------------
def sample_page(request, batch, *, status=200, error=None, failed_line=None, form=None):
    user = request.user
    summary = selectors.sample_summary(batch)
    lines = list(selectors.sample_lines(summary.check)) if summary.check else []
    can_check = (
        holds_perm(user, PERM_CHECK)
        and batch.built_by_id != user.pk
        and batch.status in (BatchStatus.EXPORTED, BatchStatus.CLOSED)
    )
    for line in lines:
        line.form = form if failed_line == line.pk else SampleRecordForm(prefix=f"line{line.pk}")
        line.open = can_check and line.outcome in ("", SampleOutcome.UNREACHABLE)
    return render(
        request,
        "disbursement/sample_check.html",
        {
            "batch": batch,
            "sample": summary,
            "lines": lines,
            "error": error,
            "can_check": can_check,
            "own_batch": batch.built_by_id == user.pk,
            "can_propose": holds_perm(user, PERM_PROPOSE),
        },
        status=status,
    )


@permission_required(VIEW_BATCH)
@require_http_methods(["GET", "POST"])
def sample_check(request, pk: int):
    from .batches import batch_or_404

    batch = batch_or_404(request.user, pk)
    if request.method == "GET":
        return sample_page(request, batch)
    if not holds_perm(request.user, PERM_CHECK):
        raise PermissionDenied
    line_pk = request.POST.get("line")
    if not line_pk:
        try:
            check = services.sample_check_draw(batch=batch, actor=request.user)
        except FundError as exc:
            return sample_page(request, batch, status=exc.status, error=exc.message)
        messages.success(
            request,
            _("%(size)s recipients drawn out of %(population)s paid.")
            % {"size": check.size, "population": check.population},
        )
        return redirect("payouts:sample-check", pk=batch.pk)
    line = get_object_or_404(SampleCheckLine, pk=line_pk, sample__batch=batch)
    form = SampleRecordForm(request.POST, prefix=f"line{line.pk}")
    if not form.is_valid():
        return sample_page(request, batch, status=400, failed_line=line.pk, form=form)
    try:
        services.sample_check_record(
            line=line,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except FundError as exc:
        return sample_page(
            request, batch, status=exc.status, error=exc.message, failed_line=line.pk, form=form
        )
    messages.success(request, _("Recorded for payment %(ref)s.") % {"ref": line.payment.reference})
    return redirect("payouts:sample-check", pk=batch.pk)
