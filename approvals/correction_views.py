"""Staff screens that correct the registry: a household's address, phone and village; a member's
name, relation and ID number; adding and removing a member.

Each view checks the role permission and the region (a household outside the user's region is
a 404), then calls one service (``services.corrections``). Forms carry the household's version:
a save from a copy someone else has changed meanwhile is refused (409) with what was typed kept,
never written over the other person's change. What is wrong with one field is said next to it.
A whole ID number is never written into a page: the box for a corrected number starts empty.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.errors import FundError
from common.permissions import permission_required

from . import selectors, services
from .exceptions import DuplicatePerson, InvalidIdNumber, PaymentInFlight
from .forms import HouseholdEditForm, MemberAddForm, MemberRemoveForm, PersonEditForm

VIEW = "approvals.view_household"
PERM_CHANGE_HOUSEHOLD = "approvals.change_household"
PERM_CHANGE_PERSON = "approvals.change_person"
PERM_ADD_PERSON = "approvals.add_person"
# Refusals about the ID number itself go next to its box.
_ID_ERRORS = (InvalidIdNumber, DuplicatePerson, PaymentInFlight)


def _household(request, pk: int):
    return get_object_or_404(selectors.households_for_user(request.user), pk=pk)


def _render(request, template: str, context: dict, *, error=None, status=200):
    return render(request, template, {**context, "error": error}, status=status)


@permission_required(VIEW, PERM_CHANGE_HOUSEHOLD)
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    household = _household(request, pk)
    own = selectors.staff_region(request.user)
    villages = selectors.villages_below(own)
    initial = {
        "version": household.version,
        "region": household.region_id,
        "address": household.address,
        "phone": household.phone,
    }
    form = HouseholdEditForm(request.POST or None, villages=villages, initial=initial)
    context = {"household": household, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.household_update(
                household=household,
                version=data["version"],
                address=data["address"],
                phone=data["phone"],
                region=data["region"],
                reason=data["reason"],
                actor=request.user,
            )
        except FundError as exc:
            return _render(
                request,
                "approvals/household_edit.html",
                context,
                error=exc.message,
                status=exc.status,
            )
        messages.success(request, _("Household %(id)s corrected.") % {"id": household.pk})
        return redirect("approvals:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return _render(request, "approvals/household_edit.html", context, status=status)


@permission_required(VIEW, PERM_CHANGE_PERSON)
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int, person_id: int):
    household = _household(request, pk)
    person = get_object_or_404(household.people.all(), pk=person_id)
    initial = {"version": household.version, "name": person.name, "relation": person.relation}
    form = PersonEditForm(request.POST or None, initial=initial, is_head=person.is_head)
    context = {"household": household, "person": person, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_update(
                person=person,
                version=data["version"],
                name=data["name"],
                relation=data["relation"],
                id_number=data["id_number"],
                reason=data["reason"],
                actor=request.user,
            )
        except _ID_ERRORS as exc:
            form.add_error("id_number", exc.message)
            return _render(request, "approvals/person_edit.html", context, status=exc.status)
        except FundError as exc:
            return _render(
                request, "approvals/person_edit.html", context, error=exc.message, status=exc.status
            )
        messages.success(request, _("%(name)s corrected.") % {"name": data["name"]})
        return redirect("approvals:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return _render(request, "approvals/person_edit.html", context, status=status)


@permission_required(VIEW, PERM_ADD_PERSON)
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    household = _household(request, pk)
    form = MemberAddForm(
        request.POST or None, initial={"version": household.version, "relation": "child"}
    )
    context = {"household": household, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.member_add(
                household=household,
                person=services.PersonSpec(
                    name=data["name"], id_number=data["id_number"], relation=data["relation"]
                ),
                version=data["version"],
                reason=data["reason"],
                actor=request.user,
            )
        except _ID_ERRORS as exc:
            form.add_error("id_number", exc.message)
            return _render(request, "approvals/member_add.html", context, status=exc.status)
        except FundError as exc:
            return _render(
                request, "approvals/member_add.html", context, error=exc.message, status=exc.status
            )
        messages.success(request, _("%(name)s added to the household.") % {"name": person.name})
        return redirect("approvals:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return _render(request, "approvals/member_add.html", context, status=status)


@permission_required(VIEW, PERM_CHANGE_PERSON)
@require_http_methods(["GET", "POST"])
def member_remove(request, pk: int, person_id: int):
    household = _household(request, pk)
    person = get_object_or_404(household.people.all(), pk=person_id)
    form = MemberRemoveForm(request.POST or None, initial={"version": household.version})
    context = {"household": household, "person": person, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            services.member_remove(
                person=person,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except FundError as exc:
            return _render(
                request,
                "approvals/member_remove.html",
                context,
                error=exc.message,
                status=exc.status,
            )
        messages.success(request, _("%(name)s removed from the household.") % {"name": person.name})
        return redirect("approvals:household", pk=household.pk)
    status = 400 if request.method == "POST" else 200
    return _render(request, "approvals/member_remove.html", context, status=status)
