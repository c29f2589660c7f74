"""Issue 13 (finding 8), the bypass: objections to annual-confirmation rows cost what case
objections cost. At most OBJECTION_CAP_PER_ADDRESS objections per client address and
OBJECTION_CAP_PER_CONTACT per contact (a phone however written) against one list, counted in
the database under the confirmation's lock — through the public form and the service (there is
no public filing API) — and the handler merges duplicates or sets spam aside (screen and API,
audited), which releases the held row so that the cycle's approval books it.

Both public objection forms file and answer through one helper
(``approvals.public_views.objection_filing``), and both services check their input and caps
with the same code (``approvals.services.objection_input``, ``objection_cap_check``)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from approvals import public_views as case_public_views
from disbursement import public_views, services
from disbursement.exceptions import InvalidInput, InvalidState, NotAllowed
from disbursement.models import ConfirmationObjection, Entitlement
from ledger.models import AuditEvent
from tests.approvals.factories import make_staff

from .test_confirmation_objections import _on_notice
from .test_confirmation_objections import year as year  # noqa: F401 (a fixture)

API = "/api/payouts/confirmation-objections"


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _post(client, confirmation, row, *, contact="13911112222", ip="10.1.1.1", text="此人已迁出"):
    return client.post(
        reverse("public:confirmation-objection", args=[confirmation.pk]),
        {"row": row.pk, "contact": contact, "name": "", "text": text},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _file(row, *, contact="13911112222", ip="10.1.1.1", text="此人已迁出"):
    return services.confirmation_objection_file(row=row, contact=contact, text=text, ip=ip)


@pytest.fixture
def posted(people, year):
    """The 2026 confirmation on its running county notice, and its four rows."""
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    rows = [confirmation.rows.get(enrolment=e) for e in enrolments]
    return confirmation, rows


# ---- one filing path ------------------------------------------------------------------------
def test_both_public_forms_file_through_the_one_helper():
    # the confirmation form has no filing or answer code of its own
    assert public_views.objection_filing is case_public_views.objection_filing
    assert not hasattr(public_views, "_too_many")


# ---- the cap, through the public form ------------------------------------------------------
def test_one_address_files_at_most_the_cap_per_list(client, posted, settings):
    settings.OBJECTION_CAP_PER_ADDRESS = 3
    confirmation, rows = posted
    # given three objections from one address, each with another phone, to three rows
    for i in range(3):
        assert _post(client, confirmation, rows[i], contact=f"1391111000{i}").status_code == 201
    # when a fourth comes from that address (yet another phone, yet another row)
    response = _post(client, confirmation, rows[3], contact="13911110009", text="又一条")
    # then it is refused next to the form, in the user's language, with what was typed kept
    assert response.status_code == 200
    page = _page(response)
    assert "already has 3 objections from your address" in page and "又一条" in page
    assert ConfirmationObjection.objects.count() == 3
    # and another address is still heard
    assert _post(client, confirmation, rows[3], ip="10.9.9.9", contact="1380").status_code == 201


def test_one_phone_files_at_most_the_cap_per_list_however_written(client, posted, settings):
    settings.OBJECTION_CAP_PER_CONTACT = 3
    confirmation, rows = posted
    # given three objections with one phone written three ways, from three addresses
    for i, phone in enumerate(["139 1111 2222", "139-1111-2222", "+86 13911112222"]):
        assert (
            _post(client, confirmation, rows[i], contact=phone, ip=f"10.2.2.{i}").status_code == 201
        )
    assert len(set(ConfirmationObjection.objects.values_list("contact_key", flat=True))) == 1
    # when the same phone comes again from a fourth address, then it is refused
    response = _post(client, confirmation, rows[3], contact="13911112222", ip="10.2.2.9")
    assert response.status_code == 200
    assert "already has 3 objections with this contact" in _page(response)
    assert ConfirmationObjection.objects.count() == 3
    # the service refuses it too (every path that files goes through it)
    with translation.override("en"), pytest.raises(InvalidInput, match="with this contact"):
        _file(rows[3], contact="0086 139 1111 2222", ip="10.3.3.3")
    # a sender without an address (the service called directly) is still capped by contact
    with translation.override("en"), pytest.raises(InvalidInput, match="with this contact"):
        _file(rows[3], contact="13911112222", ip="")
    assert ConfirmationObjection.objects.count() == 3


def test_the_cap_counts_per_list(people, reward, year, make_households, settings):
    """An objection to another cycle's list does not use this list's cap."""
    settings.OBJECTION_CAP_PER_ADDRESS = 1
    enrolments, cycle = year
    confirmation = _on_notice(cycle, people)
    row = confirmation.rows.get(enrolment=enrolments[0])
    _file(row, contact="1", ip="10.4.4.4")
    with translation.override("en"), pytest.raises(InvalidInput, match="from your address"):
        _file(confirmation.rows.get(enrolment=enrolments[1]), contact="2", ip="10.4.4.4")
    # objections to a case notice from that address and contact count on their own notice
    # (approvals' tests), and merged or spam objections still count: the cap is what one sender
    # may file, whatever became of it
    objection = ConfirmationObjection.objects.get()
    services.confirmation_objection_mark_spam(
        objections=[objection], actor=people.county_rev, reason="广告"
    )
    with translation.override("en"), pytest.raises(InvalidInput, match="from your address"):
        _file(confirmation.rows.get(enrolment=enrolments[1]), contact="3", ip="10.4.4.4")


# ---- spam and merge release the row --------------------------------------------------------
def test_spam_on_the_screen_releases_the_row_so_the_approval_books_it(client, people, posted):
    confirmation, rows = posted
    # given a flood from one sender against one row, and an honest objection to another row
    flood = [_file(rows[0], contact="13900000000", text=f"广告 {i}") for i in range(3)]
    honest = _file(rows[1], contact="13711112222", ip="10.7.7.7")
    # when the handler sets the first aside as spam on the screen, with the sender's others
    client.force_login(people.county_rev)
    url = reverse("payouts:confirmation-objection", args=[flood[0].pk])
    page = _page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert 'id="same-sender"' in page and "same address or contact: 2" in page
    # a reason is required: refused next to the field, nothing changed
    response = client.post(url, {"action": "spam", "spam-reason": " ", "spam-same_sender": "on"})
    assert response.status_code == 400
    assert ConfirmationObjection.objects.filter(status="open").count() == 4
    response = client.post(
        url, {"action": "spam", "spam-reason": "重复广告", "spam-same_sender": "on"}
    )
    assert response.status_code == 302
    # then the three are set aside, audited, and the honest one is untouched
    statuses = dict(ConfirmationObjection.objects.values_list("pk", "status"))
    assert [statuses[o.pk] for o in flood] == ["spam"] * 3 and statuses[honest.pk] == "open"
    assert AuditEvent.objects.filter(action="confirmation.objection_spam").count() == 3
    # the sender reads the reason on the public look-up
    found = client.get(
        reverse("public:objection-status"),
        {"code": flood[2].tracking_code},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "set aside as spam" in _page(found) and "重复广告" in _page(found)
    # and the cycle's approval books the released row; only the honest objection holds its own
    after = confirmation.notice_ends_on + timedelta(days=1)
    report = services.confirmation_approve(
        confirmation=confirmation, actor=people.supervisor, today=after
    )
    assert report.created == 3 and report.objection_held == 1
    booked = set(
        Entitlement.objects.filter(cycle=confirmation.cycle).values_list("enrolment_id", flat=True)
    )
    assert rows[0].enrolment_id in booked and rows[1].enrolment_id not in booked


def test_merge_on_the_screen_and_its_rules(client, people, posted):
    confirmation, rows = posted
    first = _file(rows[0], contact="13900000001", ip="10.5.5.1")
    duplicate = _file(rows[0], contact="13900000002", ip="10.5.5.2")
    other_row = _file(rows[1], contact="13900000003", ip="10.5.5.3")
    client.force_login(people.county_rev)
    url = reverse("payouts:confirmation-objection", args=[duplicate.pk])
    page = _page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    # only objections to the same row are offered
    assert 'id="merge-form"' in page and first.tracking_code in page
    assert other_row.tracking_code not in page
    # a target of another row, posted by hand: refused next to the field, nothing changed
    response = client.post(url, {"action": "merge", "merge-into": other_row.pk})
    assert response.status_code == 400
    assert ConfirmationObjection.objects.get(pk=duplicate.pk).status == "open"
    # the service refuses it in its own words too
    with translation.override("en"), pytest.raises(InvalidInput, match="same row"):
        services.confirmation_objection_merge(
            objection=duplicate, into=other_row, actor=people.county_rev
        )
    response = client.post(url, {"action": "merge", "merge-into": first.pk, "merge-comment": ""})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == "merged" and duplicate.merged_into_id == first.pk
    assert AuditEvent.objects.filter(action="confirmation.objection_merge").count() == 1
    # handled once: merging or setting it aside again is refused
    with translation.override("en"), pytest.raises(InvalidState, match="already"):
        services.confirmation_objection_mark_spam(
            objections=[duplicate], actor=people.county_rev, reason="x"
        )
    # nothing merges into a merged objection
    with translation.override("en"), pytest.raises(InvalidInput, match="itself merged"):
        services.confirmation_objection_merge(
            objection=first, into=duplicate, actor=people.county_rev
        )
    # the row is still held by the first; dismissing it releases the row for the approval
    services.confirmation_objection_dismiss(
        objection=first, actor=people.county_rev, reply="经核查不属实"
    )
    services.confirmation_objection_dismiss(
        objection=other_row, actor=people.county_rev, reply="经核查不属实"
    )
    report = services.confirmation_approve(
        confirmation=confirmation,
        actor=people.supervisor,
        today=confirmation.notice_ends_on + timedelta(days=1),
    )
    assert report.created == 4 and report.objection_held == 0


def test_merge_and_spam_through_the_api(people, posted, make_user, world):
    confirmation, rows = posted
    first = _file(rows[0], contact="13900000001", ip="10.6.6.1")
    duplicate = _file(rows[0], contact="13900000002", ip="10.6.6.2")
    flood = [_file(rows[1], contact="13600000000", ip="10.6.6.9", text=f"x{i}") for i in range(2)]
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    # someone outside the rows' region neither sees nor handles them
    api.force_login(make_staff(make_user, "reviewer", world.village_a2, "a2_rev"))
    assert api.post(f"{API}/{duplicate.pk}/merge/", {"into": first.pk}).status_code == 404
    # nor does a finance officer
    api.force_login(people.officer)
    assert api.post(f"{API}/{flood[0].pk}/spam/", {"reason": "x"}, format="json").status_code in (
        403,
        404,
    )
    api.force_login(people.county_rev)
    # merge: into must be an objection the handler sees
    assert (
        api.post(f"{API}/{duplicate.pk}/merge/", {"into": 999999}, format="json").status_code == 404
    )
    response = api.post(f"{API}/{duplicate.pk}/merge/", {"into": first.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged" and response.json()["merged_into"] == first.pk
    # spam without a reason: 400, nothing changed
    response = api.post(f"{API}/{flood[0].pk}/spam/", {"reason": ""}, format="json")
    assert response.status_code == 400
    response = api.post(
        f"{API}/{flood[0].pk}/spam/", {"reason": "灌水", "same_sender": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "spam"
    assert set(
        ConfirmationObjection.objects.filter(pk__in=[o.pk for o in flood]).values_list(
            "status", flat=True
        )
    ) == {"spam"}
    # the spam-released row is booked by the approval; the first objection still holds row 0
    report = services.confirmation_approve(
        confirmation=confirmation,
        actor=people.supervisor,
        today=confirmation.notice_ends_on + timedelta(days=1),
    )
    assert report.created == 3 and report.objection_held == 1


def test_spam_after_the_approval_applies_a_held_stop(people, reward, year):
    """A stopped row held by an objection keeps its enrolment until the objection goes; set
    aside as spam after the cycle's approval, the stop applies at once."""
    enrolments, cycle = year
    confirmation = services.confirmation_prepare(cycle=cycle, actor=people.officer)
    row = confirmation.rows.get(enrolment=enrolments[0])
    # given the village reviewer stops a row (exit) before signing off, and the list is posted
    services.confirmation_row_stop(
        row=row, actor=people.village_rev, reason="已迁出", action="exit"
    )
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        confirmation = services.confirmation_signoff(confirmation=confirmation, actor=reviewer)
    confirmation = services.confirmation_publish(confirmation=confirmation, actor=people.county_rev)
    row.refresh_from_db()
    assert row.outcome == "stopped"
    # and an objection to the stop holds the row through the cycle's approval
    objection = _file(row)
    services.confirmation_approve(
        confirmation=confirmation,
        actor=people.supervisor,
        today=confirmation.notice_ends_on + timedelta(days=1),
    )
    enrolments[0].refresh_from_db()
    assert enrolments[0].status == "active"
    # when the handler sets it aside as spam (a finance officer may not)
    with pytest.raises(NotAllowed):
        services.confirmation_objection_mark_spam(
            objections=[objection], actor=people.officer, reason="x"
        )
    services.confirmation_objection_mark_spam(
        objections=[objection], actor=people.county_rev, reason="广告"
    )
    # then the stop applies at once
    enrolments[0].refresh_from_db()
    assert enrolments[0].status == "exited"
