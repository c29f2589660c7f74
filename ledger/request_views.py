"""The entry requests' screens: manual entries and reversals waiting for a second person.

* ``/ledger/requests/`` — the list: waiting for me (pending, made by someone else, for those who
  may approve), mine, all pending, all;
* ``/ledger/requests/<id>/`` — one request: its lines (or the entry it reverses), its reason and
  documents, its state; approve or reject (a second person with the right), withdraw or add
  documents (its maker, while pending);
* ``/ledger/requests/<id>/documents/<n>/`` — one document, downloaded by someone who may read
  requests.

Asking is on the manual entry form (``ledger:entry-new``) and on an entry's page (reverse).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.errors import FundError
from common.permissions import holds_perm, permission_required

from . import services
from .exceptions import InvalidInput
from .forms import AttachForm, DecisionForm, RequestFilterForm
from .models import Account, EntryRequest, EntryRequestAttachment, Fund, RequestStatus
from .services.requests import PERM_APPROVE, PERM_SUBMIT, request_totals

PERM_VIEW = "ledger.view_entryrequest"
PAGE_SIZE = 100


def _requests_for(user, show: str):
    qs = EntryRequest.objects.select_related("made_by", "decided_by", "entry", "reverses")
    if show == "waiting":
        return qs.filter(status=RequestStatus.PENDING).exclude(made_by=user)
    if show == "mine":
        return qs.filter(made_by=user)
    if show == "pending":
        return qs.filter(status=RequestStatus.PENDING)
    return qs


@require_safe
@permission_required(PERM_VIEW)
def request_list(request):
    default = "waiting" if holds_perm(request.user, PERM_APPROVE) else "mine"
    form = RequestFilterForm(request.GET or None)
    show = (form.cleaned_data.get("show") if form.is_valid() else None) or default
    rows = [
        {"request": r, "totals": request_totals(r)}
        for r in _requests_for(request.user, show)[:PAGE_SIZE]
    ]
    return render(
        request,
        "ledger/requests.html",
        {"rows": rows, "show": show, "choices": RequestFilterForm.SHOW},
    )


def _lines(entry_request: EntryRequest) -> list[dict]:
    """The asked lines with their accounts' and funds' names (codes the chart no longer knows
    stay shown as typed)."""
    rows = entry_request.lines or []
    accounts = Account.objects.in_bulk({r["account"] for r in rows}, field_name="code")
    funds = Fund.objects.in_bulk({r["fund"] for r in rows}, field_name="code")
    return [
        {**r, "account_obj": accounts.get(r["account"]), "fund_obj": funds.get(r["fund"])}
        for r in rows
    ]


def _detail(request, entry_request: EntryRequest, *, status=200, error=None, **forms):
    user = request.user
    pending = entry_request.status == RequestStatus.PENDING
    mine = entry_request.made_by_id == user.pk
    reversed_lines = (
        entry_request.reverses.lines.select_related("account", "fund").order_by("line_no")
        if entry_request.reverses_id
        else []
    )
    return render(
        request,
        "ledger/request_detail.html",
        {
            "req": entry_request,
            "lines": _lines(entry_request),
            "reversed_lines": reversed_lines,
            "totals": request_totals(entry_request),
            "attachments": entry_request.attachments.all(),
            "can_decide": pending and not mine and holds_perm(user, PERM_APPROVE),
            "own_pending": pending and mine,
            "may_approve": holds_perm(user, PERM_APPROVE),
            "decision_form": forms.get("decision_form") or DecisionForm(),
            "attach_form": forms.get("attach_form") or AttachForm(),
            "error": error,
        },
        status=status,
    )


def _request_or_404(pk: int) -> EntryRequest:
    return get_object_or_404(
        EntryRequest.objects.select_related("made_by", "decided_by", "entry", "reverses"), pk=pk
    )


@require_safe
@permission_required(PERM_VIEW)
def request_detail(request, pk: int):
    return _detail(request, _request_or_404(pk))


@require_POST
@permission_required(PERM_VIEW)
def request_decide(request, pk: int, action: str):
    """Approve (posts), reject (with a reason) or withdraw (the maker) one request."""
    entry_request = _request_or_404(pk)
    needed = {"approve": PERM_APPROVE, "reject": PERM_APPROVE, "withdraw": PERM_SUBMIT}
    if action not in needed:
        raise Http404
    if not holds_perm(request.user, needed[action]):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, entry_request, status=400, decision_form=form)
    note = form.cleaned_data["note"]
    try:
        if action == "approve":
            done = services.entry_request_approve(
                request=entry_request, note=note, actor=request.user
            )
            text = _("Request no. %(id)s is approved: entry no. %(seq)s is posted.") % {
                "id": done.pk,
                "seq": done.entry.seq,
            }
        elif action == "reject":
            done = services.entry_request_reject(
                request=entry_request, reason=note, actor=request.user
            )
            text = _("Request no. %(id)s is rejected; nothing was posted.") % {"id": done.pk}
        else:
            done = services.entry_request_withdraw(request=entry_request, actor=request.user)
            text = _("Request no. %(id)s is withdrawn; nothing was posted.") % {"id": done.pk}
    except InvalidInput as exc:
        form.add_error("note", str(exc))
        return _detail(request, entry_request, status=exc.status, decision_form=form)
    except FundError as exc:
        return _detail(
            request, _request_or_404(pk), status=exc.status, error=exc, decision_form=form
        )
    messages.success(request, text)
    return redirect("ledger:request", pk=entry_request.pk)


@require_POST
@permission_required(PERM_SUBMIT)
def request_attach(request, pk: int):
    entry_request = _request_or_404(pk)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, entry_request, status=400, attach_form=form)
    try:
        services.entry_request_attach(
            request=entry_request, uploads=form.cleaned_data["attachments"], actor=request.user
        )
    except FundError as exc:
        form.add_error("attachments", str(exc))
        return _detail(request, entry_request, status=exc.status, attach_form=form)
    messages.success(request, _("Documents added."))
    return redirect("ledger:request", pk=entry_request.pk)


@require_safe
@permission_required(PERM_VIEW)
def attachment_download(request, pk: int, attachment_id: int):
    attachment = get_object_or_404(EntryRequestAttachment, pk=attachment_id, request_id=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
