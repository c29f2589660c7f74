"""The public's front door (issue 14, point 10): /public/ leads to every public page, the login
page links to it, and `/` sends a visitor who is not signed in there — staff still reach their
home page after logging in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.ledger.collection.factories import book, donate, person

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "public:notices",
    "public:notice-archive",
    "public:confirmations",
    "public:thank-you",
    "public:objection-new",
    "public:objection-status",
    "public:case-status",
]


def _hrefs(response) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', response.content.decode()))


def test_a_visitor_at_the_root_lands_on_the_public_index(client):
    # given a visitor who is not signed in
    # when they open the site's address
    response = client.get("/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    # then they are on the public index, not on the login page
    assert response.redirect_chain == [(reverse("public:index"), 302)]
    assert response.status_code == 200
    assert "Public information of the relief fund" in response.content.decode()


def test_the_public_index_links_every_public_page_and_the_login(client):
    response = client.get(reverse("public:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    links = _hrefs(response)
    for name in PUBLIC_PAGES:
        assert reverse(name) in links, name
    assert reverse("login") in links
    # every page it links to answers a visitor
    for name in PUBLIC_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    # and in Chinese the page is translated like the rest of the site
    zh = client.get(reverse("public:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 200 and '<html lang="zh-hans">' in zh.content.decode()


def test_the_login_page_links_the_public_index(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("public:index") in _hrefs(page)


def test_staff_still_reach_their_home_after_logging_in(client, make_user):
    make_user("finance_officer", username="amy")
    response = client.post(
        reverse("login"), {"username": "amy", "password": "pw-Testing-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "home"
    # and the signed-in home is not the public index
    assert client.get("/").status_code == 200


def test_the_receipt_form_opens_the_receipts_check(client):
    # given a receipt
    book(first=1, last=9)
    receipt = donate(person("王小红"), "88.00").receipt
    # when its number and check code are typed on the index (with stray spaces, lower case)
    response = client.get(
        reverse("public:receipt-check"),
        {"code": f" {receipt.code.lower()} ", "c": receipt.check_code.lower()},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the receipt's own verification page says it is valid
    assert response.status_code == 200
    assert "Valid receipt" in response.content.decode()
    assert response.redirect_chain[0][0].startswith(
        reverse("public:receipt-verify", args=[receipt.code])
    )


def test_a_bad_receipt_number_is_refused_next_to_the_field_keeping_what_was_typed(client):
    response = client.get(
        reverse("public:receipt-check"),
        {"code": "12 34<script>", "c": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_code_errors"' in text and "Type the receipt number as printed" in text
    assert 'id="id_check_errors"' in text and "Type the check code" in text
    assert 'value="1234&lt;SCRIPT&gt;"' in text  # kept (escaped), spaces dropped
    # a POST changes nothing and is refused
    assert client.post(reverse("public:receipt-check")).status_code == 405
