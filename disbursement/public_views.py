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

from approvals.public_views import objection_filing

from . import selectors, services
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
    """The objection form for a row of a confirmation list on a running notice: filed and
    answered as a case objection (``approvals.public_views.objection_filing``: the form limit
    per address, the service's per-list caps per address and per contact)."""
    confirmation = get_object_or_404(selectors.public_confirmations_and_tier_noticed(), pk=pk)
    open_ids = services.rows_open_for_objection(confirmation)
    choices = [
        (r["id"], f"{r['name'] or '—'} · {r['village']} · {r['outcome']}")
        for r in selectors.public_rows(confirmation, open_ids=open_ids)
        if r["open"]
    ]
    initial = {"row": request.GET.get("row")} if request.GET.get("row") else None
    form = ConfirmationObjectionForm(request.POST or None, row_choices=choices, initial=initial)
    posted = request.POST.get("row", "") if request.method == "POST" else ""
    # a row of the list whose notice has ended: the service refuses it in its own words
    if (
        posted.isdigit()
        and int(posted) not in open_ids
        and confirmation.rows.filter(pk=int(posted)).exists()
    ):
        form.fields["row"].choices = [*form.fields["row"].choices, (int(posted), "—")]

    def file(data: dict, ip: str):
        return services.confirmation_objection_file(
            row=ConfirmationRow.objects.get(pk=data["row"], confirmation=confirmation),
            contact=data["contact"],
            name=data["name"],
            text=data["text"],
            ip=ip,
        )

    return objection_filing(request, form, file, scope="confirmation-objection")
