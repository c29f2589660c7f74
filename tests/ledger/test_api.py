"""The ledger's JSON API: each endpoint with the right role, the wrong roles, anonymous callers,
token authentication, idempotent posting and reversal, and the ledger's refusals as JSON."""

import itertools
import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ledger import services
from ledger.books import ensure_default_books
from ledger.models import Account, Balance, ChainHead, EntryRequest, Fund, JournalEntry
from tests.ledger.factories import transfer
from tests.ledger.four_eyes import four_eyes

pytestmark = pytest.mark.django_db

API = "/api/ledger"
_keys = itertools.count(1)


@pytest.fixture
def client():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


def entry_body(
    *,
    amount="100.00",
    debit="1002",
    credit="3102",
    fund="RELIEF",
    day=None,
    memo="",
    reason="committee minutes 7",
):
    return {
        "date": (day or date.today()).isoformat(),
        "memo": memo,
        "reason": reason,
        "lines": [
            {"account": debit, "fund": fund, "side": "D", "amount": amount, "currency": "CNY"},
            {"account": credit, "fund": fund, "side": "C", "amount": amount, "currency": "CNY"},
        ],
    }


def post_entry(client, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"{API}/entries/", body, format="json", **headers)


def fresh_key() -> str:
    return f"k-{next(_keys)}"


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def test_accounts_show_balances_per_fund_and_currency(as_officer):
    # given 100 donated into the relief fund and 40 into the general fund
    transfer("1002", "3101", "100.00", fund="RELIEF")
    transfer("1002", "3101", "40.00", fund="GENERAL")

    # when the chart is read as a list and one account in detail
    listing = as_officer.get(f"{API}/accounts/")
    detail = as_officer.get(f"{API}/accounts/1002/")
    income = as_officer.get(f"{API}/accounts/3101/")

    # then each account lists its balance per fund as 2-decimal strings on its normal side
    assert listing.status_code == 200
    codes = [row["code"] for row in listing.json()["results"]]
    assert codes == sorted(codes) and "1002" in codes
    assert detail.status_code == 200
    assert detail.json()["balances"] == [
        {"fund": "GENERAL", "currency": "CNY", "balance": "40.00"},
        {"fund": "RELIEF", "currency": "CNY", "balance": "100.00"},
    ]
    assert income.json()["normal_side"] == "C"
    assert {b["balance"] for b in income.json()["balances"]} == {"40.00", "100.00"}


def test_account_list_filters_by_type(as_officer):
    # when only income accounts are asked for
    response = as_officer.get(f"{API}/accounts/", {"type": "income"})

    # then only income accounts come back
    assert response.status_code == 200
    assert {row["type"] for row in response.json()["results"]} == {"income"}


def test_unknown_account_is_404_json(as_officer):
    response = as_officer.get(f"{API}/accounts/NOPE/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_funds_show_their_position(as_officer):
    # given 500 received in cash, 300 of it deposited, and an award of 120 accrued
    transfer("1001", "3101", "500.00")
    transfer("1002", "1001", "300.00")
    transfer("5101", "2201", "120.00")

    # when the relief fund is read
    response = as_officer.get(f"{API}/funds/RELIEF/")
    listing = as_officer.get(f"{API}/funds/")

    # then its position per currency is there, as strings
    assert response.status_code == 200
    assert response.json()["position"] == [
        {
            "currency": "CNY",
            "cash_at_bank": "300.00",
            "cash_on_hand": "200.00",
            "awards_payable": "120.00",
            "reserved": "0.00",
            "available": "380.00",
        }
    ]
    assert listing.status_code == 200
    assert {row["code"] for row in listing.json()["results"]} >= {"RELIEF", "REWARD", "GENERAL"}


def test_entry_list_filters(as_officer):
    # given three entries on different days, accounts, funds and memos
    today = date.today()
    first = transfer("1002", "3101", "100.00", day=today - timedelta(days=2), memo="rice donation")
    second = transfer("1001", "3102", "20.00", day=today - timedelta(days=1), fund="GENERAL")
    third = transfer("5101", "2201", "30.00", day=today, memo="award for Zhang")

    def seqs(**params):
        response = as_officer.get(f"{API}/entries/", params)
        assert response.status_code == 200, response.content
        return [row["seq"] for row in response.json()["results"]]

    # then each filter narrows the newest-first list as it says
    assert seqs() == [third.seq, second.seq, first.seq]
    assert seqs(date_from=(today - timedelta(days=1)).isoformat()) == [third.seq, second.seq]
    assert seqs(date_to=(today - timedelta(days=1)).isoformat()) == [second.seq, first.seq]
    assert seqs(account="1001") == [second.seq]
    assert seqs(fund="GENERAL") == [second.seq]
    assert seqs(text="RICE") == [first.seq]
    assert seqs(source="manual") == [third.seq, second.seq, first.seq]
    assert seqs(source="api") == []


def test_entry_list_rejects_unknown_filter_values(as_officer):
    response = as_officer.get(f"{API}/entries/", {"account": "NOPE", "date_from": "yesterday"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["detail"]) == {"account", "date_from"}


def test_entry_detail_has_lines_and_totals(as_officer):
    # given an entry
    entry = transfer("1002", "3101", "88.80", memo="gift")

    # when it is read by its number
    response = as_officer.get(f"{API}/entries/{entry.seq}/")

    # then its lines and totals come back as strings with a currency
    assert response.status_code == 200
    body = response.json()
    assert body["seq"] == entry.seq
    assert body["memo"] == "gift"
    assert body["totals"] == [{"currency": "CNY", "amount": "88.80"}]
    assert [(ln["line_no"], ln["account"], ln["side"], ln["amount"]) for ln in body["lines"]] == [
        (1, "1002", "D", "88.80"),
        (2, "3101", "C", "88.80"),
    ]
    assert body["lines"][0]["currency"] == "CNY"
    assert body["lines"][0]["balance_after"] == "88.80"
    assert body["hash"] == entry.hash


# --------------------------------------------------------------------------------------------
# asking for a manual entry (posted only when a second person approves: tests/ledger/test_requests)
# --------------------------------------------------------------------------------------------
def test_create_entry_asks_for_it_and_posts_nothing(as_officer, officer):
    # when an officer sends a balanced entry with a key
    response = post_entry(as_officer, entry_body(amount="1200.50", memo="cash gift"), "key-1")

    # then a request is made, by them, answered with 202 and the request; nothing is posted
    assert response.status_code == 202, response.content
    body = response.json()
    asked = EntryRequest.objects.get(pk=body["id"])
    assert asked.made_by == officer and asked.status == "pending"
    assert (body["kind"], body["status"], body["entry"]) == ("entry", "pending", None)
    assert body["memo"] == "cash gift" and body["reason"] == "committee minutes 7"
    assert body["totals"] == [{"currency": "CNY", "amount": "1200.50"}]
    assert response["Idempotent-Replayed"] == "false"
    assert response["Location"] == f"{API}/requests/{asked.pk}/"
    assert JournalEntry.objects.count() == 0
    assert Balance.objects.count() == 0


def test_same_key_same_content_returns_the_first_request(as_officer):
    # given an entry asked for with a key
    first = post_entry(as_officer, entry_body(), "retry-me")

    # when the same request is sent again
    second = post_entry(as_officer, entry_body(), "retry-me")

    # then one request exists and the retry gets it back with 200
    assert first.status_code == 202
    assert second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert EntryRequest.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_at_the_same_moment_asks_once_and_replays_the_rest(officer):
    # given eight retries of one request racing each other, each on its own connection
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)
    body, answers, errors = entry_body(), [], []
    barrier = threading.Barrier(8)

    def work():
        try:
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(officer)
            barrier.wait()
            answers.append(post_entry(client, body, "race-entry"))
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

    # then one request exists; exactly one answer says it was asked (202), the seven others are
    # replays (200, Idempotent-Replayed: true) with the same body
    assert errors == []
    asked = [a for a in answers if a.status_code == 202]
    replays = [a for a in answers if a.status_code == 200]
    assert len(asked) == 1 and len(replays) == 7, [a.status_code for a in answers]
    assert asked[0]["Idempotent-Replayed"] == "false"
    assert {a["Idempotent-Replayed"] for a in replays} == {"true"}
    assert all(a.json() == asked[0].json() for a in replays)
    assert EntryRequest.objects.get().pk == asked[0].json()["id"]


def test_same_key_different_content_is_a_conflict(as_officer):
    # given an entry asked for with a key
    post_entry(as_officer, entry_body(amount="100.00"), "once")

    # when the key is reused for a different amount
    response = post_entry(as_officer, entry_body(amount="101.00"), "once")

    # then it is refused with 409 and nothing more is asked
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert EntryRequest.objects.count() == 1


@pytest.mark.parametrize("key", [None, "   ", "has space", "x" * 151])
def test_create_needs_a_usable_idempotency_key(as_officer, key):
    # when an entry is sent without a key, or with one we cannot use
    response = post_entry(as_officer, entry_body(), key)

    # then it is refused with a clear code and nothing is asked
    assert response.status_code == 400
    code = response.json()["code"]
    assert code == (
        "idempotency_key_required" if not (key or "").strip() else "idempotency_key_invalid"
    )
    assert "Idempotency-Key" in response.json()["message"]
    assert EntryRequest.objects.count() == 0


def test_unbalanced_entry_is_refused_at_once(as_officer):
    # given an entry whose credit is short by 0.01
    body = entry_body(amount="100.00")
    body["lines"][1]["amount"] = "99.99"

    # when it is sent
    response = post_entry(as_officer, body, fresh_key())

    # then the ledger's own code and message come back and nothing is asked or posted
    assert response.status_code == 400
    assert response.json()["code"] == "unbalanced"
    assert "RELIEF" in response.json()["message"]
    assert EntryRequest.objects.count() == 0
    assert JournalEntry.objects.count() == 0


def test_entry_in_a_closed_period_is_refused(as_officer, supervisor):
    # given last year's January, closed
    year = date.today().year - 1
    period = services.period_open(
        code=f"{year}-01", start=date(year, 1, 1), end=date(year, 1, 31), actor=supervisor
    )
    services.period_close(period=period, actor=supervisor)

    # when an entry dated in it is sent
    response = post_entry(as_officer, entry_body(day=date(year, 1, 15)), fresh_key())

    # then it is refused with 409 period_closed, saying where corrections go
    assert response.status_code == 409
    assert response.json()["code"] == "period_closed"
    assert "current open period" in response.json()["message"]
    assert EntryRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["lines"][0].update(amount=100.0), "lines"),  # a JSON number, not a string
        (lambda b: b["lines"][0].update(amount="1.005"), "lines"),  # three decimals
        (lambda b: b["lines"][0].update(side="X"), "lines"),
        (lambda b: b["lines"][0].update(currency="EUR"), "lines"),
        (lambda b: b.update(lines=b["lines"][:1]), "lines"),
        (lambda b: b.update(date="31/01/2025"), "date"),
        (lambda b: b.pop("reason"), "reason"),
        (lambda b: b.update(reason=""), "reason"),
    ],
)
def test_malformed_entries_are_refused_field_by_field(as_officer, change, field):
    # given a body with one thing wrong in its shape
    body = entry_body()
    change(body)

    # when it is sent
    response = post_entry(as_officer, body, fresh_key())

    # then the field is named and nothing is asked
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["detail"]
    assert EntryRequest.objects.count() == 0


def test_business_rules_come_from_the_service(as_officer):
    # given lines on an account that does not exist, a zero amount, and one above the ceiling
    unknown = entry_body(debit="9999")
    zero = entry_body(amount="0.00")
    huge = entry_body(amount="100000000.01")

    # then the service's typed errors come back as codes
    assert post_entry(as_officer, unknown, fresh_key()).json()["code"] == "unknown_account"
    assert post_entry(as_officer, zero, fresh_key()).json()["code"] == "invalid_amount"
    refused = post_entry(as_officer, huge, fresh_key()).json()
    assert refused["code"] == "amount_too_large"
    assert "100,000,000.00" in refused["message"]
    assert EntryRequest.objects.count() == 0


# --------------------------------------------------------------------------------------------
# asking for a reversal
# --------------------------------------------------------------------------------------------
def reverse_entry(client, seq, key="rev-1", **body):
    return client.post(
        f"{API}/entries/{seq}/reverse/",
        {"reason": "keyed twice", **body},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_reversal_is_asked_once_and_posted_by_a_second_person(as_officer, supervisor):
    # given an entry made by hand
    entry = transfer("1002", "3102", "75.00")

    # when its reversal is asked for, and the request is repeated
    first = reverse_entry(as_officer, entry.seq, memo="typo")
    again = reverse_entry(as_officer, entry.seq, memo="typo")

    # then one request exists, pointing to the entry; nothing is posted yet
    assert first.status_code == 202, first.content
    assert first.json()["reverses"] == entry.seq and first.json()["kind"] == "reversal"
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert not JournalEntry.objects.filter(reverses=entry).exists()

    # and when a supervisor approves it, balances are back to zero
    checker = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    checker.force_login(supervisor)
    approved = checker.post(f"{API}/requests/{first.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.content
    reversal = JournalEntry.objects.get(reverses=entry)
    assert approved.json()["entry"] == reversal.seq
    assert {b.balance for b in Balance.objects.all()} == {0}
    original = as_officer.get(f"{API}/entries/{entry.seq}/").json()
    assert original["reversed_by"] == reversal.seq


def test_a_second_reversal_request_while_one_waits_is_refused(as_officer):
    entry = transfer("1002", "3102", "75.00")
    reverse_entry(as_officer, entry.seq, key="rev-a")

    other = reverse_entry(as_officer, entry.seq, key="rev-b")

    assert other.status_code == 409
    assert other.json()["code"] == "not_reversible"
    assert "already waiting for approval" in other.json()["message"]
    assert EntryRequest.objects.count() == 1


def test_reversing_a_reversal_or_a_missing_entry_is_refused(as_officer):
    entry = transfer("1002", "3102", "75.00")
    reversal = services.journal_reverse(entry=entry, actor=None, **four_eyes())

    of_reversal = reverse_entry(as_officer, reversal.seq)
    missing = reverse_entry(as_officer, 99999, key="rev-2")
    again = reverse_entry(as_officer, entry.seq, key="rev-3")

    assert of_reversal.status_code == 409
    assert of_reversal.json()["code"] == "not_reversible"
    assert again.status_code == 409
    assert again.json()["code"] == "already_reversed"
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert EntryRequest.objects.count() == 0


# --------------------------------------------------------------------------------------------
# balances, trial balance, statements
# --------------------------------------------------------------------------------------------
def test_balance_of_an_account_by_fund_and_date(as_officer):
    # given 100 into RELIEF two days ago and 50 into GENERAL today
    today = date.today()
    transfer("1002", "3101", "100.00", day=today - timedelta(days=2))
    transfer("1002", "3101", "50.00", fund="GENERAL", day=today)

    def balance(**params):
        response = as_officer.get(f"{API}/balances/", {"account": "1002", **params})
        assert response.status_code == 200, response.content
        return response.json()

    # then all funds, one fund, and as of yesterday each add up as they should
    assert balance()["balances"] == [{"currency": "CNY", "amount": "150.00"}]
    assert balance(fund="GENERAL")["balances"] == [{"currency": "CNY", "amount": "50.00"}]
    as_of = balance(as_of=(today - timedelta(days=1)).isoformat())
    assert as_of["balances"] == [{"currency": "CNY", "amount": "100.00"}]
    assert as_of["fund"] is None
    income = as_officer.get(f"{API}/balances/", {"account": "3101"}).json()
    assert income["balances"] == [{"currency": "CNY", "amount": "150.00"}]  # normal side


def test_balance_needs_a_known_account(as_officer):
    missing = as_officer.get(f"{API}/balances/")
    unknown = as_officer.get(f"{API}/balances/", {"account": "NOPE", "as_of": "soon"})

    assert missing.status_code == 400
    assert "account" in missing.json()["detail"]
    assert unknown.status_code == 400
    assert set(unknown.json()["detail"]) == {"account", "as_of"}


def test_trial_balance_totals_are_equal(as_officer):
    # given a whole small story: cash donation, deposit, award accrued and paid
    transfer("1001", "3101", "1000.00")
    transfer("1002", "1001", "1000.00")
    transfer("5101", "2201", "300.00")
    transfer("2201", "1002", "300.00")
    transfer("1002", "3102", "80.00", fund="GENERAL")

    # when the trial balance is read for all funds and for one
    everything = as_officer.get(f"{API}/trial-balance/").json()
    relief = as_officer.get(f"{API}/trial-balance/", {"fund": "RELIEF"}).json()

    # then debits equal credits, and each account sits in its column
    assert everything["balanced"] is True
    assert everything["totals"] == [
        {"currency": "CNY", "debit": "1080.00", "credit": "1080.00", "balanced": True}
    ]
    rows = {(r["account"], r["currency"]): (r["debit"], r["credit"]) for r in relief["rows"]}
    assert rows == {
        ("1002", "CNY"): ("700.00", "0.00"),
        ("3101", "CNY"): ("0.00", "1000.00"),
        ("5101", "CNY"): ("300.00", "0.00"),
    }
    assert relief["fund"] == "RELIEF"
    assert relief["totals"][0]["debit"] == relief["totals"][0]["credit"] == "1000.00"


def test_statement_has_running_balances_and_pages(as_officer):
    # given three movements on the bank account
    transfer("1002", "3101", "100.00", memo="first")
    transfer("1002", "3101", "50.00", memo="second")
    transfer("5101", "1002", "30.00", memo="third")

    # when the statement is read, whole and two to a page
    whole = as_officer.get(f"{API}/statements/", {"account": "1002", "currency": "CNY"}).json()
    page2 = as_officer.get(
        f"{API}/statements/", {"account": "1002", "fund": "RELIEF", "page": 2, "page_size": 2}
    ).json()

    # then the newest row comes first and each carries the balance after it
    assert [(r["memo"], r["debit"], r["credit"], r["balance"]) for r in whole["rows"]] == [
        ("third", "0.00", "30.00", "120.00"),
        ("second", "50.00", "0.00", "150.00"),
        ("first", "100.00", "0.00", "100.00"),
    ]
    assert whole["closing_balance"] == "120.00"
    assert whole["count"] == 3
    assert (page2["page"], page2["pages"], page2["page_size"]) == (2, 2, 2)
    assert [r["memo"] for r in page2["rows"]] == ["first"]
    assert page2["rows"][0]["balance"] == "100.00"


def test_statement_rejects_bad_paging(as_officer):
    response = as_officer.get(
        f"{API}/statements/", {"account": "1002", "page": 0, "page_size": 10_000}
    )

    assert response.status_code == 400
    assert set(response.json()["detail"]) == {"page", "page_size"}


# --------------------------------------------------------------------------------------------
# roles, anonymous callers, tokens
# --------------------------------------------------------------------------------------------
READS = [
    f"{API}/accounts/",
    f"{API}/accounts/1002/",
    f"{API}/funds/",
    f"{API}/funds/RELIEF/",
    f"{API}/entries/",
    f"{API}/balances/?account=1002",
    f"{API}/trial-balance/",
    f"{API}/statements/?account=1002",
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
def test_reading_follows_the_role(client, make_user, role, expected):
    # given a user in one role
    client.force_login(make_user(role))

    # then every read endpoint answers as the role allows
    for url in READS:
        response = client.get(url)
        assert response.status_code == expected, (url, response.content)
        if expected == 403:
            assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("role", "can_ask"),
    [
        ("finance_officer", True),
        ("finance_supervisor", True),
        ("auditor", False),
        ("administrator", False),
        ("case_worker", False),
        ("reviewer", False),
    ],
)
def test_asking_for_entries_and_reversals_follows_the_role(client, make_user, role, can_ask):
    # given an entry already in the books and a user in one role
    entry = transfer("1002", "3102", "10.00")
    client.force_login(make_user(role))

    # when they ask for an entry and a reversal
    asked = post_entry(client, entry_body(), fresh_key())
    reversed_ = reverse_entry(client, entry.seq, key=fresh_key())

    # then only the finance roles may, the others change nothing, and nothing is posted
    assert asked.status_code == (202 if can_ask else 403)
    assert reversed_.status_code == (202 if can_ask else 403)
    assert EntryRequest.objects.count() == (2 if can_ask else 0)
    assert JournalEntry.objects.count() == 1


def test_anonymous_callers_get_401_json(client):
    for url in [*READS, f"{API}/entries/1/reverse/"]:
        method = client.post if url.endswith("reverse/") else client.get
        response = method(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"
    response = post_entry(client, entry_body(), fresh_key())
    assert response.status_code == 401
    assert EntryRequest.objects.count() == 0


def test_token_authentication(client, officer):
    # given an officer's API token
    token = Token.objects.create(user=officer)

    # when they call with it, and someone calls with a wrong one
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    read = client.get(f"{API}/trial-balance/")
    posted = post_entry(client, entry_body(), fresh_key())
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    wrong = client.get(f"{API}/trial-balance/")

    # then the token works for reading and asking, and the wrong one is a 401
    assert read.status_code == 200
    assert posted.status_code == 202
    assert EntryRequest.objects.get().made_by == officer
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "authentication_failed"
