"""Staff screens of relief cases: the reviewer's queue (approve many at once), case detail
with its history, documents and decision forms, household registration and case filing with
documents, notice publishing and objection handling.

Each view checks the role permission (``common.permissions``: anonymous -> login, wrong role
-> 403) AND the region: a case, household or objection outside the user's region is looked up
in ``selectors.cases_for_user`` and the like, so it is a plain 404. Every decision is one
service call; its typed error goes back onto the form, with what the user typed kept.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from djmoney.money import Money

from common.errors import FundError
from common.exports import export_or_none, export_response, query_without, requested_format
from common.filters import query_id
from common.permissions import holds_perm, permission_required
from common.publicurl import public_url
from ledger.exceptions import AmountTooLarge

from . import hooks, selectors, services
from .filters import CaseListFilter, filled
from .forms import (
    AttachmentForm,
    CaseDecisionForm,
    CaseFileForm,
    CommentForm,
    DismissForm,
    HouseholdForm,
    MergeForm,
    NoticePublishForm,
    PersonForm,
    PersonFormSet,
    PersonStatusForm,
    ReasonForm,
    SpamForm,
    UpholdForm,
)
from .models import (
    PERM_FILE,
    PERM_OBJECTION,
    PERM_PUBLISH,
    PERM_REVIEW,
    PERM_WITHDRAW,
    REVIEW_STATES,
    Attachment,
    CaseState,
    ObjectionStatus,
)
from .services.attachments import attachment_add

VIEW_CASE = "approvals.view_case"


def _case_or_404(user, pk: int):
    return get_object_or_404(selectors.cases_for_user(user), pk=pk)


# --------------------------------------------------------------------------------------------
# the case list: every case of the user's region, filtered, newest first
# --------------------------------------------------------------------------------------------
def _days_waiting(case, now) -> int | None:
    if case.state not in REVIEW_STATES or case.tier_since is None:
        return None
    return max(0, (now - case.tier_since).days)


def _case_export_rows(cases):
    tiers = {(t.program_id, t.order): t for t in selectors.all_tiers()}
    now = timezone.now()
    for case in selectors.case_list_rows(cases).iterator(chunk_size=1000):
        head = case.household.head
        tier = tiers.get((case.program_id, case.current_tier))
        yield (
            case.number,
            case.program.name,
            case.cycle,
            case.region.name,
            head.name if head else "",
            CaseState(case.state).label,
            f"{tier.order}. {tier.name}" if tier else "",
            _days_waiting(case, now),
            case.amount.amount,
            str(case.amount.currency),
            case.created_at,
        )


@require_safe
@permission_required(VIEW_CASE)
def case_list(request):
    """Cases of the user's region and below, by status, program, region, tier, days waiting,
    number or a person's name; newest first, a page at a time (keyset: ``?after=<id>``), and
    downloadable with the same filters."""
    scoped = selectors.cases_for_user(request.user)
    filterset = CaseListFilter(filled(request.GET), queryset=scoped, user=request.user)
    cases = filterset.qs if filterset.is_valid() else scoped.none()
    download = export_or_none(
        request,
        title=_("Cases"),
        headers=[
            _("Case"),
            _("Program"),
            _("Cycle"),
            _("Village"),
            _("Head of household"),
            _("Status"),
            _("Tier"),
            _("Days waiting"),
            _("Amount"),
            _("Currency"),
            _("Filed at"),
        ],
        rows=lambda: _case_export_rows(cases),
    )
    if download is not None:
        return download
    after = query_id(request.GET.get("after"))
    page = selectors.case_page(cases, after=after)
    now = timezone.now()
    rows = [
        {
            "case": case,
            "head": case.household.head,
            "tier": page.tiers.get((case.program_id, case.current_tier)),
            "days_waiting": _days_waiting(case, now),
        }
        for case in page.rows
    ]
    return render(
        request,
        "approvals/cases.html",
        {
            "form": filterset.form,
            "rows": rows,
            "next_after": page.next_after,
            "first_page": after is not None,
            "query": query_without(request, "after", "format", "page"),
            "export_query": query_without(request, "after", "format", "page"),
        },
        status=200 if filterset.is_valid() else 400,
    )


# --------------------------------------------------------------------------------------------
# reviewer queue
# --------------------------------------------------------------------------------------------
@permission_required(PERM_REVIEW)
@require_http_methods(["GET", "POST"])
def queue(request):
    results = None
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("case") if v.isdigit()]
        cases = list(selectors.cases_with_ids(request.user, ids))
        if not cases:
            messages.error(request, _("Tick the cases to approve."))
        else:
            results = [
                {"case": case, "ok": not error, "message": error}
                for case, error in services.case_approve_many(
                    cases=cases, actor=request.user, comment=request.POST.get("comment", "")
                )
            ]
    rows = selectors.reviewer_queue(request.user)
    fmt = requested_format(request) if request.method == "GET" else None
    if fmt is not None:
        return export_response(
            fmt=fmt,
            title=_("Review queue"),
            headers=[
                _("Case"),
                _("Program"),
                _("Village"),
                _("Tier"),
                _("Amount"),
                _("Currency"),
                _("Days waiting"),
                _("Decide by"),
                _("Overdue"),
            ],
            rows=[
                (
                    r.case.number,
                    r.case.program.name,
                    r.case.region.name,
                    f"{r.tier.order}. {r.tier.name}",
                    r.case.amount.amount,
                    str(r.case.amount.currency),
                    r.days_waiting,
                    r.due_on,
                    _("yes") if r.overdue else "",
                )
                for r in rows
            ],
        )
    overdue_count = sum(1 for r in rows if r.overdue)
    return render(
        request,
        "approvals/queue.html",
        {"rows": rows, "results": results, "overdue_count": overdue_count},
    )


# --------------------------------------------------------------------------------------------
# case detail and decisions
# --------------------------------------------------------------------------------------------
def _detail(request, case, *, status=200, **forms):
    context = {
        "case": case,
        "members": list(case.members.all()),
        "history": selectors.case_history(case),
        "attachments": selectors.case_attachments(case),
        "decision_form": forms.get("decision_form") or CaseDecisionForm(prefix="decide"),
        "withdraw_form": forms.get("withdraw_form") or ReasonForm(prefix="withdraw"),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "error": forms.get("error"),
        "can_review": holds_perm(request.user, PERM_REVIEW)
        and case.state in (CaseState.IN_REVIEW, CaseState.OBJECTED),
        "can_file": holds_perm(request.user, PERM_FILE),
        "can_withdraw": holds_perm(request.user, PERM_WITHDRAW),
    }
    return render(request, "approvals/case_detail.html", context, status=status)


@require_safe
@permission_required(VIEW_CASE)
def case_detail(request, pk: int):
    return _detail(request, _case_or_404(request.user, pk))


@require_safe
@permission_required(PERM_FILE)
def case_acknowledgement(request, pk: int):
    """The acknowledgement (回执) a case worker prints and hands to the applicant: the case
    number and the look-up code that, together, open the public status page. Only for those
    who file cases, in their region; nothing personal on it but the program and the village."""
    case = _case_or_404(request.user, pk)
    if not case.lookup_code:
        # A case from before look-up codes got one from the migration; this is a safety net.
        case.lookup_code = services.case_lookup_code_issue(case=case, actor=request.user)
    code = case.lookup_code
    return render(
        request,
        "approvals/case_acknowledgement.html",
        {
            "case": case,
            "code": f"{code[:5]}-{code[5:]}",
            "status_url": public_url(reverse("public:case-status"), request),
            "organisation": settings.FUND_ORGANISATION_NAME,
        },
    )


@permission_required(PERM_FILE)
@require_POST
def case_lookup_code_reissue(request, pk: int):
    """A new look-up code for the applicant (the paper was lost, or someone else saw the code):
    the old one stops working at once (``services.case_lookup_code_issue``, audited), and the
    fresh acknowledgement opens, to print and hand over. For those who file cases, in their
    region. A second submit issues yet another code; the page always shows the current one."""
    case = _case_or_404(request.user, pk)
    try:
        services.case_lookup_code_issue(case=case, actor=request.user, reissue=True)
    except FundError as exc:
        return _detail(request, case, status=exc.status, error=exc.message)
    messages.success(
        request,
        _(
            "A new look-up code was issued; the old one no longer works. Print this "
            "acknowledgement and give it to the applicant."
        ),
    )
    return redirect("approvals:case-acknowledgement", pk=case.pk)


def _decide(case, actor, d):
    if d["decision"] == "approve":
        return services.case_approve(case=case, actor=actor, comment=d["comment"])
    if d["decision"] == "return":
        return services.case_return(
            case=case, actor=actor, missing_items=d["missing_items"], comment=d["comment"]
        )
    return services.case_reject(case=case, actor=actor, reason=d["reason"])


# The reviewer's decisions: one form with a choice (``decide``); the former addresses of each
# decision post into the same form.
DECISIONS = ("decide", "approve", "return", "reject")

# action -> (permission, form class, call(case, actor, data))
ACTIONS = {
    "decide": (PERM_REVIEW, CaseDecisionForm, _decide),
    "approve": (PERM_REVIEW, CaseDecisionForm, _decide),
    "return": (PERM_REVIEW, CaseDecisionForm, _decide),
    "reject": (PERM_REVIEW, CaseDecisionForm, _decide),
    "withdraw": (
        PERM_WITHDRAW,
        ReasonForm,
        lambda case, actor, d: services.case_withdraw(case=case, actor=actor, reason=d["reason"]),
    ),
    "submit": (
        PERM_FILE,
        CommentForm,
        lambda case, actor, d: services.case_submit(case=case, actor=actor, comment=d["comment"]),
    ),
    "resubmit": (
        PERM_FILE,
        CommentForm,
        lambda case, actor, d: services.case_resubmit(case=case, actor=actor, comment=d["comment"]),
    ),
}


@permission_required(VIEW_CASE)
@require_POST
def case_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    perm, form_class, call = ACTIONS[action]
    case = _case_or_404(request.user, pk)
    if not holds_perm(request.user, perm):
        return _detail(request, case, status=403, error=_("You may not do this."))
    if action == "decide":
        form = CaseDecisionForm(request.POST, prefix="decide")
    elif action in DECISIONS:
        form = CaseDecisionForm.from_action(action, request.POST)
    else:
        form = form_class(request.POST, prefix=action)
    key = (
        "decision_form"
        if action in DECISIONS
        else f"{action}_form"
        if action == "withdraw"
        else "x"
    )
    if not form.is_valid():
        return _detail(request, case, status=400, **{key: form})
    try:
        case = call(case, request.user, form.cleaned_data)
    except FundError as exc:
        return _detail(request, case, status=exc.status, error=exc.message, **{key: form})
    messages.success(
        request,
        _("Case %(number)s: %(state)s.")
        % {"number": case.number, "state": CaseState(case.state).label},
    )
    return redirect("approvals:case", pk=case.pk)


@permission_required(VIEW_CASE)
@require_POST
def attachment_upload(request, pk: int):
    case = _case_or_404(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, case, status=400, attachment_form=form)
    try:
        attachment_add(case=case, upload=form.cleaned_data["file"], actor=request.user)
    except FundError as exc:
        form.add_error("file", exc.message)
        return _detail(request, case, status=exc.status, attachment_form=form)
    messages.success(request, _("Document added."))
    return redirect("approvals:case", pk=case.pk)


@require_safe
@permission_required(VIEW_CASE)
def attachment_download(request, pk: int, attachment_id: int):
    case = _case_or_404(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, case=case)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------------------------
# case worker: households and filing
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required("approvals.view_household")
def households(request):
    query = (request.GET.get("q") or "").strip()[:100]
    download = export_or_none(
        request,
        title=_("Households"),
        headers=[_("Household"), _("Village"), _("Head of household"), _("People")],
        rows=lambda: (
            (
                h.pk,
                h.region.name,
                h.head.name if h.head else "",
                len(h.people.all()),
            )
            for h in selectors.household_search(request.user, query, limit=None).iterator(
                chunk_size=1000
            )
        ),
    )
    if download is not None:
        return download
    rows = selectors.household_search(request.user, query)
    return render(
        request,
        "approvals/households.html",
        {
            "households": rows,
            "q": query,
            "export_query": query_without(request, "format"),
        },
    )


@permission_required("approvals.add_household")
@require_http_methods(["GET", "POST"])
def household_new(request):
    region = selectors.staff_region(request.user)
    if region is None:
        raise Http404
    villages = selectors.villages_below(region)
    if request.method == "POST" and "add_member" in request.POST:
        # "Add a member" without JavaScript: the same form again, what was typed kept, one
        # member row more, nothing checked yet (static/js/household-form.js adds the row in
        # the page instead).
        form, people = _household_form_with_a_row_more(request.POST, villages)
        return render(
            request,
            "approvals/household_form.html",
            {"form": form, "people": people, "error": None},
        )
    form = HouseholdForm(request.POST or None, villages=villages)
    # ?members=N shows N member forms (the head first); a POST carries its own count.
    raw = request.GET.get("members", "1")
    count = min(max(int(raw), 1), 20) if raw.isascii() and raw.isdigit() else 1
    initial = [{"relation": "head"}] + [{"relation": "spouse"}] * (count - 1)
    people = PersonFormSet(request.POST or None, prefix="people", initial=initial)
    error = None
    if request.method == "POST" and form.is_valid() and people.is_valid():
        specs = [
            services.PersonSpec(name=p["name"], id_number=p["id_number"], relation=p["relation"])
            for p in people.cleaned_data
            if p
        ]
        try:
            household = services.household_register(
                region=form.cleaned_data["region"],
                address=form.cleaned_data["address"],
                phone=form.cleaned_data["phone"],
                bank_name=form.cleaned_data["bank_name"],
                bank_account=form.cleaned_data["bank_account"],
                people=specs,
                actor=request.user,
            )
        except FundError as exc:
            error = exc.message
        else:
            messages.success(request, _("Household registered."))
            return redirect("approvals:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "approvals/household_form.html",
        {"form": form, "people": people, "error": error},
        status=status,
    )


MEMBERS_MAX = 20


def _household_form_with_a_row_more(post, villages):
    """Unbound forms showing what ``post`` typed, with one member row more (no errors shown
    for fields the user has not reached yet)."""
    form = HouseholdForm(
        initial={name: post.get(name, "") for name in HouseholdForm.base_fields},
        villages=villages,
    )
    raw = post.get("people-TOTAL_FORMS", "1")
    total = min(int(raw), MEMBERS_MAX) if raw.isascii() and raw.isdigit() else 1
    rows = [
        {name: post.get(f"people-{i}-{name}", "") for name in PersonForm.base_fields}
        for i in range(total)
    ]
    if len(rows) < MEMBERS_MAX:
        rows.append({"relation": "spouse"})
    return form, PersonFormSet(prefix="people", initial=rows)


def _flag_people(people) -> bool:
    """Give each member the flags the apps above raise about them (``hooks.person_flags``:
    e.g. money paid in error still owed back); True when any member has one."""
    flags = hooks.person_flags(p.pk for p in people)
    for person in people:
        person.flags = flags.get(person.pk, [])
    return bool(flags)


@permission_required("approvals.view_household")
@require_http_methods(["GET", "POST"])
def household_detail(request, pk: int):
    household = get_object_or_404(selectors.households_for_user(request.user), pk=pk)
    people = selectors.household_members(household)
    programs = selectors.programs(active_only=True)
    form = CaseFileForm(request.POST or None, programs=programs, people=people)
    error = None
    if request.method == "POST":
        if not holds_perm(request.user, PERM_FILE):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            program = data["program"]
            # The cap's currency is the program's; the rule refuses anything above the cap.
            currency = program.cap.currency if program.cap else settings.DEFAULT_CURRENCY
            requested = (
                Money(data["requested_amount"], currency)
                if data["requested_amount"] is not None
                else None
            )
            try:
                case = services.case_file(
                    program=program,
                    household=household,
                    cycle=data["cycle"],
                    members=list(data["members"]),
                    requested_amount=requested,
                    comment=data["comment"],
                    actor=request.user,
                )
            except AmountTooLarge as exc:
                form.add_error("requested_amount", exc.message)
            except FundError as exc:
                error = exc.message
            else:
                messages.success(request, _("Case %(number)s filed.") % {"number": case.number})
                return redirect("approvals:case", pk=case.pk)
    return household_page(
        request, household, form=form, error=error, status=400 if request.method == "POST" else 200
    )


def household_page(request, household, *, form=None, error=None, status=200, status_forms=None):
    """The household with its people (each with a status form), its cases and the filing form."""
    people = selectors.household_members(household)
    members = list(people)  # the same instances for the status forms and the flags
    status_forms = status_forms or {}
    return render(
        request,
        "approvals/household_detail.html",
        {
            "household": household,
            "people": members,
            "status_forms": [
                (
                    p,
                    status_forms.get(p.pk)
                    or PersonStatusForm(
                        prefix=f"p{p.pk}", initial={"status": p.status, "on": p.status_date}
                    ),
                )
                for p in members
            ],
            "form": form
            if form is not None
            else CaseFileForm(programs=selectors.programs(active_only=True), people=people),
            "error": error,
            "cases": selectors.household_cases(household),
            "can_file": holds_perm(request.user, PERM_FILE),
            "can_change": holds_perm(request.user, "approvals.change_household"),
            "can_change_person": holds_perm(request.user, "approvals.change_person"),
            "can_add_person": holds_perm(request.user, "approvals.add_person"),
            "history": selectors.household_history(household),
            "flagged": _flag_people(members),
        },
        status=status,
    )


@permission_required("approvals.view_household", "approvals.change_household")
@require_POST
def person_status(request, pk: int, person_id: int):
    """Record that a person died or moved away (or lives here again), with the day."""
    household = get_object_or_404(selectors.households_for_user(request.user), pk=pk)
    person = get_object_or_404(household.people.all(), pk=person_id)
    form = PersonStatusForm(request.POST, prefix=f"p{person.pk}")
    if form.is_valid() and form.cleaned_data["status"] != "living" and not form.cleaned_data["on"]:
        form.add_error("on", _("Give the day from which it holds."))
    if not form.is_valid():
        return household_page(request, household, status=400, status_forms={person.pk: form})
    try:
        services.person_status_set(
            person=person,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except FundError as exc:
        return household_page(
            request,
            household,
            error=exc.message,
            status=exc.status,
            status_forms={person.pk: form},
        )
    messages.success(request, _("The status of %(name)s is recorded.") % {"name": person.name})
    return redirect("approvals:household", pk=household.pk)


# --------------------------------------------------------------------------------------------
# notices
# --------------------------------------------------------------------------------------------
@permission_required(PERM_PUBLISH)
@require_http_methods(["GET", "POST"])
def notice_publish(request):
    region = selectors.staff_region(request.user)
    if region is None:
        raise Http404
    regions = selectors.notice_regions_below(region)
    programs = selectors.programs()
    form = NoticePublishForm(
        request.POST or request.GET or None, programs=programs, regions=regions
    )
    candidates, error = [], None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        candidates = list(
            selectors.notice_candidates(
                request.user,
                program=data["program"],
                region=data["region"],
                cycle=data["cycle"].strip(),
            )
        )
        if request.method == "POST":
            ids = {int(v) for v in request.POST.getlist("case") if v.isdigit()}
            chosen = [c for c in candidates if c.pk in ids]
            try:
                notice = services.notice_publish(
                    program=data["program"],
                    region=data["region"],
                    cycle=data["cycle"].strip(),
                    cases=chosen,
                    starts_on=data["starts_on"],
                    actor=request.user,
                )
            except FundError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("Notice published: %(n)s cases, open until %(end)s.")
                    % {"n": len(chosen), "end": notice.ends_on.isoformat()},
                )
                return redirect("approvals:notice-publish")
    return render(
        request,
        "approvals/notice_publish.html",
        {"form": form, "candidates": candidates, "error": error},
        status=400 if error or (request.method == "POST" and form.errors) else 200,
    )


# --------------------------------------------------------------------------------------------
# objections
# --------------------------------------------------------------------------------------------
@require_safe
@permission_required(PERM_OBJECTION)
def objections(request):
    rows = selectors.objection_list(request.user)
    return render(request, "approvals/objections.html", {"objections": rows})


@permission_required(PERM_OBJECTION)
@require_http_methods(["GET", "POST"])
def objection_detail(request, pk: int):
    objection = get_object_or_404(selectors.objections_for_user(request.user), pk=pk)
    tiers = selectors.program_tiers(objection.case.program)
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    targets = selectors.objection_merge_targets(request.user, objection)
    same_sender = selectors.objections_same_sender(request.user, objection)
    uphold = UpholdForm(data if action == "uphold" else None, tiers=tiers, prefix="uphold")
    dismiss = DismissForm(data if action == "dismiss" else None, prefix="dismiss")
    merge = MergeForm(data if action == "merge" else None, targets=targets, prefix="merge")
    spam = SpamForm(data if action == "spam" else None, prefix="spam")
    forms_by_action = {"uphold": uphold, "dismiss": dismiss, "merge": merge, "spam": spam}
    error = None
    if action in forms_by_action:
        form = forms_by_action[action]
        if form.is_valid():
            try:
                _handle_objection(request.user, objection, action, form.cleaned_data, same_sender)
            except FundError as exc:
                error = exc.message
            else:
                messages.success(request, _("Objection handled."))
                return redirect("approvals:objections")
    return render(
        request,
        "approvals/objection_detail.html",
        {
            "objection": objection,
            "uphold_form": uphold,
            "dismiss_form": dismiss,
            "merge_form": merge,
            "spam_form": spam,
            "merge_targets": targets,
            "same_sender": same_sender,
            "error": error,
            "is_open": objection.status == ObjectionStatus.OPEN,
            "show_objector": selectors.objector_visible(request.user),
        },
        status=400 if action and request.method == "POST" else 200,
    )


def _handle_objection(user, objection, action: str, data: dict, same_sender) -> None:
    if action == "uphold":
        services.objection_uphold(
            objection=objection, actor=user, tier=data["tier"], comment=data["comment"]
        )
    elif action == "dismiss":
        services.objection_dismiss(objection=objection, actor=user, reply=data["reply"])
    elif action == "merge":
        into = selectors.objections_for_user(user).filter(pk=data["into"]).first()
        if into is None:
            raise Http404
        services.objection_merge(
            objection=objection, into=into, actor=user, comment=data["comment"]
        )
    else:
        chosen = [objection, *(list(same_sender) if data["same_sender"] else [])]
        services.objection_mark_spam(objections=chosen, actor=user, reason=data["reason"])
