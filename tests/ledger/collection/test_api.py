"""The money-in JSON API (/api/collection/): each endpoint with the right role, the wrong roles and
anonymous callers; idempotent recording; every kind of bad input refused with a code and nothing
changed; the PDFs read back as text; and a schemathesis pass over the read endpoints."""

import subprocess
import threading
from collections import defaultdict
from datetime import date, timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from djmoney.money import Money
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ledger import chart
from ledger.collection import services
from ledger.collection.models import (
    Allocation,
    CashDeposit,
    Donation,
    Donor,
    Pledge,
    Receipt,
    ReceiptStatus,
    ReceiptVoidRequest,
)
from ledger.models import Account, Balance, Fund, JournalEntry, JournalLine
from ledger.selectors import account_balance
from ledger.services import period_close, period_open

from .factories import (  # noqa: F401 (english: autouse fixture)
    UNIT_CODE,
    book,
    donate,
    english,
    key,
    person,
    unit,
)

pytestmark = pytest.mark.django_db

API = "/api/collection"
TODAY = date.today()


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
@pytest.fixture
def client():
    # Messages are asserted in English; the site's default language is Chinese.
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def books():
    """A donation receipt book and a settlement receipt book."""
    return book(first=1, last=1000), book(type="settlement", first=1, last=1000)


def snapshot():
    """Everything recording money could touch."""
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        Receipt.objects.count(),
        Donation.objects.count(),
        Allocation.objects.count(),
        CashDeposit.objects.count(),
        Donor.objects.count(),
        Pledge.objects.count(),
        ReceiptVoidRequest.objects.count(),
        list(Balance.objects.order_by("pk").values_list("balance", flat=True)),
    )


def donation_body(donor, /, *, amount="300.00", **change):
    body = {
        "donor": donor.pk,
        "fund": "RELIEF",
        "amount": amount,
        "currency": "CNY",
        "method": "bank",
        "received_on": TODAY.isoformat(),
    }
    body.update(change)
    return body


def allocation_body(**change):
    body = {
        "kind": "fiscal",
        "source_name": "县财政局",
        "fund": "RELIEF",
        "amount": "5000.00",
        "method": "bank",
        "received_on": TODAY.isoformat(),
    }
    body.update(change)
    return body


def post(client, url, body, idem=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": idem} if idem else {}
    return client.post(f"{API}/{url}", body, format="json", **headers)


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def balance(code, fund="RELIEF"):
    return account_balance(
        account=Account.objects.get(code=code), fund=Fund.objects.get(code=fund)
    ).get("CNY", Money(0, "CNY"))


# --------------------------------------------------------------------------------------------
# donors
# --------------------------------------------------------------------------------------------
def test_donors_are_created_searched_and_read(as_officer):
    # when a unit and an anonymous person are added
    created = post(
        as_officer,
        "donors/",
        {"kind": "unit", "name": "县财政局", "credit_code": UNIT_CODE},
    )
    post(as_officer, "donors/", {"kind": "person", "name": "张小明", "anonymous": True})

    # then the unit is there with its code, and search finds donors by name or by code
    assert created.status_code == 201, created.json()
    donor = created.json()
    assert donor["credit_code"] == UNIT_CODE and donor["public_name"] == "县财政局"
    assert created["Location"] == f"{API}/donors/{donor['id']}/"
    by_name = as_officer.get(f"{API}/donors/", {"search": "小明"}).json()["results"]
    by_code = as_officer.get(f"{API}/donors/", {"search": UNIT_CODE[:8]}).json()["results"]
    units = as_officer.get(f"{API}/donors/", {"kind": "unit"}).json()["results"]
    assert [d["name"] for d in by_name] == ["张小明"]
    assert by_name[0]["public_name"] == "Anonymous"
    assert [d["name"] for d in by_code] == ["县财政局"]
    assert [d["kind"] for d in units] == ["unit"]
    detail = as_officer.get(f"{API}/donors/{donor['id']}/")
    assert detail.status_code == 200 and detail.json()["name"] == "县财政局"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"kind": "unit", "name": "某公司", "credit_code": "1234"}, "invalid_credit_code", "18"),
        (
            {"kind": "unit", "name": "某公司", "credit_code": UNIT_CODE[:-1] + "M"},
            "invalid_credit_code",
            "check character",
        ),
        ({"kind": "unit", "name": "某公司", "anonymous": True}, "invalid_credit_code", "18"),
        ({"kind": "person", "name": "张三", "credit_code": UNIT_CODE}, "invalid_donor", "person"),
        ({"kind": "robot", "name": "R2"}, "invalid", ""),
        ({"kind": "person", "name": ""}, "invalid", ""),
    ],
)
def test_bad_donors_are_refused_and_change_nothing(as_officer, body, code, message):
    before = snapshot()

    response = post(as_officer, "donors/", body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert message in response.json()["message"]
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# donations
# --------------------------------------------------------------------------------------------
def test_a_donation_is_recorded_with_its_receipt(as_officer, officer, books):
    # given a unit donor
    donor = unit()

    # when an officer records 300.00 by bank with a fresh key
    response = post(as_officer, "donations/", donation_body(donor), idem="web-1")

    # then it is booked, its receipt is issued, and the answer says where it lives
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Idempotent-Replayed"] == "false"
    assert response["Location"] == f"{API}/donations/{body['id']}/"
    assert body["amount"] == "300.00" and body["currency"] == "CNY"
    assert body["donor_name"] == "县财政局" and body["fund"] == "RELIEF"
    assert body["recorded_by"] == "officer" and body["receipt_void"] is False
    donation = Donation.objects.get()
    assert body["receipt"] == donation.receipt.code == f"{books[0].series}-00000001"
    assert body["entry"] == donation.entry.seq
    # the API's key is stored under its own prefix, apart from the screens' keys
    assert donation.idempotency_key == "api:web-1"
    assert balance(chart.BANK) == Money("300.00", "CNY")
    detail = as_officer.get(f"{API}/donations/{body['id']}/")
    assert detail.status_code == 200 and detail.json() == body


def test_the_same_key_twice_records_one_donation_and_one_receipt(as_officer, books):
    donor = unit()
    first = post(as_officer, "donations/", donation_body(donor), idem="retry-1")

    # when the same request is sent again (a browser retry)
    again = post(as_officer, "donations/", donation_body(donor), idem="retry-1")

    # then the first donation comes back, marked as a replay, and nothing new is booked
    assert first.status_code == 201
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Donation.objects.count() == 1 and Receipt.objects.count() == 1
    assert balance(chart.BANK) == Money("300.00", "CNY")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_the_same_key_sent_at_the_same_moment_records_once_and_replays_the_rest(round_, officer):
    # given eight retries of one request racing each other, each on its own connection
    book(first=1, last=100)
    body = donation_body(unit())
    answers, errors, barrier = [], [], threading.Barrier(8)

    def work():
        try:
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(officer)
            barrier.wait()
            answers.append(post(client, "donations/", body, idem=f"race-{round_}"))
        except Exception as exc:  # noqa: BLE001 - any escape is a failure reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"

    # then one donation and one receipt exist; exactly one answer says created (201), every
    # other one is a replay (200, Idempotent-Replayed: true) with the very same body
    assert errors == []
    assert len(answers) == 8
    donation = Donation.objects.get()
    assert Receipt.objects.count() == 1
    created = [a for a in answers if a.status_code == 201]
    replays = [a for a in answers if a.status_code == 200]
    assert len(created) == 1 and len(replays) == 7, [a.status_code for a in answers]
    assert created[0]["Idempotent-Replayed"] == "false"
    assert {a["Idempotent-Replayed"] for a in replays} == {"true"}
    assert all(a.json() == created[0].json() for a in replays)
    assert created[0].json()["id"] == donation.pk


def test_the_same_key_with_other_content_is_a_conflict(as_officer, books):
    donor = unit()
    post(as_officer, "donations/", donation_body(donor), idem="k-9")
    before = snapshot()

    response = post(as_officer, "donations/", donation_body(donor, amount="301.00"), idem="k-9")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert "amount" in response.json()["message"]
    assert snapshot() == before


@pytest.mark.parametrize("idem", [None, "has space", "x" * 151, "é"])
def test_recording_needs_a_usable_idempotency_key(as_officer, books, idem):
    donor = unit()
    before = snapshot()

    response = post(as_officer, "donations/", donation_body(donor), idem=idem)

    assert response.status_code == 400
    expected = "idempotency_key_required" if idem is None else "idempotency_key_invalid"
    assert response.json()["code"] == expected
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"amount": "0.00"}, "invalid_amount", "more than zero"),
        ({"amount": "-5.00"}, "invalid_amount", "more than zero"),
        ({"amount": "1.005"}, "invalid", "not valid"),  # three decimals: the field says so
        ({"amount": 12.5}, "invalid", "not valid"),  # a JSON number, not a string
        ({"fund": "NOPE"}, "unknown_fund", "no such fund"),
        ({"currency": "USD"}, "currency_not_held", "does not hold USD"),
        ({"currency": "EUR"}, "invalid", "not valid"),
        ({"method": "gold"}, "invalid", "not valid"),
        ({"donor": 999999}, "invalid", "not valid"),
        ({"received_on": (TODAY + timedelta(days=1)).isoformat()}, "collection_error", "future"),
    ],
)
def test_bad_donations_are_refused_and_change_nothing(as_officer, books, change, code, message):
    donor = unit()
    before = snapshot()

    response = post(as_officer, "donations/", donation_body(donor, **change), idem=key())

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert message in response.json()["message"]
    assert snapshot() == before


def test_malformed_fields_are_named_in_detail(as_officer, books):
    response = post(
        as_officer, "donations/", donation_body(unit(), amount="1.005", method="gold"), idem="m"
    )

    detail = response.json()["detail"]
    assert "2 decimal places" in detail["amount"][0]
    assert "method" in detail


def test_a_closed_fund_takes_no_money(as_officer, books):
    donor = unit()
    Fund.objects.filter(code="REWARD").update(is_active=False)
    before = snapshot()

    response = post(as_officer, "donations/", donation_body(donor, fund="REWARD"), idem=key())

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_fund"
    assert "closed" in response.json()["message"]
    assert snapshot() == before


def test_a_donation_dated_in_a_closed_period_is_a_conflict(as_officer, books):
    # given last month's books are closed
    donor = unit()
    last_month_end = TODAY.replace(day=1) - timedelta(days=1)
    period = period_open(
        code="last", start=last_month_end.replace(day=1), end=last_month_end, actor=None
    )
    period_close(period=period, actor=None, confirm=True)
    before = snapshot()

    # when a donation is dated in it
    body = donation_body(donor, received_on=last_month_end.isoformat())
    response = post(as_officer, "donations/", body, idem=key())

    # then it is refused as a conflict with the state of the books
    assert response.status_code == 409
    assert response.json()["code"] == "period_closed"
    assert snapshot() == before


def test_an_exhausted_receipt_book_is_a_conflict(as_officer):
    # given a donation book with one number, already used
    book(first=1, last=1)
    donor = unit()
    assert post(as_officer, "donations/", donation_body(donor), idem=key()).status_code == 201
    before = snapshot()

    # when another donation is recorded
    response = post(as_officer, "donations/", donation_body(donor), idem=key())

    # then the whole recording is refused, the entry included
    assert response.status_code == 409
    assert response.json()["code"] == "receipt_book_exhausted"
    assert "add a new receipt book" in response.json()["message"]
    assert snapshot() == before


def test_donation_list_filters(as_officer, books, supervisor, officer):
    # given donations by two donors, two methods, two funds, over two days; one of them void
    a, b = unit(), person()
    yesterday = TODAY - timedelta(days=1)
    d1 = donate(a, "100", day=yesterday, actor=officer)
    d2 = donate(b, "200", method="cash", actor=officer)
    d3 = donate(a, "300", fund="GENERAL", actor=officer)
    request = services.receipt_void_request(receipt=d3.receipt, reason="重复", actor=officer)
    services.receipt_void_approve(request=request, actor=supervisor)

    def ids(**query):
        response = as_officer.get(f"{API}/donations/", query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    # then each filter narrows the list, newest first
    assert ids() == [d3.pk, d2.pk, d1.pk]
    assert ids(date_from=TODAY.isoformat()) == [d3.pk, d2.pk]
    assert ids(date_to=yesterday.isoformat()) == [d1.pk]
    assert ids(fund="GENERAL") == [d3.pk]
    assert ids(donor=b.pk) == [d2.pk]
    assert ids(method="cash") == [d2.pk]
    assert ids(receipt_status="void") == [d3.pk]
    assert ids(receipt_status="valid", donor=a.pk) == [d1.pk]
    # and an unknown fund in the query is a 400 naming it
    bad = as_officer.get(f"{API}/donations/", {"fund": "NOPE"})
    assert bad.status_code == 400 and "fund" in bad.json()["detail"]


def test_a_payment_against_a_pledge(as_officer, books):
    # given a pledge of 900
    donor = unit()
    pledge = services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("900", "CNY"),
        pledged_on=TODAY,
        due_date=TODAY + timedelta(days=30),
        actor=None,
    )

    # when 400 of it arrives
    body = donation_body(donor, amount="400.00", pledge=pledge.pk)
    response = post(as_officer, "donations/", body, idem=key())

    # then the pledge is partly paid
    assert response.status_code == 201 and response.json()["pledge"] == pledge.pk
    row = as_officer.get(f"{API}/pledges/{pledge.pk}/").json()
    assert (row["status"], row["paid"], row["outstanding"]) == ("partly_paid", "400.00", "500.00")


# --------------------------------------------------------------------------------------------
# allocations
# --------------------------------------------------------------------------------------------
def test_an_allocation_gets_a_settlement_receipt(as_officer, books):
    response = post(as_officer, "allocations/", allocation_body(), idem="alloc-1")
    again = post(as_officer, "allocations/", allocation_body(), idem="alloc-1")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["receipt_type"] == "settlement"
    assert body["receipt"].startswith(books[1].series)
    assert body["amount"] == "5000.00" and body["kind"] == "fiscal"
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert Allocation.objects.count() == 1
    assert balance(chart.ALLOCATION_INCOME) == Money("-5000.00", "CNY")
    listing = as_officer.get(f"{API}/allocations/", {"kind": "fiscal"}).json()["results"]
    assert [row["id"] for row in listing] == [body["id"]]
    assert as_officer.get(f"{API}/allocations/{body['id']}/").json() == body


def test_an_allocation_never_gets_a_donation_receipt(as_officer, books):
    before = snapshot()

    response = post(
        as_officer, "allocations/", allocation_body(receipt_type="donation"), idem=key()
    )

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_receipt_type"
    assert "budget money, not donations" in response.json()["message"]
    assert "never a donation receipt" in response.json()["message"]
    assert snapshot() == before


def test_an_allocation_with_a_malformed_credit_code_is_refused(as_officer, books):
    before = snapshot()

    response = post(
        as_officer, "allocations/", allocation_body(source_credit_code="12345"), idem=key()
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credit_code"
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# receipts and voiding
# --------------------------------------------------------------------------------------------
def test_receipts_are_listed_filtered_and_read_by_code(as_officer, books, officer):
    donation = donate(unit(), "10010.50", actor=officer)
    post(as_officer, "allocations/", allocation_body(), idem=key())
    code = donation.receipt.code

    listing = as_officer.get(f"{API}/receipts/").json()["results"]
    donations_only = as_officer.get(f"{API}/receipts/", {"receipt_type": "donation"}).json()
    void_only = as_officer.get(f"{API}/receipts/", {"status": "void"}).json()
    detail = as_officer.get(f"{API}/receipts/{code}/")

    assert len(listing) == 2
    assert [r["code"] for r in donations_only["results"]] == [code]
    assert void_only["results"] == []
    assert detail.status_code == 200
    receipt = detail.json()
    assert receipt["amount"] == "10010.50" and receipt["currency"] == "CNY"
    assert receipt["amount_in_words"] == "壹万零壹拾元伍角"
    assert receipt["payer_credit_code"] == UNIT_CODE and receipt["status"] == "valid"
    assert receipt["issued_by"] == "officer"


@pytest.mark.parametrize("code", ["NOPE-00000001", "no-number", "ZJ-1x", "ZJ-9999999999"])
def test_unknown_receipt_codes_are_404_json(as_officer, books, code):
    donate(unit(), "10")
    for url in [f"{API}/receipts/{code}/", f"{API}/receipts/{code}/pdf/"]:
        response = as_officer.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"


def test_receipt_pdf_carries_the_number_and_the_amount_in_capitals(as_officer, books):
    donation = donate(unit(), "10010.50")
    receipt = donation.receipt

    response = as_officer.get(f"{API}/receipts/{receipt.code}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"{receipt.number:08d}" in text and receipt.book.series in text
    assert "壹万零壹拾元伍角" in text and "10,010.50" in text
    # a client that asks for PDF only still gets its errors as JSON
    missing = as_officer.get(f"{API}/receipts/NOPE-1/pdf/", HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_void_is_asked_by_one_and_approved_by_another(client, make_user, books):
    # given an officer's donation and two supervisors
    officer = make_user("finance_officer", username="amy")
    boss = make_user("finance_supervisor", username="boss")
    donation = donate(unit(), "800", actor=officer)
    code = donation.receipt.code
    client.force_login(officer)

    # when the officer asks for the void (twice: a double click)
    asked = client.post(
        f"{API}/receipts/{code}/void-request/", {"reason": "金额错误"}, format="json"
    )
    twice = client.post(
        f"{API}/receipts/{code}/void-request/", {"reason": "金额错误"}, format="json"
    )

    # then one request waits
    assert asked.status_code == 201, asked.json()
    assert twice.status_code == 200 and twice.json()["id"] == asked.json()["id"]
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "pending" and asked.json()["requested_by"] == "amy"
    waiting = client.get(f"{API}/void-requests/", {"status": "pending"}).json()["results"]
    assert [r["id"] for r in waiting] == [request_id]

    # and the officer may not approve it
    by_officer = client.post(f"{API}/void-requests/{request_id}/approve/", {}, format="json")
    assert by_officer.status_code == 403

    # when a supervisor approves it
    client.force_login(boss)
    approved = client.post(
        f"{API}/void-requests/{request_id}/approve/", {"note": "ok"}, format="json"
    )

    # then the receipt is void everywhere, number kept, and its entry is reversed
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved" and approved.json()["receipt_void"] is True
    assert approved.json()["decided_by"] == "boss"
    receipt = client.get(f"{API}/receipts/{code}/").json()
    assert receipt["status"] == "void" and receipt["void_reason"] == "金额错误"
    assert client.get(f"{API}/donations/{donation.pk}/").json()["receipt_void"] is True
    assert balance(chart.BANK) == Money("0", "CNY")
    # and the voided receipt's PDF still carries its number, marked void
    text = pdf_text(client.get(f"{API}/receipts/{code}/pdf/").content)
    assert f"{donation.receipt.number:08d}" in text and "作废" in text


def test_a_void_approved_by_the_asker_is_forbidden(client, supervisor, books):
    # given a supervisor who asked for a void
    donation = donate(unit(), "800")
    request = services.receipt_void_request(
        receipt=donation.receipt, reason="重复录入", actor=supervisor
    )
    client.force_login(supervisor)
    before = snapshot()

    # when the same supervisor approves or rejects it
    approved = client.post(f"{API}/void-requests/{request.pk}/approve/", {}, format="json")
    rejected = client.post(
        f"{API}/void-requests/{request.pk}/reject/", {"note": "no"}, format="json"
    )

    # then both are refused, saying why, and the receipt stays valid
    for response in (approved, rejected):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert "another supervisor" in response.json()["message"]
    assert snapshot() == before
    donation.receipt.refresh_from_db()
    assert donation.receipt.status == ReceiptStatus.VALID


def test_a_void_is_rejected_with_a_note(client, officer, supervisor, books):
    donation = donate(unit(), "800")
    request = services.receipt_void_request(receipt=donation.receipt, reason="错", actor=officer)
    client.force_login(supervisor)

    without_note = client.post(f"{API}/void-requests/{request.pk}/reject/", {}, format="json")
    rejected = client.post(
        f"{API}/void-requests/{request.pk}/reject/", {"note": "票据无误"}, format="json"
    )
    again = client.post(f"{API}/void-requests/{request.pk}/approve/", {}, format="json")

    assert without_note.status_code == 400 and "note" in without_note.json()["detail"]
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "票据无误"
    assert again.status_code == 409 and again.json()["code"] == "void_not_allowed"
    donation.receipt.refresh_from_db()
    assert donation.receipt.status == ReceiptStatus.VALID


def test_a_void_request_needs_a_reason_and_a_valid_receipt(as_officer, books):
    donation = donate(unit(), "800")
    url = f"{API}/receipts/{donation.receipt.code}/void-request/"

    no_reason = as_officer.post(url, {"reason": "  "}, format="json")
    first = as_officer.post(url, {"reason": "错"}, format="json")
    other = as_officer.post(url, {"reason": "另一个理由"}, format="json")

    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    assert first.status_code == 201
    assert other.status_code == 409 and other.json()["code"] == "void_not_allowed"
    assert ReceiptVoidRequest.objects.count() == 1


# --------------------------------------------------------------------------------------------
# cash
# --------------------------------------------------------------------------------------------
def test_cash_is_deposited_once_and_never_more_than_is_held(as_officer, books):
    # given 500 received in cash five days ago
    donate(unit(), "500", method="cash", day=TODAY - timedelta(days=5))
    held = as_officer.get(f"{API}/cash-held/")
    assert held.status_code == 200
    assert held.json() == [
        {
            "fund": "RELIEF",
            "currency": "CNY",
            "on_hand": "500.00",
            "oldest_undeposited": (TODAY - timedelta(days=5)).isoformat(),
            "days_held": 5,
            "overdue": True,
        }
    ]
    body = {"fund": "RELIEF", "amount": "300.00", "deposited_on": TODAY.isoformat()}

    # when 300 is deposited, and the request is retried
    first = post(as_officer, "cash-deposits/", body, idem="dep-1")
    again = post(as_officer, "cash-deposits/", body, idem="dep-1")

    # then it is deposited once
    assert first.status_code == 201, first.json()
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert CashDeposit.objects.count() == 1
    assert balance(chart.CASH) == Money("200.00", "CNY")
    assert as_officer.get(f"{API}/cash-held/").json()[0]["on_hand"] == "200.00"
    listing = as_officer.get(f"{API}/cash-deposits/", {"fund": "RELIEF"}).json()["results"]
    assert [(d["amount"], d["entry"]) for d in listing] == [("300.00", first.json()["entry"])]

    # and depositing more than is left is refused, changing nothing
    before = snapshot()
    too_much = post(as_officer, "cash-deposits/", {**body, "amount": "200.01"}, idem=key())
    assert too_much.status_code == 409 and too_much.json()["code"] == "insufficient_cash"
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# pledges
# --------------------------------------------------------------------------------------------
def test_pledges_created_listed_overdue_and_written_off(client, officer, supervisor, books):
    donor = unit()
    client.force_login(officer)

    # when an officer records a pledge that is due in a month, and one already overdue
    due_later = client.post(
        f"{API}/pledges/",
        {
            "donor": donor.pk,
            "fund": "RELIEF",
            "amount": "900.00",
            "due_date": (TODAY + timedelta(days=30)).isoformat(),
        },
        format="json",
    )
    overdue = client.post(
        f"{API}/pledges/",
        {
            "donor": donor.pk,
            "fund": "RELIEF",
            "amount": "600.00",
            "pledged_on": (TODAY - timedelta(days=9)).isoformat(),
            "due_date": (TODAY - timedelta(days=2)).isoformat(),
        },
        format="json",
    )

    # then both are open promises, nothing is booked, and the overdue one is listed as such
    assert due_later.status_code == 201, due_later.json()
    assert due_later.json()["status"] == "open" and due_later.json()["outstanding"] == "900.00"
    assert JournalEntry.objects.count() == 0
    late = client.get(f"{API}/pledges/", {"status": "overdue"}).json()["results"]
    assert [(p["id"], p["days_overdue"]) for p in late] == [(overdue.json()["id"], 2)]
    assert len(client.get(f"{API}/pledges/").json()["results"]) == 2

    # and the reminder letter is a PDF for the overdue pledge only
    letter = client.get(f"{API}/pledges/{overdue.json()['id']}/reminder.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert "催缴函" in pdf_text(letter.content)
    not_late = client.get(f"{API}/pledges/{due_later.json()['id']}/reminder.pdf")
    assert not_late.status_code == 409 and not_late.json()["code"] == "pledge_not_overdue"

    # when the officer tries to write it off, then a supervisor does
    url = f"{API}/pledges/{overdue.json()['id']}/write-off/"
    by_officer = client.post(url, {"reason": "企业注销"}, format="json")
    client.force_login(supervisor)
    no_reason = client.post(url, {}, format="json")
    written_off = client.post(url, {"reason": "企业注销"}, format="json")

    # then only the supervisor may, with a reason
    assert by_officer.status_code == 403
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    assert written_off.status_code == 200
    assert written_off.json()["status"] == "written_off"
    assert written_off.json()["write_off_reason"] == "企业注销"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "0.00"}, "invalid_amount"),
        ({"amount": 900}, "invalid"),
        ({"fund": "NOPE"}, "unknown_fund"),
        ({"currency": "USD"}, "currency_not_held"),
        ({"due_date": (TODAY - timedelta(days=1)).isoformat()}, "pledge_error"),
    ],
)
def test_bad_pledges_are_refused(as_officer, books, change, code):
    body = {
        "donor": unit().pk,
        "fund": "RELIEF",
        "amount": "900.00",
        "due_date": (TODAY + timedelta(days=30)).isoformat(),
        **change,
    }
    before = snapshot()

    response = as_officer.post(f"{API}/pledges/", body, format="json")

    assert response.status_code in (400, 409)
    assert response.json()["code"] == code
    assert snapshot() == before


def test_a_fulfilled_pledge_cannot_be_written_off(client, supervisor, books):
    donor = unit()
    pledge = services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("100", "CNY"),
        pledged_on=TODAY,
        due_date=TODAY,
        actor=None,
    )
    donate(donor, "100", pledge=pledge)
    client.force_login(supervisor)

    response = client.post(f"{API}/pledges/{pledge.pk}/write-off/", {"reason": "x"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "pledge_error"
    assert client.get(f"{API}/pledges/{pledge.pk}/").json()["status"] == "fulfilled"


# --------------------------------------------------------------------------------------------
# roles and authentication
# --------------------------------------------------------------------------------------------
@pytest.fixture
def some_of_everything(books, officer):
    """One donation (cash), allocation, deposit, pledge and void request, for the role tables."""
    donor = unit()
    donation = donate(donor, "100", method="cash", actor=officer)
    services.allocation_record(
        kind="fiscal",
        source_name="县财政局",
        fund="RELIEF",
        amount=Money("50", "CNY"),
        method="bank",
        received_on=TODAY,
        idempotency_key=key(),
        actor=None,
    )
    services.cash_deposit_record(
        fund="RELIEF",
        amount=Money("10", "CNY"),
        deposited_on=TODAY,
        idempotency_key=key(),
        actor=None,
    )
    pledge = services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("900", "CNY"),
        pledged_on=TODAY - timedelta(days=9),
        due_date=TODAY - timedelta(days=2),
        actor=None,
    )
    request = services.receipt_void_request(receipt=donation.receipt, reason="错", actor=officer)
    return {"donor": donor, "donation": donation, "pledge": pledge, "void_request": request}


def read_urls(objects) -> list[str]:
    code = objects["donation"].receipt.code
    return [
        f"{API}/donors/",
        f"{API}/donors/{objects['donor'].pk}/",
        f"{API}/donations/",
        f"{API}/donations/{objects['donation'].pk}/",
        f"{API}/allocations/",
        f"{API}/receipts/",
        f"{API}/receipts/{code}/",
        f"{API}/receipts/{code}/pdf/",
        f"{API}/void-requests/",
        f"{API}/void-requests/{objects['void_request'].pk}/",
        f"{API}/cash-deposits/",
        f"{API}/cash-held/",
        f"{API}/pledges/",
        f"{API}/pledges/{objects['pledge'].pk}/",
        f"{API}/pledges/{objects['pledge'].pk}/reminder.pdf",
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("finance_officer", 200),
        ("finance_supervisor", 200),
        ("auditor", 200),
        ("administrator", 200),
        ("case_worker", 403),
        ("reviewer", 403),
    ],
)
def test_reading_follows_the_role(client, make_user, some_of_everything, role, expected):
    client.force_login(make_user(role))

    for url in read_urls(some_of_everything):
        response = client.get(url)
        assert response.status_code == expected, (url, response.content[:300])
        if expected == 403:
            assert response.json()["code"] == "permission_denied"


def write_requests(objects) -> list[tuple[str, dict, bool]]:
    """(url, body, needs an idempotency key) of every write."""
    donor = objects["donor"].pk
    return [
        (f"{API}/donors/", {"kind": "person", "name": "李四"}, False),
        (f"{API}/donations/", donation_body(objects["donor"], amount="1.00"), True),
        (f"{API}/allocations/", allocation_body(amount="1.00"), True),
        (
            f"{API}/cash-deposits/",
            {"fund": "RELIEF", "amount": "1.00", "deposited_on": TODAY.isoformat()},
            True,
        ),
        (
            f"{API}/pledges/",
            {"donor": donor, "fund": "RELIEF", "amount": "1.00", "due_date": TODAY.isoformat()},
            False,
        ),
        (
            f"{API}/receipts/{objects['donation'].receipt.code}/void-request/",
            {"reason": "错"},
            False,
        ),
    ]


def supervisor_requests(objects) -> list[tuple[str, dict]]:
    return [
        (f"{API}/void-requests/{objects['void_request'].pk}/reject/", {"note": "no"}),
        (f"{API}/void-requests/{objects['void_request'].pk}/approve/", {}),
        (f"{API}/pledges/{objects['pledge'].pk}/write-off/", {"reason": "x"}),
    ]


@pytest.mark.parametrize(
    "role", ["auditor", "administrator", "case_worker", "reviewer", "finance_officer"]
)
def test_writing_follows_the_role(client, make_user, some_of_everything, role):
    # given a user in a role that may not do some of the writes
    client.force_login(make_user(role))
    before = snapshot()

    # when they try every write they may not make
    refused = [(url, body) for url, body, _idem in write_requests(some_of_everything)]
    if role == "finance_officer":
        refused = []  # officers record; only the supervisor's decisions are closed to them
    refused += supervisor_requests(some_of_everything)
    for url, body in refused:
        response = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key())

        # then each is a 403 and nothing changes
        assert response.status_code == 403, (url, response.content[:300])
        assert response.json()["code"] == "permission_denied"
    assert snapshot() == before


def test_officers_and_supervisors_may_record(client, officer, supervisor, some_of_everything):
    for user in (officer, supervisor):
        client.force_login(user)
        for url, body, idem in write_requests(some_of_everything):
            if url.endswith("void-request/") and user == supervisor:
                continue  # the officer's request is already waiting
            response = client.post(
                url, body, format="json", **({"HTTP_IDEMPOTENCY_KEY": key()} if idem else {})
            )
            assert response.status_code in (200, 201), (url, response.content[:300])


def test_anonymous_callers_get_401_json(client, some_of_everything):
    before = snapshot()
    calls = [(client.get, url) for url in read_urls(some_of_everything)]
    calls += [(client.post, url) for url, _b, _i in write_requests(some_of_everything)]
    calls += [(client.post, url) for url, _b in supervisor_requests(some_of_everything)]
    for method, url in calls:
        response = method(url, HTTP_IDEMPOTENCY_KEY=key())
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"
    assert snapshot() == before


def test_token_authentication(client, officer, books):
    token = Token.objects.create(user=officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = post(client, "donations/", donation_body(unit()), idem=key())

    assert response.status_code == 201
    assert Donation.objects.get().recorded_by == officer


# --------------------------------------------------------------------------------------------
# the OpenAPI schema and a schemathesis pass over the reads
# --------------------------------------------------------------------------------------------
READ_PATHS = {
    f"{API}/{path}"
    for path in [
        "donors/",
        "donors/{id}/",
        "donations/",
        "donations/{id}/",
        "allocations/",
        "allocations/{id}/",
        "receipts/",
        "receipts/{code}/",
        "receipts/{code}/pdf/",
        "void-requests/",
        "void-requests/{id}/",
        "cash-deposits/",
        "cash-deposits/{id}/",
        "cash-held/",
        "pledges/",
        "pledges/{id}/",
        "pledges/{id}/reminder.pdf",
    ]
}


@pytest.fixture
def schema_doc(make_user):
    # the schema is for signed-in users only (issue 13): any role reads the whole of it
    api = APIClient()
    api.force_authenticate(make_user())
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_documents_every_answer(schema_doc):
    paths = {p: ops for p, ops in schema_doc["paths"].items() if p.startswith(f"{API}/")}
    reads = {p for p, ops in paths.items() if "get" in ops}
    assert reads == READ_PATHS
    assert set(paths) - reads == {
        f"{API}/receipts/{{code}}/void-request/",
        f"{API}/void-requests/{{id}}/approve/",
        f"{API}/void-requests/{{id}}/reject/",
        f"{API}/pledges/{{id}}/write-off/",
    }
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("401", "403"):
                content = responses[code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)
            if method == "post" and "Idempotency-Key" in {
                p["name"] for p in operation.get("parameters", [])
            }:
                assert {"200", "201", "400", "409"} <= set(responses), path
                assert "Idempotent-Replayed" in responses["200"]["headers"]
    for path in (f"{API}/receipts/{{code}}/pdf/", f"{API}/pledges/{{id}}/reminder.pdf"):
        responses = paths[path]["get"]["responses"]
        assert set(responses["200"]["content"]) == {"application/pdf"}
        assert set(responses["404"]["content"]) == {"application/json"}
    keyed = [
        p
        for p, ops in paths.items()
        if "post" in ops
        and any(q["name"] == "Idempotency-Key" for q in ops["post"].get("parameters", []))
    ]
    assert sorted(keyed) == [f"{API}/allocations/", f"{API}/cash-deposits/", f"{API}/donations/"]
    amount = schema_doc["components"]["schemas"]["DonationRequest"]["properties"]["amount"]
    assert amount["type"] == "string"


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the test's database connection between
    requests (Django's own test client does the same), so it sees the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_read_endpoints_conform_to_the_schema(settings, officer, some_of_everything, wsgi_app):
    """Schemathesis calls every GET of /api/collection/ with generated input (authenticated by
    token) and checks: no server error, every status code documented, bodies, headers and
    content types as documented."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "127.0.0.1"]
    token = Token.objects.create(user=officer)
    auth = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=auth)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    objects = some_of_everything
    # Known-good path values, so some cases reach real objects and answer 200.
    known_path = {
        f"{API}/donors/{{id}}/": {"id": objects["donor"].pk},
        f"{API}/donations/{{id}}/": {"id": objects["donation"].pk},
        f"{API}/allocations/{{id}}/": {"id": Allocation.objects.get().pk},
        f"{API}/receipts/{{code}}/": {"code": objects["donation"].receipt.code},
        f"{API}/receipts/{{code}}/pdf/": {"code": objects["donation"].receipt.code},
        f"{API}/void-requests/{{id}}/": {"id": objects["void_request"].pk},
        f"{API}/cash-deposits/{{id}}/": {"id": CashDeposit.objects.get().pk},
        f"{API}/pledges/{{id}}/": {"id": objects["pledge"].pk},
        f"{API}/pledges/{{id}}/reminder.pdf": {"id": objects["pledge"].pk},
    }
    statuses = defaultdict(set)

    def exercise(strategy, examples):
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            response = case.call_and_validate(headers=auth, checks=checks)
            statuses[case.operation.path].add(response.status_code)

        run()

    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(f"{API}/") or operation.method.upper() != "GET":
            continue
        # PDFs take a moment each to render: fewer generated cases there.
        pdf = "pdf" in operation.path
        exercise(operation.as_strategy(), 2 if pdf else 5)
        if operation.path in known_path:
            overrides = {"path_parameters": known_path[operation.path]}
            exercise(operation.as_strategy(**overrides), 1 if pdf else 3)

    # then every read was exercised, and each also reached a real success
    assert set(statuses) == READ_PATHS
    for path, codes in statuses.items():
        assert 200 in codes, (path, codes)


def test_a_donor_name_that_would_run_as_a_formula_is_refused(as_officer):
    # issue 13: "=", "+", "-", "@" first (also after blanks) is refused with a clear message
    for name in ["=HYPERLINK(1)", "-2+3+cmd|' /C calc'!A0", " @SUM(1)"]:
        answer = post(as_officer, "donors/", {"kind": "person", "name": name})
        assert answer.status_code == 400, answer.json()
        assert "formula" in str(answer.json())
    assert not Donor.objects.exists()
    assert post(as_officer, "donors/", {"kind": "person", "name": "张-明"}).status_code == 201
