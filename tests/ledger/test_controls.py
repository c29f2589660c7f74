"""The ledger core's controls (issue 10), each refused through the services, the API where it can
reach it, and raw SQL underneath, on SQLite and PostgreSQL; and the paths that stay open.

* R1 purposes: restricted money pays only the purposes its fund allows;
* R2 no fund below zero: cash at bank and on hand never below zero (database), available money
  (bank + cash - awards payable - reservations) never below zero (Python, under the books lock);
* R3/R4 four eyes: a manual entry and a reclassification between funds need a maker, a
  different approver and a reason;
* R5 income only with its receipt; income taken back only by the reversal of a voided one;
* R6 amounts within what the books hold exactly;
* R7 a database refusal reaches the user as the typed, translated error of its rule.

Raw-SQL tests build rows underneath with the helpers of ``test_guards`` (every other rule kept),
so each refusal is caused by the one rule the test breaks.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from ledger import chart, selectors, services
from ledger.collection.models import Receipt, ReceiptStatus
from ledger.collection.services import receipt_issue
from ledger.exceptions import (
    FourEyesRequired,
    IncomeWithoutReceipt,
    InsufficientFunds,
    InvalidAmount,
    NotReversible,
    PurposeNotAllowed,
)
from ledger.models import Balance, Fund, JournalEntry
from ledger.posting import controls
from ledger.posting.prepare import MAX_AMOUNT
from ledger.services import EntrySpec, LineSpec

from .collection.factories import book
from .factories import cny, four_eyes, four_eyes_ids, transfer
from .test_guards import (
    DAY,
    build_lines,
    draft_entry,
    post_raw,
    post_underneath,
    refused,
    state,
)
from .test_guards import books as books  # noqa: F401 - the fixture: RELIEF 40.00 bank, 60.00 cash

API = "/api/ledger"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def bank(fund="RELIEF") -> Decimal:
    found = Balance.objects.filter(account__code="1002", fund__code=fund).first()
    return found.balance if found else Decimal("0.00")


def spend(amount, fund="RELIEF", account=chart.BANK_CHARGES, *, key, **extra):
    """A two-line entry paying ``account`` from the fund's bank (a flow's, unless told)."""
    money = cny(amount)
    extra.setdefault("source", "fee")
    return services.journal_post(
        date=DAY,
        lines=[LineSpec(account, fund, "D", money), LineSpec(chart.BANK, fund, "C", money)],
        idempotency_key=key,
        actor=None,
        **extra,
    )


def no_token(message: str) -> None:
    """R7: what a person reads carries no rule token, trigger or SQL text."""
    assert "ledger[" not in message and "ledger_" not in message and "RAISE" not in message


# --------------------------------------------------------------------------------------------
# R1 purposes
# --------------------------------------------------------------------------------------------
def test_a_restricted_fund_pays_only_its_purposes_through_the_service(books):
    before = state()
    # when RELIEF (relief, special, operations) is asked to pay reward expense
    with pytest.raises(PurposeNotAllowed, match="5102 pays reward and assistance") as caught:
        spend("10.00", "RELIEF", chart.REWARD_EXPENSE, key="reward-from-relief")
    # then it is refused with the fund and what it may pay, and nothing changed
    assert "fund RELIEF" in str(caught.value) and "relief, special, operations" in str(caught.value)
    assert caught.value.status == 400
    assert state() == before


def test_the_database_refuses_a_purpose_the_python_check_missed(books):
    # given a fund object whose purposes in memory are wrong (the check in Python is fooled)
    relief = Fund.objects.get(code="RELIEF")
    relief.purposes = ["relief", "reward", "special", "operations"]
    before = state()
    # when the entry is posted, then the database refuses it: the rule's error, translated
    with pytest.raises(PurposeNotAllowed) as caught:
        spend("10.00", relief, chart.REWARD_EXPENSE, key="fooled")
    no_token(str(caught.value))
    assert "restricted fund does not allow" in str(caught.value)
    if connection.vendor == "postgresql":  # the figures come with the refusal
        assert "account 5102, fund RELIEF" in str(caught.value)
    assert state() == before


@pytest.mark.parametrize("path", ["bulk_create", "raw"])
def test_a_line_paying_a_purpose_its_fund_does_not_allow_is_refused_underneath(books, path):
    entry = draft_entry()
    lines = build_lines(
        entry, [("5102", "RELIEF", "D", "1.00", "CNY"), ("1002", "RELIEF", "C", "1.00", "CNY")]
    )
    before = state()
    with refused(r"ledger\[purpose\]"):
        if path == "bulk_create":
            type(lines[0]).objects.bulk_create(lines)
        else:
            with connection.cursor() as cursor:
                for line in lines:
                    cursor.execute(
                        "INSERT INTO ledger_journalline (entry_id, line_no, account_id, fund_id,"
                        " side, amount, amount_currency, balance_after, memo)"
                        " VALUES (%s, %s, %s, %s, %s, %s, 'CNY', %s, '')",
                        [
                            entry.pk,
                            line.line_no,
                            line.account_id,
                            line.fund_id,
                            line.side,
                            line.amount.amount,
                            line.balance_after,
                        ],
                    )
    assert state() == before


def test_the_purposes_are_data_an_administrator_may_change(books):
    # given RELIEF is allowed to pay rewards too
    Fund.objects.filter(code="RELIEF").update(purposes=["relief", "reward", "operations"])
    # then the same entry posts
    entry = spend("10.00", "RELIEF", chart.REWARD_EXPENSE, key="reward-allowed")
    assert entry.is_posted and bank() == Decimal("30.00")


def test_bank_charges_post_in_an_unrestricted_fund_and_where_operations_are_allowed(books):
    transfer("1002", "3101", "50.00", fund="GENERAL", day=DAY)
    general = spend("2.50", "GENERAL", key="fee-general")
    relief = spend("1.50", "RELIEF", key="fee-relief")
    assert general.is_posted and relief.is_posted
    assert (bank("GENERAL"), bank("RELIEF")) == (Decimal("47.50"), Decimal("38.50"))


# --------------------------------------------------------------------------------------------
# R2 no fund below zero
# --------------------------------------------------------------------------------------------
def test_spending_more_than_the_fund_has_is_refused_with_the_figures(books):
    # given RELIEF holds 40.00 at bank and 60.00 in cash (100.00 available)
    before = state()
    with pytest.raises(InsufficientFunds) as caught:
        spend("100.01", key="too-much")
    message = str(caught.value)
    assert "Fund RELIEF has" in message and "100.00" in message and "100.01" in message
    assert caught.value.status == 409
    assert state() == before


def test_money_reserved_for_cases_on_notice_is_not_spent(books, monkeypatch):
    # given 90.00 of RELIEF's 100.00 reserved by a higher app
    monkeypatch.setattr(selectors, "_reservation_sources", [])
    selectors.register_reservation_source(
        lambda f: {"CNY": Decimal("90.00")} if f.code == "RELIEF" else {}
    )
    # then 10.00 may be committed and 10.01 may not, even as an award owed (no bank line)
    with pytest.raises(InsufficientFunds, match="RELIEF"):
        spend("10.01", account=chart.RELIEF_EXPENSE, key="over")
    money = cny("10.00")
    award = services.journal_post(
        date=DAY,
        lines=[
            LineSpec(chart.RELIEF_EXPENSE, "RELIEF", "D", money),
            LineSpec(chart.AWARDS_PAYABLE, "RELIEF", "C", money),
        ],
        idempotency_key="award",
        actor=None,
        source="approvals",
    )
    assert award.is_posted
    positions = selectors.fund_position(fund=Fund.objects.get(code="RELIEF"))
    assert {p.currency: p.available for p in positions}["CNY"] == Decimal("0.00")


def test_a_batch_is_checked_per_fund_as_a_whole(books):
    # given two awards of 60.00 owed from RELIEF (100.00 available): each fits, both do not
    before = state()
    money = cny("60.00")
    specs = [
        EntrySpec(
            date=DAY,
            lines=[
                LineSpec(chart.RELIEF_EXPENSE, "RELIEF", "D", money),
                LineSpec(chart.AWARDS_PAYABLE, "RELIEF", "C", money),
            ],
            idempotency_key=f"batch-{n}",
            source="approvals",
        )
        for n in range(2)
    ]
    with pytest.raises(InsufficientFunds, match="120.00"):
        services.journal_post_many(entries=specs, actor=None)
    assert state() == before
    # and one of them alone posts
    assert services.journal_post_many(entries=specs[:1], actor=None)[0].is_posted


def test_the_database_keeps_bank_and_cash_at_zero_or_more(books, monkeypatch):
    # given the available check in Python switched off (a path that forgot it)
    monkeypatch.setattr(controls, "check_available", lambda prepared: None)
    monkeypatch.setattr(controls, "lowered", lambda prepared: {})
    before = state()
    # when 40.01 leaves a bank account holding 40.00, then the database refuses it
    with pytest.raises(InsufficientFunds) as caught:
        spend("40.01", key="below")
    no_token(str(caught.value))
    assert "below zero" in str(caught.value)
    assert state() == before


@pytest.mark.parametrize("account", ["1002", "1001"])
def test_bank_or_cash_below_zero_is_refused_underneath(books, account):
    # given RELIEF holds 40.00 at bank and 60.00 in cash
    entry = draft_entry()
    held = {"1002": "40.01", "1001": "60.01"}[account]
    lines = build_lines(
        entry, [("5201", "RELIEF", "D", held, "CNY"), (account, "RELIEF", "C", held, "CNY")]
    )
    before = state()
    with refused(r"ledger\[below_zero\]"):
        type(lines[0]).objects.bulk_create(lines)
    assert state() == before


def test_a_reversal_may_take_the_bank_below_zero(books):
    # given 40.00 came in by mistake and was spent
    mistaken = transfer("1002", "3102", "40.00", day=DAY)
    spend("80.00", key="spent")
    assert bank() == Decimal("0.00")
    # when the mistaken entry is reversed (approved by a second person), the bank goes below
    # zero: a reversal restores an earlier state
    reversal = services.journal_reverse(entry=mistaken, actor=None, date=DAY, **four_eyes())
    assert reversal.reverses == mistaken and bank() == Decimal("-40.00")


# --------------------------------------------------------------------------------------------
# R3/R4 four eyes
# --------------------------------------------------------------------------------------------
def reclassification(amount="25.00"):
    """RELIEF releases restricted money to GENERAL (3102 -> 3101), with its bank money."""
    money = cny(amount)
    return [
        LineSpec(chart.RESTRICTED_NET_ASSETS, "RELIEF", "D", money),
        LineSpec(chart.BANK, "RELIEF", "C", money),
        LineSpec(chart.BANK, "GENERAL", "D", money),
        LineSpec(chart.UNRESTRICTED_NET_ASSETS, "GENERAL", "C", money),
    ]


@pytest.mark.parametrize(
    ("who", "match"),
    [
        ({}, "approved by another"),
        ({"made_by": "maker", "approved_by": "maker", "reason": "x"}, "must not be the person"),
        ({"made_by": "maker", "approved_by": "approver", "reason": "  "}, "write the reason"),
    ],
)
@pytest.mark.parametrize("source", ["manual", "reclassification"])
def test_a_manual_entry_or_a_reclassification_needs_four_eyes(books, who, match, source):
    people = four_eyes()
    who = {
        k: {"maker": people["made_by"], "approver": people["approved_by"]}.get(v, v)
        for k, v in who.items()
    }
    lines = reclassification() if source == "reclassification" else reclassification()[:2]
    if source == "manual":
        lines = [lines[0], LineSpec(chart.BANK, "RELIEF", "C", cny("25.00"))]
    before = state()
    with pytest.raises(FourEyesRequired, match=match):
        services.journal_post(
            date=DAY, lines=lines, idempotency_key="k", actor=None, source=source, **who
        )
    assert state() == before


def test_a_reclassification_approved_by_a_second_person_posts(books, officer, supervisor):
    # when an officer's reclassification RELIEF -> GENERAL is approved by the supervisor
    entry = services.journal_post(
        date=DAY,
        lines=reclassification("25.00"),
        idempotency_key="release",
        actor=supervisor,
        made_by=officer,
        approved_by=supervisor,
        reason="管委会 decision 2025-3: restriction met, release to the general fund",
    )
    # then it posts, naming both people and the reason, and the money moved
    assert entry.is_posted
    entry = JournalEntry.objects.get(pk=entry.pk)
    assert (entry.made_by, entry.approved_by) == (officer, supervisor)
    assert entry.reason.startswith("管委会")
    assert (bank("RELIEF"), bank("GENERAL")) == (Decimal("15.00"), Decimal("25.00"))


def test_a_manual_entry_and_its_reversal_with_four_eyes(books):
    entry = transfer("1002", "3102", "5.00", day=DAY)
    with pytest.raises(NotReversible, match="made by hand"):
        services.journal_reverse(entry=entry, actor=None, date=DAY)
    reversal = services.journal_reverse(entry=entry, actor=None, date=DAY, **four_eyes())
    assert reversal.reverses_id == entry.pk and reversal.approved_by_id is not None


@pytest.mark.parametrize(
    "change",
    [
        {"made_by_id": None},
        {"approved_by_id": None},
        {"approved_by_id": "same"},
        {"reason": " "},
    ],
)
@pytest.mark.parametrize("flip", [post_underneath, post_raw])
def test_the_database_refuses_a_manual_entry_without_four_eyes(books, change, flip):
    ids = four_eyes_ids()
    fields = {**ids, **change}
    if fields["approved_by_id"] == "same":
        fields["approved_by_id"] = fields["made_by_id"]
    entry = draft_entry(source="manual", **fields)
    build = build_lines(
        entry, [("1002", "RELIEF", "D", "1.00", "CNY"), ("3102", "RELIEF", "C", "1.00", "CNY")]
    )
    type(build[0]).objects.bulk_create(build)
    before = state()
    with refused(r"ledger\[four_eyes\]"):
        flip(entry)
    assert state() == before


def test_the_database_refuses_a_reclassification_without_four_eyes(books):
    entry = draft_entry(source="transfer")
    build = build_lines(
        entry,
        [
            ("3102", "RELIEF", "D", "1.00", "CNY"),
            ("1002", "RELIEF", "C", "1.00", "CNY"),
            ("1002", "GENERAL", "D", "1.00", "CNY"),
            ("3101", "GENERAL", "C", "1.00", "CNY"),
        ],
    )
    type(build[0]).objects.bulk_create(build)
    with refused(r"ledger\[four_eyes\]"):
        post_underneath(entry)
    # and with a maker, a different approver and a reason the same rows post
    ids = four_eyes_ids()
    JournalEntry.objects.filter(pk=entry.pk).update(
        made_by_id=ids["made_by_id"], approved_by_id=ids["approved_by_id"], reason="approved"
    )
    assert post_underneath(entry) == 1


def books_state() -> dict:
    """The books (entries, lines, balances...) without the audit log, which records requests."""
    return {k: v for k, v in state().items() if k != "audit"}


def test_the_api_reverses_a_manual_entry_only_with_a_second_person(
    client, officer, supervisor, books
):
    # given a manual entry (made and approved by two people)
    entry = transfer("1002", "3102", "5.00", day=DAY)
    client.force_login(officer)
    before = books_state()
    # when an officer alone reverses it through the API, it is only asked for
    response = client.post(
        f"{API}/entries/{entry.seq}/reverse/",
        {"reason": "keyed twice"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="rev-alone",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 202, response.content
    asked = response.json()["id"]
    assert books_state() == before
    # and the officer cannot approve their own request
    own = client.post(f"{API}/requests/{asked}/approve/", {}, content_type="application/json")
    assert own.status_code == 403
    no_token(own.json()["message"])
    assert books_state() == before
    # a supervisor's approval posts it, naming both people
    client.force_login(supervisor)
    done = client.post(f"{API}/requests/{asked}/approve/", {}, content_type="application/json")
    assert done.status_code == 200, done.content
    reversal = JournalEntry.objects.get(reverses=entry)
    assert (reversal.made_by_id, reversal.approved_by_id) == (officer.pk, supervisor.pk)


def test_the_api_refuses_income_and_restricted_spending(client, officer, supervisor, books):
    client.force_login(officer)

    def post(debit, credit, fund="RELIEF", amount="10.00"):
        body = {
            "date": DAY.isoformat(),
            "memo": "",
            "reason": "test",
            "lines": [
                {"account": debit, "fund": fund, "side": "D", "amount": amount, "currency": "CNY"},
                {"account": credit, "fund": fund, "side": "C", "amount": amount, "currency": "CNY"},
            ],
        }
        return client.post(
            f"{API}/entries/",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"api-{debit}-{credit}-{amount}",
        )

    before = books_state()
    income = post("1002", "4101")
    purpose = post("5102", "1002")
    too_large = post("1002", "3102", amount="1000000000000.00")
    assert (income.status_code, income.json()["code"]) == (400, "income_without_receipt")
    assert (purpose.status_code, purpose.json()["code"]) == (400, "purpose_not_allowed")
    assert too_large.status_code == 400
    # spending more than the fund has is asked for, and refused when a second person approves
    below = post("5201", "1002", amount="100.01")
    assert below.status_code == 202, below.content
    client.force_login(supervisor)
    approved = client.post(
        f"{API}/requests/{below.json()['id']}/approve/", {}, content_type="application/json"
    )
    assert (approved.status_code, approved.json()["code"]) == (409, "insufficient_funds")
    for response in (income, purpose, approved, too_large):
        no_token(response.content.decode())
    assert books_state() == before


# --------------------------------------------------------------------------------------------
# R5 income only with its receipt
# --------------------------------------------------------------------------------------------
def a_receipt(type="donation", fund="RELIEF", amount="50.00") -> Receipt:
    """A receipt issued by the collection's own service, naming no entry yet."""
    if not type_books.get(type):
        type_books[type] = book(type=type)
    return receipt_issue(
        type=type,
        fund=Fund.objects.get(code=fund),
        amount=cny(amount),
        payer_name="县财政局",
        payer_credit_code="",
        payer_is_person=False,
        payer_anonymous=False,
        project="",
        issued_on=DAY,
        actor=None,
    )


type_books: dict = {}


@pytest.fixture(autouse=True)
def _fresh_books():
    type_books.clear()


def income(amount="50.00", *, account=chart.DONATION_INCOME, fund="RELIEF", receipt=None, key):
    money = cny(amount)
    return services.journal_post(
        date=DAY,
        lines=[LineSpec(chart.BANK, fund, "D", money), LineSpec(account, fund, "C", money)],
        idempotency_key=key,
        actor=None,
        source="donation",
        income_receipt=receipt,
    )


def test_income_without_a_receipt_is_refused_by_the_service(books):
    before = state()
    with pytest.raises(IncomeWithoutReceipt, match="credits 4101 in fund RELIEF"):
        income(key="no-receipt")
    assert state() == before


def test_income_with_its_receipt_posts(books):
    receipt = a_receipt("donation", "RELIEF", "50.00")
    entry = income("50.00", receipt=receipt, key="with-receipt")
    assert JournalEntry.objects.get(pk=entry.pk).income_receipt == receipt


@pytest.mark.parametrize(
    ("receipt_args", "income_args"),
    [
        (("settlement", "RELIEF", "50.00"), {}),  # a settlement receipt for a donation
        (("donation", "RELIEF", "49.99"), {}),  # another amount
        (("donation", "REWARD", "50.00"), {}),  # another fund
        (("donation", "RELIEF", "50.00"), {"account": chart.ALLOCATION_INCOME}),  # allocation
    ],
)
def test_the_database_checks_the_receipt_behind_income(books, receipt_args, income_args):
    receipt = a_receipt(*receipt_args)
    before = state()
    with pytest.raises(IncomeWithoutReceipt) as caught:
        income("50.00", receipt=receipt, key="mismatch", **income_args)
    no_token(str(caught.value))
    assert "receipt" in str(caught.value)
    assert state() == before


def test_a_void_receipt_documents_nothing_and_one_receipt_documents_one_entry(books):
    void = a_receipt()
    Receipt.objects.filter(pk=void.pk).update(
        status=ReceiptStatus.VOID, void_reason="wrong payer", voided_at=timezone.now()
    )
    with pytest.raises(IncomeWithoutReceipt):
        income(receipt=void, key="void")
    used = a_receipt()
    income(receipt=used, key="first")
    with pytest.raises(IncomeWithoutReceipt, match="already documents"):
        income(receipt=used, key="second")


@pytest.mark.parametrize("flip", [post_underneath, post_raw])
def test_the_database_refuses_income_without_a_receipt_underneath(books, flip):
    entry = draft_entry(source="donation")
    build = build_lines(
        entry, [("1002", "RELIEF", "D", "5.00", "CNY"), ("4101", "RELIEF", "C", "5.00", "CNY")]
    )
    type(build[0]).objects.bulk_create(build)
    before = state()
    with refused(r"ledger\[income_receipt\]"):
        flip(entry)
    assert state() == before


def test_income_is_taken_back_only_by_reversing_an_entry_whose_receipt_is_void(books):
    receipt = a_receipt()
    donation = income(receipt=receipt, key="gift")
    # a debit to income outside a reversal is refused by the service
    with pytest.raises(IncomeWithoutReceipt, match="voiding its receipt"):
        spend("1.00", account=chart.DONATION_INCOME, key="take-back")
    # the reversal of the donation is refused while its receipt is valid
    with pytest.raises(IncomeWithoutReceipt):
        services.journal_reverse(entry=donation, actor=None, date=DAY)
    # and posts once the receipt is void
    Receipt.objects.filter(pk=receipt.pk).update(
        status=ReceiptStatus.VOID, void_reason="wrong payer", voided_at=timezone.now()
    )
    reversal = services.journal_reverse(entry=donation, actor=None, date=DAY)
    assert reversal.reverses_id == donation.pk
    # and by the database, underneath
    entry = draft_entry(source="donation")
    build = build_lines(
        entry, [("4101", "RELIEF", "D", "1.00", "CNY"), ("1002", "RELIEF", "C", "1.00", "CNY")]
    )
    type(build[0]).objects.bulk_create(build)
    with refused(r"ledger\[income_debit\]"):
        post_underneath(entry)


# --------------------------------------------------------------------------------------------
# R6 amounts
# --------------------------------------------------------------------------------------------
def test_a_line_beyond_what_the_books_hold_is_refused_by_the_service(books):
    assert Decimal("999999999999.99") == MAX_AMOUNT
    with pytest.raises(InvalidAmount, match="too large"):
        transfer("1002", "3102", "1000000000000.00", day=DAY)


def test_the_largest_line_posts_exactly(books):
    transfer("1002", "3102", "999999999999.99", day=DAY)
    assert bank() == Decimal("1000000000039.99")


def test_the_database_refuses_a_line_beyond_its_bound_underneath(books):
    entry = draft_entry(source="underneath")
    build = build_lines(
        entry,
        [
            ("1002", "REWARD", "D", "1000000000000.00", "CNY"),
            ("3102", "REWARD", "C", "1000000000000.00", "CNY"),
        ],
    )
    before = state()
    with refused(r"ledger\[amount_bounds\]"):
        type(build[0]).objects.bulk_create(build)
    assert state() == before


def test_a_balance_beyond_its_bound_is_refused_through_the_service_and_underneath(books):
    # given REWARD's bank at 9,999,999,999,999.90, exact (15 significant digits)
    for _ in range(10):
        transfer("1002", "3102", "999999999999.99", day=DAY, fund="REWARD")
    assert bank("REWARD") == Decimal("9999999999999.90")
    before = state()
    # when 0.10 more comes in, the balance after would pass the bound: refused, translated
    with pytest.raises(InvalidAmount) as caught:
        transfer("1002", "3102", "0.10", day=DAY, fund="REWARD")
    no_token(str(caught.value))
    assert "9,999,999,999,999.99" in str(caught.value)
    assert state() == before
    # and underneath
    entry = draft_entry(source="underneath")
    before = state()
    build = build_lines(
        entry, [("1002", "REWARD", "D", "0.10", "CNY"), ("3102", "REWARD", "C", "0.10", "CNY")]
    )
    with refused(r"ledger\[amount_bounds\]"):
        type(build[0]).objects.bulk_create(build)
    assert state() == before


# --------------------------------------------------------------------------------------------
# R7 the refusal a person reads
# --------------------------------------------------------------------------------------------
def test_a_database_refusal_is_translated(books, monkeypatch):
    monkeypatch.setattr(controls, "check_available", lambda prepared: None)
    monkeypatch.setattr(controls, "lowered", lambda prepared: {})
    with translation.override("zh-hans"), pytest.raises(InsufficientFunds) as caught:
        spend("40.01", key="below-zh")
    no_token(str(caught.value))
