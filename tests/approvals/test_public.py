"""Public relief-case pages: notices show only the allowed fields, objections return a
tracking code that the status page finds, the self-service status page answers with status and
next step only, and both are throttled per client address."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from approvals.models import CaseState, Objection, ObjectionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def on_notice(new_case, drive):
    return drive(new_case(), "on_notice")


def test_notice_page_shows_only_allowed_fields(client, on_notice):
    # given a case on notice, whose household has ID numbers, a bank account, phone, address
    household = on_notice.household
    id_numbers = [p.id_number_plain() for p in household.people.all()]
    # when the public opens the notices page
    response = client.get(reverse("public:notices"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    # then the line is there: masked name, people, amount, village, authority, dates, how to object
    assert response.status_code == 200
    assert "张*明" in html and "张小明" not in html
    assert "1,000.00" in html or "1000.00" in html
    assert "梅园一村" in html and "玄武区民政局" in html and "025-12345678" in html
    # and nothing the domain forbids
    for number in id_numbers:
        assert number not in html and number[-6:] not in html
    assert household.bank_account_plain() not in html
    assert household.bank_account_plain()[-4:] not in html
    assert household.phone not in html
    assert household.address not in html
    assert "成员1" not in html  # a minor's name


def test_notice_pdf_is_a_pdf(client, on_notice):
    # given a published notice
    notice = on_notice.notice_items.get().notice
    # when its printable version is asked for
    response = client.get(reverse("public:notice-pdf", args=[notice.pk]))
    # then a PDF comes back; a closed or unknown notice is 404
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("public:notice-pdf", args=[notice.pk + 999])).status_code == 404


def test_objection_filing_returns_tracking_code_and_status_works(client, on_notice):
    # given a line on an open notice
    item = on_notice.notice_items.get()
    # when someone objects with a contact but no name
    response = client.post(
        reverse("public:objection-new"),
        {"item": item.pk, "contact": "13911112222", "name": "", "text": "收入不实"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the objection exists, open, and its code is on the page
    assert response.status_code == 201
    objection = Objection.objects.get()
    assert objection.status == ObjectionStatus.OPEN and objection.ip_hash
    assert objection.tracking_code in response.content.decode()
    # and the status page finds it by that code, an unknown code does not
    found = client.get(
        reverse("public:objection-status"),
        {"code": objection.tracking_code},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert found.status_code == 200 and "open" in found.content.decode()
    missing = client.get(reverse("public:objection-status"), {"code": "NOPE"})
    assert missing.status_code == 404


def test_objection_needs_contact(client, on_notice):
    # given a line on an open notice
    item = on_notice.notice_items.get()
    # when the contact is left empty
    response = client.post(
        reverse("public:objection-new"),
        {"item": item.pk, "contact": "", "text": "收入不实"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the form comes back with the typed text and nothing is filed
    assert response.status_code == 200
    assert "收入不实" in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert not Objection.objects.exists()


def test_status_page_answers_status_and_next_step_only(client, new_case, drive):
    # given a case in review
    case = drive(new_case(), "in_review")
    head = case.household.head
    # when its number and its look-up code (from the applicant's acknowledgement) are given
    response = client.post(
        reverse("public:case-status"),
        {"number": case.number, "code": case.lookup_code},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    # then the status and next step show, and nothing personal
    assert response.status_code == 200
    assert case.state == CaseState.IN_REVIEW
    assert "The application is being reviewed." in html
    assert head.name not in html and "1,000" not in html and "梅园" not in html
    # and a wrong code gives the same answer as an unknown number
    wrong = client.post(
        reverse("public:case-status"), {"number": case.number, "code": "0000000000"}
    )
    unknown = client.post(
        reverse("public:case-status"), {"number": "RC000000-000000", "code": "0000000000"}
    )
    assert wrong.status_code == unknown.status_code == 404


def test_status_page_is_throttled_per_address(client, new_case, drive, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 10
    # given ten failed guesses from one address, each at another case number
    url = reverse("public:case-status")
    for i in range(10):
        response = client.post(url, {"number": f"RC{i}", "code": f"{i:010d}"})
        assert response.status_code == 404
    # when the eleventh comes
    response = client.post(url, {"number": "RC99", "code": "9" * 10}, HTTP_ACCEPT_LANGUAGE="en")
    # then it is refused with 429 and a clear message
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # and another address is still served
    other = client.post(url, {"number": "RC99", "code": "9" * 10}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404


def test_objection_form_is_throttled(client, on_notice, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 10
    # given ten objections posted from one address (empty, so refused by the form)
    url = reverse("public:objection-new")
    for _i in range(10):
        assert client.post(url, {}).status_code == 200
    # when the eleventh comes, then it is refused with 429
    response = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert not Objection.objects.exists()
