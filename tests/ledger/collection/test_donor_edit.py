"""Correcting a donor (issue 14), on the screen and through the API: audited before and after,
a reason for a new name or credit code, receipts already issued keep their payer, a save over
someone else's change refused, finance roles only."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from ledger.audit import AuditAction
from ledger.collection import services
from ledger.collection.models import Donor
from ledger.models import AuditEvent

from .factories import UNIT_CODE, book, donate, person, unit

OTHER_CODE = "91350211M0000XUH0F"  # another valid unified social credit code


def _as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _post(donor, **changes):
    data = {
        "seen": services.donor_fingerprint(donor),
        "name": donor.name,
        "credit_code": donor.credit_code,
        "phone": donor.phone,
        "address": donor.address,
        "reason": "",
    }
    data.update(changes)
    return data


def test_the_officer_corrects_a_unit_and_issued_receipts_keep_their_payer(client, officer, db):
    # given a unit with a donation receipt issued to its name
    book(type="donation", first=1, last=50)
    donor = unit()
    donation = donate(donor, "800.00")
    client = _as(client, officer)
    assert (
        reverse("collection:donor-edit", args=[donor.pk])
        in client.get(reverse("collection:donors")).content.decode()
    )

    # when the officer renames it without a reason: said, nothing changes
    response = client.post(
        reverse("collection:donor-edit", args=[donor.pk]), _post(donor, name="县财政局（新）")
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    assert Donor.objects.get(pk=donor.pk).name == "县财政局"

    # with a reason and a new phone
    response = client.post(
        reverse("collection:donor-edit", args=[donor.pk]),
        _post(donor, name="县财政局（新）", phone="0571-1234", reason="机构更名"),
    )

    # then the donor reads the new values, the receipt keeps the old payer, the trail has both
    assert response.status_code == 302
    donor.refresh_from_db()
    assert (donor.name, donor.phone) == ("县财政局（新）", "0571-1234")
    donation.receipt.refresh_from_db()
    assert donation.receipt.payer_name == "县财政局"
    event = AuditEvent.objects.get(action=AuditAction.DONOR_UPDATE)
    assert event.actor == officer and event.data["reason"] == "机构更名"
    assert event.data["changes"] == {
        "name": ["县财政局", "县财政局（新）"],
        "phone": ["", "0571-1234"],
    }


def test_a_wrong_credit_code_is_said_next_to_it(client, officer, db):
    donor = unit()
    client = _as(client, officer)
    response = client.post(
        reverse("collection:donor-edit", args=[donor.pk]),
        _post(donor, credit_code="123", reason="核对"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    at = html.index('id="id_credit_code_errors"')
    assert "18 characters" in html[at : at + 300] and 'value="123"' in html
    assert Donor.objects.get(pk=donor.pk).credit_code == UNIT_CODE


def test_a_save_over_someone_elses_change_is_refused(client, officer, supervisor, db):
    donor = person()
    stale = _post(donor, phone="111")
    services.donor_update(donor=donor, address="新地址", actor=supervisor)
    client = _as(client, officer)
    response = client.post(reverse("collection:donor-edit", args=[donor.pk]), stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    donor.refresh_from_db()
    assert (donor.phone, donor.address) == ("", "新地址")


@pytest.mark.parametrize("role", ["auditor", "case_worker", "reviewer", "administrator"])
def test_only_finance_corrects_donors(client, make_user, db, role):
    donor = unit()
    client = _as(client, make_user(role))
    url = reverse("collection:donor-edit", args=[donor.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _post(donor, phone="1")).status_code == 403
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(make_user(role))
    assert (
        api.patch(f"/api/collection/donors/{donor.pk}/", {"phone": "1"}, format="json").status_code
        == 403
    )
    assert Donor.objects.get(pk=donor.pk).phone == ""


def test_the_api_corrects_a_donor_with_its_seen_digest(officer, db):
    donor = unit()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(officer)
    seen = api.get(f"/api/collection/donors/{donor.pk}/").json()["seen"]

    ok = api.patch(
        f"/api/collection/donors/{donor.pk}/",
        {"credit_code": OTHER_CODE, "reason": "证照更新", "seen": seen},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["credit_code"] == OTHER_CODE

    # the same digest again: the donor changed since, refused
    stale = api.patch(
        f"/api/collection/donors/{donor.pk}/", {"phone": "1", "seen": seen}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "edit_conflict"
    # a person cannot get a credit code, a unit cannot be anonymous
    assert (
        api.patch(
            f"/api/collection/donors/{donor.pk}/", {"anonymous": True}, format="json"
        ).status_code
        == 400
    )
