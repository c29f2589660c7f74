"""The pledge entry screen (issue 14): a finance officer records a pledge on a page, not only
through the API; what is wrong sits next to its field with what was typed kept, nothing is
recorded, and a double submit records one pledge.

Pages are requested in English (language cookie) so assertions read the source strings.
"""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from ledger.audit import AuditAction
from ledger.collection.models import Pledge
from ledger.models import AuditEvent, Fund

from .factories import person, unit


def _as(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _post(who, key="web:pledge-1", **changes):
    data = {
        "kind": "donation",
        "donor": str(who.pk),
        "fund": str(Fund.objects.get(code="RELIEF").pk),
        "amount": "5000.00",
        "currency": "CNY",
        "pledged_on": date.today().isoformat(),
        "due_date": (date.today() + timedelta(days=3)).isoformat(),
        "note": "三日内到账",
        "idempotency_key": key,
    }
    data.update(changes)
    return data


def test_the_officer_records_a_pledge_on_the_screen(client, officer, db):
    # given a finance officer and a unit donor
    client = _as(client, officer)
    donor = unit()

    # when the officer opens the pledges list, then the new-pledge form
    listing = client.get(reverse("collection:pledges")).content.decode()
    assert reverse("collection:pledge-new") in listing
    form = client.get(reverse("collection:pledge-new") + f"?donor={donor.pk}")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="idempotency_key"' in html and f'value="{donor.pk}" selected' in html

    # and sends it
    response = client.post(reverse("collection:pledge-new"), _post(donor))

    # then the pledge is recorded as typed, audited, nothing booked, and the list shows it
    assert response.status_code == 302 and response["Location"] == reverse("collection:pledges")
    pledge = Pledge.objects.get()
    assert pledge.donor == donor and pledge.fund.code == "RELIEF"
    assert str(pledge.amount.amount) == "5000.00" and pledge.created_by == officer
    assert pledge.due_date == date.today() + timedelta(days=3) and pledge.note == "三日内到账"
    assert AuditEvent.objects.filter(
        action=AuditAction.PLEDGE_CREATE, object_id=str(pledge.pk), actor=officer
    ).exists()
    assert donor.name in client.get(reverse("collection:pledges")).content.decode()


def test_a_double_submit_records_one_pledge(client, officer, db):
    # given the same form sent twice (a double click)
    client = _as(client, officer)
    donor = person()
    first = client.post(reverse("collection:pledge-new"), _post(donor, key="web:twice"))
    second = client.post(reverse("collection:pledge-new"), _post(donor, key="web:twice"))

    # then one pledge exists, and both answers go to the list
    assert first.status_code == second.status_code == 302
    assert Pledge.objects.count() == 1

    # and the same key with other content is refused, saying why, nothing recorded
    third = client.post(
        reverse("collection:pledge-new"), _post(donor, key="web:twice", amount="6000.00")
    )
    assert third.status_code == 400
    assert "already used to record another pledge" in third.content.decode()
    assert Pledge.objects.count() == 1


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"amount": "-5"}, "amount", "greater than or equal to 0.01"),
        ({"amount": "12.345"}, "amount", "no more than 2 decimal places"),
        (
            {"due_date": (date.today() - timedelta(days=1)).isoformat()},
            "due_date",
            "The due date cannot be before the day of the pledge.",
        ),
        ({"due_date": "not a date"}, "due_date", "Enter a valid date."),
        ({"donor": ""}, "donor", "This field is required."),
        ({"fund": ""}, "fund", "This field is required."),
    ],
)
def test_a_wrong_field_is_said_next_to_it_and_nothing_is_recorded(
    client, officer, db, changes, field, message
):
    # given a form with one wrong field
    client = _as(client, officer)
    donor = unit()

    # when it is sent
    response = client.post(reverse("collection:pledge-new"), _post(donor, **changes))

    # then the error sits next to that field, what was typed is kept, nothing is recorded
    html = response.content.decode()
    assert response.status_code == 400
    errors_at = html.index(f'id="id_{field}_errors"')
    assert message in html[errors_at : errors_at + 400]
    assert 'value="三日内到账"' in html
    assert not Pledge.objects.exists()


def test_a_refusal_of_the_service_is_shown_and_nothing_is_recorded(client, officer, db):
    # given a person donor pledging in a currency the fund does not hold
    client = _as(client, officer)
    response = client.post(reverse("collection:pledge-new"), _post(person(), currency="USD"))

    # then the page says nothing was recorded and why
    assert response.status_code == 400
    assert "Nothing was recorded." in response.content.decode()
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "case_worker", "reviewer", "administrator"])
def test_only_finance_records_pledges(client, make_user, db, role):
    client = _as(client, make_user(role))
    donor = unit()
    assert client.get(reverse("collection:pledge-new")).status_code == 403
    assert client.post(reverse("collection:pledge-new"), _post(donor)).status_code == 403
    assert not Pledge.objects.exists()
