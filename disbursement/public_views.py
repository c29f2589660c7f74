"""Public pages of the annual confirmation (no login), composed under /public/ by fundapp: the
confirmed lists posted on notice (running, and kept after the cycle's approval), the lists of a
region posted after an intermediate review tier, one list with masked names, the village and the
outcome — never an ID number, address, age or reason (DOMAIN.md, "What a notice shows") — and
the objection form for a row on a running notice (throttled per client address like the case
objection form; the objector follows it on the case objections' status page by its code)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from approvals.public_views import throttled
from common import throttle
from common.clientip import client_ip

from . import selectors, services
from .exceptions import DisbursementError
from .forms import ConfirmationObjectionForm
from .models import ConfirmationRow


@require_GET
def confirmations(request):
    return render(
        request,
        "disbursement/public/confirmations.html",
        {
            "confirmations": selectors.public_confirmations(),
            "tier_notices": selectors.public_tier_notices(),
            "today": timezone.localdate(),
        },
    )


@require_GET
def confirmation(request, pk: int):
    found = selectors.public_confirmations().filter(pk=pk).first()
    if found is None:
        raise Http404
    return render(
        request,
        "disbursement/public/confirmation.html",
        {
            "confirmation": found,
            "rows": selectors.public_rows(found, open_ids=services.rows_open_for_objection(found)),
            "running": found.notice_ends_on >= timezone.localdate(),
        },
    )


@require_GET
def confirmation_notice(request, pk: int):
    """A region's list posted after an intermediate tier (kept public after it ends)."""
    notice = get_object_or_404(selectors.public_tier_notices(), pk=pk)
    found = notice.confirmation
    return render(
        request,
        "disbursement/public/confirmation_notice.html",
        {
            "notice": notice,
            "confirmation": found,
            "rows": selectors.public_rows(
                found, within=notice.region, open_ids=services.rows_open_for_objection(found)
            ),
            "running": notice.starts_on <= timezone.localdate() <= notice.ends_on,
        },
    )


@require_http_methods(["GET", "POST"])
def confirmation_objection(request, pk: int):
    """The objection form for a row of a confirmation list on a running notice."""
    confirmation = get_object_or_404(selectors.public_confirmations_and_tier_noticed(), pk=pk)
    open_ids = services.rows_open_for_objection(confirmation)
    choices = [
        (r["id"], f"{r['name'] or '—'} · {r['village']} · {r['outcome']}")
        for r in selectors.public_rows(confirmation, open_ids=open_ids)
        if r["open"]
    ]
    initial = {"row": request.GET.get("row")} if request.GET.get("row") else None
    form = ConfirmationObjectionForm(request.POST or None, row_choices=choices, initial=initial)
    if request.method == "POST":
        # A form of its own: its tries do not use up the case objection form's (issue 14, 12).
        refusal = throttled(request, "confirmation-objection")
        if refusal:
            return throttle.public_refusal_response(request, refusal)
        posted = request.POST.get("row", "")
        # a row of the list whose notice has ended: the service refuses it in its own words
        if (
            posted.isdigit()
            and int(posted) not in open_ids
            and confirmation.rows.filter(pk=int(posted)).exists()
        ):
            form.fields["row"].choices = [*form.fields["row"].choices, (int(posted), "—")]
        if form.is_valid():
            row = ConfirmationRow.objects.get(
                pk=form.cleaned_data["row"], confirmation=confirmation
            )
            try:
                objection = services.confirmation_objection_file(
                    row=row,
                    contact=form.cleaned_data["contact"],
                    name=form.cleaned_data["name"],
                    text=form.cleaned_data["text"],
                    ip=client_ip(request),
                )
            except DisbursementError as exc:
                form.add_error(None, exc.message)
            else:
                return render(
                    request,
                    "approvals/public/objection_filed.html",
                    {"code": objection.tracking_code},
                    status=201,
                )
    return render(request, "approvals/public/objection_form.html", {"form": form})
