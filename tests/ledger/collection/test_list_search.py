"""Search boxes on the money-in lists (issue 14, point 2): receipts by number (whole or serial),
payer (any part of a Chinese name), date and amount; donations and pledges by donor. The
download carries the same filters; a bad filter is an error next to its field, with what was
typed kept."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from djmoney.money import Money

from ledger.collection import services

from .factories import book, donate, english, key, person, unit  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def given(officer):
    """Three donations: 张小明 (CNY 100, 5 days ago), 李红梅 (CNY 250, today), 县财政局 (a unit,
    CNY 1,000, today); and two pledges, by 张小明 and by 县财政局."""
    book(type="donation", series="ZJ2026", first=1, last=500)
    zhang, li, county = person("张小明"), person("李红梅"), unit("县财政局")
    rows = {
        "zhang": donate(zhang, "100.00", day=TODAY - timedelta(days=5)),
        "li": donate(li, "250.00"),
        "county": donate(county, "1000.00"),
    }
    for donor in (zhang, county):
        services.pledge_create(
            donor=donor,
            fund="RELIEF",
            amount=Money("500.00", "CNY"),
            pledged_on=TODAY,
            due_date=TODAY + timedelta(days=30),
            actor=officer,
        )
    return rows


def _get(client, user, name, query):
    client.force_login(user)
    return client.get(reverse(name), query, HTTP_ACCEPT_LANGUAGE="en")


def _codes(response) -> list[str]:
    return [r.code for r in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "小明"}, ["zhang"]),  # any part of a Chinese name
        ({"q": "财政"}, ["county"]),
        ({"q": "1"}, ["zhang"]),  # the serial alone
        ({"q": "00000002"}, ["li"]),
        ({"q": "zj2026-00000003"}, ["county"]),  # the whole printed number, any letter case
        ({"date_from": (TODAY - timedelta(days=1)).isoformat()}, ["county", "li"]),
        ({"date_to": (TODAY - timedelta(days=1)).isoformat()}, ["zhang"]),
        ({"amount": "250"}, ["li"]),
        ({"q": "", "status": "", "amount": ""}, ["county", "li", "zhang"]),  # a blank form
    ],
)
def test_receipts_are_found_by_number_payer_date_and_amount(
    client, officer, given, query, expected
):
    response = _get(client, officer, "collection:receipts", query)
    assert response.status_code == 200
    assert _codes(response) == [given[k].receipt.code for k in expected]


def test_a_reversed_date_range_is_an_error_next_to_the_field(client, officer, given):
    query = {"q": "小明", "date_from": TODAY.isoformat(), "date_to": "2000-01-01"}
    response = _get(client, officer, "collection:receipts", query)
    body = response.content.decode()
    assert _codes(response) == []
    assert "The end date is before the start date." in body
    assert 'value="小明"' in body  # what was typed is kept


def test_the_receipt_download_has_the_same_filters(client, officer, given):
    response = _get(client, officer, "collection:receipts", {"q": "红梅", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [given["li"].receipt.code]


def test_donations_and_pledges_are_found_by_donor(client, officer, given):
    donations = _get(client, officer, "collection:donations", {"donor": "小明"})
    assert [d.pk for d in donations.context["page"].object_list] == [given["zhang"].pk]
    by_code = _get(
        client, officer, "collection:donations", {"donor": given["county"].donor.credit_code[:6]}
    )
    assert [d.pk for d in by_code.context["page"].object_list] == [given["county"].pk]
    download = _get(client, officer, "collection:donations", {"donor": "红梅", "format": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["李红梅"]
    pledges = _get(client, officer, "collection:pledges", {"donor": "财政"})
    assert [r.pledge.donor.name for r in pledges.context["page"].object_list] == ["县财政局"]
    assert (
        _get(client, officer, "collection:pledges", {"donor": "李"}).context["page"].object_list
        == []
    )
