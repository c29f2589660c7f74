"""Income only with its document (issue 10, point 4), ceilings on money-in documents (point 7)
and the collection's database refusals reaching people translated (point 11).

Each refusal is proved through the services, the screens and the API, and the rules the database
holds through raw SQL (on whichever engine the suite runs: SQLite, and PostgreSQL in CI); each
allowed path (a donation, an allocation, a pledge of each kind paid, a void) still works.
"""

import re
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import translation
from djmoney.money import Money
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from ledger import chart
from ledger.collection import dbguards, services
from ledger.collection.capitals import amount_in_capitals
from ledger.collection.dberrors import _messages, rule_of, translated
from ledger.collection.exceptions import PledgeError, WrongReceiptType
from ledger.collection.models import (
    Allocation,
    CashDeposit,
    Donation,
    Pledge,
    PledgeKind,
    Receipt,
    ReceiptStatus,
)
from ledger.collection.services.donations import DonationInput, donation_record_locked
from ledger.exceptions import AmountTooLarge
from ledger.locks import lock_head
from ledger.models import AmountCeiling, Balance, Fund, JournalEntry, JournalLine

from .factories import UNIT_CODE, book, donate, english, key, person, unit  # noqa: F401
from .test_import import csv_bytes

pytestmark = pytest.mark.django_db

TODAY = date.today()
CEILING = Decimal("100000000.00")
DB_MAX = Decimal("999999999999.99")


@pytest.fixture
def books(db):
    return book(first=1, last=500), book(type="settlement", first=1, last=500)


def snapshot():
    """Everything recording money could touch."""
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        Receipt.objects.count(),
        Donation.objects.count(),
        Allocation.objects.count(),
        CashDeposit.objects.count(),
        Pledge.objects.count(),
        list(Balance.objects.order_by("pk").values_list("balance", flat=True)),
    )


def allocate(amount="5000.00", *, pledge=None, source_name="县财政局", fund="RELIEF", **extra):
    return services.allocation_record(
        kind=extra.pop("kind", "departmental"),
        source_name=source_name,
        fund=fund,
        amount=Money(amount, "CNY"),
        method="bank",
        received_on=TODAY,
        idempotency_key=key(),
        actor=None,
        pledge=pledge,
        **extra,
    )


def pledge(donor, amount="1000.00", kind=PledgeKind.DONATION, fund="RELIEF"):
    return services.pledge_create(
        donor=donor,
        fund=fund,
        amount=Money(amount, "CNY"),
        pledged_on=TODAY - timedelta(days=10),
        due_date=TODAY + timedelta(days=10),
        actor=None,
        kind=kind,
    )


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(rule, sql, params=()):
    """Run raw SQL, expect the database to refuse it with ``rule``'s token."""
    with pytest.raises(DatabaseError) as caught:
        raw(sql, params)
    assert rule_of(caught.value) == rule, str(caught.value)
    return caught.value


def issue_and_post(amount="100.00", type="donation", fund="RELIEF"):
    """A receipt with the entry that carries its income, and no donation/allocation row yet."""
    with transaction.atomic():
        lock_head()
        return services.receipt_issue_and_post(
            type=type,
            fund=Fund.objects.get(code=fund),
            amount=Money(amount, "CNY"),
            debit=chart.BANK,
            income_account=chart.DONATION_INCOME if type == "donation" else chart.ALLOCATION_INCOME,
            payer_name="某单位",
            payer_credit_code="",
            payer_is_person=False,
            payer_anonymous=False,
            project="",
            issued_on=TODAY,
            idempotency_key=f"test:{key()}",
            memo="",
            source="donation" if type == "donation" else "allocation",
            actor=None,
        )


# --------------------------------------------------------------------------------------------
# the order: receipt, entry naming it, record
# --------------------------------------------------------------------------------------------
def test_a_donation_is_its_receipt_and_its_entry_names_the_receipt(books):
    # when a donation is recorded
    donation = donate(unit(), "1200.00")

    # then the receipt names the entry, the entry names the receipt, and all three agree
    receipt = donation.receipt
    entry = donation.entry
    assert receipt.entry_id == entry.pk
    assert entry.income_receipt_id == receipt.pk
    assert receipt.amount == donation.amount == Money("1200.00", "CNY")
    income = entry.lines.get(account__code=chart.DONATION_INCOME, side="C")
    assert income.amount == Money("1200.00", "CNY") and income.fund_id == receipt.fund_id


def test_an_allocation_is_its_settlement_receipt_and_its_entry_names_it(books):
    allocation = allocate("5000.00", kind="fiscal")
    assert allocation.receipt.type == "settlement"
    assert allocation.receipt.entry_id == allocation.entry_id
    assert allocation.entry.income_receipt_id == allocation.receipt_id
    assert allocation.entry.lines.get(side="C").account.code == chart.ALLOCATION_INCOME


def test_a_void_marks_the_receipt_void_and_reverses_its_entry(books, make_user):
    # given a donation and a void asked by an officer
    donation = donate(unit(), "300.00")
    officer, boss = make_user("finance_officer"), make_user("finance_supervisor")
    request = services.receipt_void_request(
        receipt=donation.receipt, reason="typed twice", actor=officer
    )

    # when a supervisor approves it
    receipt = services.receipt_void_approve(request=request, actor=boss)

    # then the receipt is void and the entry reversed once, pointing to the original
    assert receipt.status == ReceiptStatus.VOID
    reversal = JournalEntry.objects.get(reverses=donation.entry)
    assert reversal.lines.get(account__code=chart.DONATION_INCOME).side == "D"
    assert Receipt.objects.get(pk=receipt.pk).entry_id == donation.entry_id  # unchanged


def test_a_failed_reversal_leaves_the_receipt_valid(books, make_user, monkeypatch):
    # given a void whose reversal the ledger refuses
    donation = donate(unit(), "300.00")
    officer, boss = make_user("finance_officer"), make_user("finance_supervisor")
    request = services.receipt_void_request(receipt=donation.receipt, reason="x", actor=officer)
    from ledger.collection.services import receipts

    def refuse(**kwargs):
        assert Receipt.objects.get(pk=donation.receipt_id).status == ReceiptStatus.VOID
        raise AmountTooLarge("refused")

    monkeypatch.setattr(receipts, "journal_reverse", refuse)

    # when it is approved, then it fails as a whole: the receipt was void only inside it
    with pytest.raises(AmountTooLarge):
        services.receipt_void_approve(request=request, actor=boss)
    assert Receipt.objects.get(pk=donation.receipt_id).status == ReceiptStatus.VALID


# --------------------------------------------------------------------------------------------
# pledges of each kind
# --------------------------------------------------------------------------------------------
def test_a_donation_pledge_is_paid_by_a_donation(books):
    donor = unit()
    promise = pledge(donor, "1000.00")
    donate(donor, "1000.00", pledge=promise)
    from ledger.collection.selectors import pledge_paid, pledge_row

    assert pledge_paid(promise) == Money("1000.00", "CNY")
    assert pledge_row(promise, today=TODAY).status == "fulfilled"


def test_a_mandated_contribution_is_paid_by_an_allocation_with_a_settlement_receipt(books):
    # given a department's pledged support (帮扶资金)
    department = unit("县卫健局")
    promise = pledge(department, "8000.00", kind=PledgeKind.CONTRIBUTION)

    # when it pays, as an allocation naming the pledge (the department named by the pledge)
    allocation = allocate("3000.00", pledge=promise, source_name="")

    # then a settlement receipt is issued to the department, and the pledge is partly paid
    assert allocation.receipt.type == "settlement"
    assert allocation.source_name == "县卫健局" and allocation.source_credit_code == UNIT_CODE
    from ledger.collection.selectors import pledge_paid, pledge_row

    assert pledge_paid(promise) == Money("3000.00", "CNY")
    row = pledge_row(promise, today=TODAY)
    assert row.status == "partly_paid" and row.outstanding == Money("5000.00", "CNY")


def test_a_mandated_contribution_never_gets_a_donation_receipt(books):
    department = unit("县卫健局")
    promise = pledge(department, "8000.00", kind=PledgeKind.CONTRIBUTION)
    before = snapshot()
    with pytest.raises(WrongReceiptType, match="settlement receipt"):
        donate(department, "100.00", pledge=promise)
    assert snapshot() == before


def test_a_donation_pledge_is_not_paid_by_an_allocation(books):
    promise = pledge(unit(), "800.00")
    before = snapshot()
    with pytest.raises(PledgeError, match="promises a donation"):
        allocate("100.00", pledge=promise)
    assert snapshot() == before


def test_a_pledge_of_another_currency_is_not_paid(books):
    fund = Fund.objects.get(code="RELIEF")
    fund.currencies = ["CNY", "USD"]
    fund.save()
    promise = pledge(unit(), "800.00")
    with pytest.raises(PledgeError, match="CNY"):
        donate(promise.donor, "100.00", pledge=promise, currency="USD")


def test_a_db_refusal_of_a_pledge_reaches_the_service_caller_translated(books):
    # given the body that trusts its caller's checks, handed a contribution pledge
    department = unit("县卫健局")
    promise = pledge(department, "8000.00", kind=PledgeKind.CONTRIBUTION)
    data = DonationInput(
        department, "RELIEF", Money("10", "CNY"), "bank", TODAY, "k-pl", pledge=promise
    )
    before = snapshot()

    # when it writes, the database refuses, and the caller reads a typed, translated refusal
    with pytest.raises(PledgeError) as caught, transaction.atomic():
        lock_head()
        donation_record_locked(
            data, Fund.objects.get(code="RELIEF"), Money("10", "CNY"), actor=None
        )
    message = str(caught.value)
    assert "collection[" not in message and "trigger" not in message
    assert message.startswith("Donation with receipt ")
    assert "mandated-contribution pledge" in message
    assert snapshot() == before


def test_a_pledge_kind_is_shown_and_chosen_on_the_api(books, officer):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    department = unit("县卫健局")
    answer = client.post(
        "/api/collection/pledges/",
        {
            "kind": "contribution",
            "donor": department.pk,
            "fund": "RELIEF",
            "amount": "6000.00",
            "due_date": (TODAY + timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["kind"] == "contribution"
    pledge_id = answer.json()["id"]
    listing = client.get("/api/collection/pledges/", {"kind": "contribution"}).json()
    assert [p["id"] for p in listing["results"]] == [pledge_id]

    # paying it as a donation is refused with the reason; as an allocation it is paid
    body = {
        "donor": department.pk,
        "fund": "RELIEF",
        "amount": "100.00",
        "method": "bank",
        "received_on": TODAY.isoformat(),
        "pledge": pledge_id,
    }
    before = snapshot()
    refused_answer = client.post(
        "/api/collection/donations/", body, format="json", HTTP_IDEMPOTENCY_KEY="d-pl-1"
    )
    assert refused_answer.status_code == 400
    assert refused_answer.json()["code"] == "wrong_receipt_type"
    assert snapshot() == before
    paid = client.post(
        "/api/collection/allocations/",
        {
            "kind": "departmental",
            "fund": "RELIEF",
            "amount": "6000.00",
            "method": "bank",
            "received_on": TODAY.isoformat(),
            "pledge": pledge_id,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="a-pl-1",
    )
    assert paid.status_code == 201, paid.json()
    assert paid.json()["source_name"] == "县卫健局" and paid.json()["pledge"] == pledge_id
    assert client.get(f"/api/collection/pledges/{pledge_id}/").json()["status"] == "fulfilled"


def _web(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_pledge_list_shows_the_kind_and_sends_each_kind_to_its_own_flow(client, officer, books):
    client = _web(client, officer)
    donation_pledge = pledge(person(), "500.00")
    contribution = pledge(unit("县卫健局"), "8000.00", kind=PledgeKind.CONTRIBUTION)
    html = client.get(reverse("collection:pledges")).content.decode()
    assert "mandated contribution" in html
    assert f"{reverse('collection:allocation-new')}?pledge={contribution.pk}" in html
    assert f"{reverse('collection:donation-new')}?pledge={donation_pledge.pk}" in html
    assert f"{reverse('collection:donation-new')}?pledge={contribution.pk}" not in html

    # the allocation form comes filled from the pledge and offers only contributions
    page = client.get(reverse("collection:allocation-new"), {"pledge": contribution.pk})
    form = page.context["form"]
    assert form.initial["pledge"] == contribution.pk and form.initial["source_name"] == "县卫健局"
    assert list(form.fields["pledge"].queryset) == [contribution]
    donation_form = client.get(reverse("collection:donation-new")).context["form"]
    assert list(donation_form.fields["pledge"].queryset) == [donation_pledge]

    # and recording it pays the pledge with a settlement receipt
    response = client.post(
        reverse("collection:allocation-new"),
        {
            "kind": "departmental",
            "source_name": "",
            "source_credit_code": "",
            "fund": str(contribution.fund_id),
            "amount": "8000.00",
            "currency": "CNY",
            "method": "bank",
            "received_on": TODAY.isoformat(),
            "document_no": "",
            "pledge": str(contribution.pk),
            "idempotency_key": "web:alloc-pledge",
        },
    )
    assert response.status_code == 302
    allocation = Allocation.objects.get(pledge=contribution)
    assert allocation.receipt.type == "settlement" and allocation.source_name == "县卫健局"


# --------------------------------------------------------------------------------------------
# ceilings: services, import, screens, API
# --------------------------------------------------------------------------------------------
def test_each_money_in_service_refuses_an_amount_above_its_ceiling(books):
    donor = unit()
    donate(person(), "500.00", method="cash")  # cash to deposit
    over = str(CEILING + Decimal("0.01"))
    before = snapshot()
    with pytest.raises(AmountTooLarge, match="100,000,000.00"):
        donate(donor, over)
    with pytest.raises(AmountTooLarge):
        allocate(over)
    with pytest.raises(AmountTooLarge):
        pledge(donor, over)
    with pytest.raises(AmountTooLarge):
        services.cash_deposit_record(
            fund="RELIEF",
            amount=Money(over, "CNY"),
            deposited_on=TODAY,
            idempotency_key=key(),
            actor=None,
        )
    assert snapshot() == before


def test_the_ceiling_itself_is_accepted_and_the_administrator_can_lower_it(books):
    donation = donate(unit(), str(CEILING))
    assert donation.receipt.amount == Money(CEILING, "CNY")
    AmountCeiling.objects.create(kind="allocation", ceiling=Decimal("1000.00"))
    with pytest.raises(AmountTooLarge, match="1,000.00"):
        allocate("1000.01")
    allocate("1000.00")


def test_the_bulk_import_refuses_a_row_above_the_ceiling(books):
    header = ["donor_name", "donor_kind", "fund", "amount", "method", "date"]
    content = csv_bytes(
        [
            ["张三", "person", "RELIEF", "100.00", "cash", TODAY.isoformat()],
            ["李四", "person", "RELIEF", "6228480012345680.00", "cash", TODAY.isoformat()],
        ],
        header=header,
    )
    before = snapshot()
    result = services.donation_import(content=content, filename="day.csv", actor=None)
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    [error] = result.errors
    assert (error.row, error.column) == (3, "amount")
    assert "ceiling" in error.message and "100,000,000.00" in error.message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "collection:donation-new",
            {"donor_text": "", "project": "", "pledge": "", "method": "bank"},
        ),
        (
            "collection:allocation-new",
            {
                "kind": "fiscal",
                "source_name": "县财政局",
                "source_credit_code": "",
                "document_no": "",
                "pledge": "",
                "method": "bank",
            },
        ),
        ("collection:deposits", {"bank_slip": ""}),
    ],
)
def test_a_form_shows_the_ceiling_next_to_the_amount_and_keeps_it(
    client, officer, books, url, data
):
    client = _web(client, officer)
    donor = unit()
    typed = "6228480012345680.00"
    data = {
        **data,
        "fund": str(Fund.objects.get(code="RELIEF").pk),
        "amount": typed,
        "currency": "CNY",
        "received_on": TODAY.isoformat(),
        "deposited_on": TODAY.isoformat(),
        "idempotency_key": f"web:{key()}",
    }
    if url == "collection:donation-new":
        data["donor"] = str(donor.pk)
    before = snapshot()
    response = client.post(reverse(url), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["amount"]
    assert "above the ceiling of 100,000,000.00" in form.errors["amount"][0]
    html = response.content.decode()
    assert 'id="id_amount_errors"' in html and f'value="{typed}"' in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "donations/",
            {"fund": "RELIEF", "method": "bank", "received_on": TODAY.isoformat()},
        ),
        (
            "allocations/",
            {
                "kind": "fiscal",
                "source_name": "县财政局",
                "fund": "RELIEF",
                "method": "bank",
                "received_on": TODAY.isoformat(),
            },
        ),
        ("cash-deposits/", {"fund": "RELIEF", "deposited_on": TODAY.isoformat()}),
        ("pledges/", {"fund": "RELIEF", "due_date": TODAY.isoformat()}),
    ],
)
def test_the_api_refuses_an_amount_above_the_ceiling(books, officer, path, body):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    body = {**body, "amount": "100000000.01"}
    if path in ("donations/", "pledges/"):
        body["donor"] = unit().pk
    before = snapshot()
    answer = client.post(
        f"/api/collection/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY=f"c-{key()}"
    )
    assert answer.status_code == 400, answer.json()
    assert answer.json()["code"] == "amount_too_large"
    assert "100,000,000.01" in answer.json()["message"]
    assert "ceiling of 100,000,000.00" in answer.json()["message"]
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# 小写 and 大写 always agree
# --------------------------------------------------------------------------------------------
DIGITS = dict(zip("零壹贰叁肆伍陆柒捌玖", range(10), strict=True))
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _section(text: str) -> int:
    """A run of digits below 10,000 written out: 玖仟零伍拾 -> 9050."""
    total, digit = 0, 0
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        else:
            total += (digit or 1) * SMALL[char]
            digit = 0
    return total + digit


def read_capitals(text: str) -> Decimal:
    """An independent reader of 大写金额 (not cn2an's): the figure it says."""
    match = re.fullmatch(r"(?:(.*)元)?零?(?:(.)角)?(?:(.)分)?(整)?", text)
    assert match, text
    yuan, jiao, fen, _whole = match.groups()
    value = 0
    if yuan:
        rest = yuan
        for unit_char, scale in (("亿", 10**8), ("万", 10**4)):
            if unit_char in rest:
                head, rest = rest.split(unit_char, 1)
                value += (
                    (read_capitals(head + "元") * scale)
                    if ("万" in head or "亿" in head)
                    else _section(head) * scale
                )
        value += _section(rest)
    cents = DIGITS[jiao] * 10 if jiao else 0
    cents += DIGITS[fen] if fen else 0
    return Decimal(value) + Decimal(cents) / 100


@pytest.mark.parametrize(
    "figure",
    [
        "0.01",
        "0.10",
        "10.00",
        "10010.50",
        "100000000.00",  # the default ceiling
        "100000000.01",
        "100010000.50",
        "1000000000.10",
        "999999999999.99",  # the largest amount the database keeps
        "100000000000.00",
        "900000000009.09",
    ],
)
def test_capitals_say_the_figure_at_the_ceiling_and_the_database_maximum(figure):
    assert read_capitals(amount_in_capitals(Decimal(figure))) == Decimal(figure)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=99999999999999))
def test_capitals_always_say_the_figure(cents):
    figure = Decimal(cents) / 100
    assert read_capitals(amount_in_capitals(figure)) == figure


def _pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


@pytest.mark.parametrize(
    ("figure", "printed", "words"),
    [
        (CEILING, "¥100,000,000.00", "壹亿元整"),
        (DB_MAX, "¥999,999,999,999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_a_receipt_prints_figures_and_capitals_that_agree(
    client, officer, books, figure, printed, words
):
    # given the ceiling raised as far as the database keeps amounts, and a donation that large
    AmountCeiling.objects.create(kind="donation", ceiling=DB_MAX)
    donation = donate(unit(), str(figure))

    # when its receipt is stored, read back and printed
    receipt = Receipt.objects.get(pk=donation.receipt_id)
    assert receipt.amount.amount == figure  # exact on both engines
    assert receipt.amount_in_words == words
    client = _web(client, officer)
    text = _pdf_text(
        client.get(reverse("collection:receipt-pdf", kwargs={"pk": receipt.pk})).content
    )

    # then figures and capitals on paper say the same amount
    assert printed in text
    assert words in text.replace("\n", "").replace(" ", "")
    assert read_capitals(words) == figure


# --------------------------------------------------------------------------------------------
# the database: raw SQL on the engine under test
# --------------------------------------------------------------------------------------------
DONATION_INSERT = (
    "INSERT INTO ledger_donation (donor_id, fund_id, amount, amount_currency, method,"
    " received_on, project, entry_id, receipt_id, idempotency_key, recorded_at, pledge_id)"
    " VALUES (%s, %s, %s, %s, 'bank', %s, '', %s, %s, %s, %s, %s)"
)
ALLOCATION_INSERT = (
    "INSERT INTO ledger_allocation (kind, source_name, source_credit_code, fund_id, amount,"
    " amount_currency, method, received_on, document_no, entry_id, receipt_id, idempotency_key,"
    " recorded_at, pledge_id)"
    " VALUES ('fiscal', 'x', '', %s, %s, 'CNY', 'bank', %s, '', %s, %s, %s, %s, %s)"
)


def donation_row(
    receipt, donor, *, amount=None, currency="CNY", fund_id=None, entry_id=None, pledge_id=None
):
    return [
        donor.pk,
        fund_id or receipt.fund_id,
        amount or receipt.amount.amount,
        currency,
        TODAY,
        entry_id or receipt.entry_id,
        receipt.pk,
        f"raw-{key()}",
        receipt.created_at,
        pledge_id,
    ]


def test_raw_sql_cannot_record_a_donation_unequal_to_its_receipt(books):
    # given a receipt with its entry and no donation yet
    receipt = issue_and_post("100.00")
    donor = unit()
    other = donate(donor, "7.00")
    usd = Fund.objects.get(code="RELIEF")
    usd.currencies = ["CNY", "USD"]
    usd.save()
    before = snapshot()

    # then a donation differing from it in amount, currency, fund or entry is refused
    for change in (
        {"amount": Decimal("100.01")},
        {"currency": "USD"},
        {"fund_id": Fund.objects.get(code="REWARD").pk},
        {"entry_id": other.entry_id},
    ):
        refused("record_matches_receipt", DONATION_INSERT, donation_row(receipt, donor, **change))
    assert snapshot() == before

    # and the equal one is accepted (the service's path, here raw)
    raw(DONATION_INSERT, donation_row(receipt, donor))
    assert Donation.objects.get(receipt=receipt).amount == Money("100.00", "CNY")


def test_raw_sql_cannot_record_on_a_void_or_wrong_receipt(books):
    receipt = issue_and_post("50.00")
    settlement = issue_and_post("60.00", type="settlement")
    donor = unit()
    refused("record_receipt_type", DONATION_INSERT, donation_row(settlement, donor))
    refused(
        "record_receipt_type",
        ALLOCATION_INSERT,
        [
            receipt.fund_id,
            "50.00",
            TODAY,
            receipt.entry_id,
            receipt.pk,
            "raw-a",
            receipt.created_at,
            None,
        ],
    )
    raw(
        "UPDATE ledger_receipt SET status = 'void', void_reason = 'test' WHERE id = %s",
        [receipt.pk],
    )
    refused("record_receipt_void", DONATION_INSERT, donation_row(receipt, donor))
    assert not Donation.objects.exists() and not Allocation.objects.exists()


def test_raw_sql_cannot_pay_a_pledge_of_another_kind_donor_or_fund(books):
    donor, other = unit(), person()
    contribution = pledge(donor, "900.00", kind=PledgeKind.CONTRIBUTION)
    promise = pledge(donor, "900.00")
    elsewhere = pledge(donor, "900.00", fund="REWARD")
    receipt = issue_and_post("100.00")
    settlement = issue_and_post("100.00", type="settlement")
    for row in (
        donation_row(receipt, donor, pledge_id=contribution.pk),  # a contribution
        donation_row(receipt, other, pledge_id=promise.pk),  # another donor's
        donation_row(receipt, donor, pledge_id=elsewhere.pk),  # another fund's
    ):
        refused("record_pledge", DONATION_INSERT, row)
    refused(
        "record_pledge",
        ALLOCATION_INSERT,
        [
            settlement.fund_id,
            "100.00",
            TODAY,
            settlement.entry_id,
            settlement.pk,
            "raw-b",
            settlement.created_at,
            promise.pk,
        ],
    )
    raw(
        ALLOCATION_INSERT,
        [
            settlement.fund_id,
            "100.00",
            TODAY,
            settlement.entry_id,
            settlement.pk,
            "raw-c",
            settlement.created_at,
            contribution.pk,
        ],
    )
    assert Allocation.objects.get().pledge == contribution
    assert not Donation.objects.exists()


def test_a_pledge_never_changes_kind_donor_fund_or_currency(books):
    promise = pledge(unit(), "900.00")
    for column, value in (
        ("kind", "'contribution'"),
        ("donor_id", str(person().pk)),
        ("fund_id", str(Fund.objects.get(code="REWARD").pk)),
        ("amount_currency", "'USD'"),
    ):
        refused(
            "pledge_frozen",
            f"UPDATE ledger_pledge SET {column} = {value} WHERE id = %s",
            [promise.pk],
        )
    assert Pledge.objects.get(pk=promise.pk).kind == PledgeKind.DONATION
    # writing off still works
    services.pledge_write_off(pledge=promise, reason="department merged", actor=None)


def test_raw_sql_cannot_change_a_receipts_entry(books):
    # given two donations
    first, second = donate(unit(), "100.00"), donate(person(), "100.00")

    # then neither receipt's entry can be changed, nor emptied
    refused(
        "receipt_entry_once",
        "UPDATE ledger_receipt SET entry_id = %s WHERE id = %s",
        [second.entry_id, first.receipt_id],
    )
    refused(
        "receipt_entry_once",
        "UPDATE ledger_receipt SET entry_id = NULL WHERE id = %s",
        [first.receipt_id],
    )
    assert Receipt.objects.get(pk=first.receipt_id).entry_id == first.entry_id


def test_a_receipt_names_only_the_entry_that_documents_it(books):
    # given a receipt issued, naming no entry yet, and other entries
    with transaction.atomic():
        lock_head()
        receipt = services.receipt_issue(
            type="donation",
            fund=Fund.objects.get(code="RELIEF"),
            amount=Money("100.00", "CNY"),
            payer_name="x",
            payer_credit_code="",
            payer_is_person=False,
            payer_anonymous=False,
            project="",
            issued_on=TODAY,
            actor=None,
        )
    assert receipt.entry_id is None
    other = donate(unit(), "100.00")  # an entry naming another receipt

    # then it cannot name an entry that does not name it
    refused(
        "receipt_entry_documents",
        "UPDATE ledger_receipt SET entry_id = %s WHERE id = %s",
        [other.entry_id, receipt.pk],
    )
    assert Receipt.objects.get(pk=receipt.pk).entry_id is None


def test_a_receipt_is_issued_naming_no_entry(books):
    donation = donate(unit(), "100.00")
    receipt = donation.receipt
    fields = {f.attname: getattr(receipt, f.attname) for f in Receipt._meta.concrete_fields}
    fields.pop("id")
    fields.update(number=2)  # the next number: only the entry is wrong
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        Receipt.objects.bulk_create([Receipt(**fields)])
    assert rule_of(caught.value) == "receipt_issued_without_entry"
    assert Receipt.objects.count() == 1


def test_a_receipt_naming_an_entry_whose_income_differs_is_refused(books):
    # given an entry that names a receipt but credits income other than the receipt's amount,
    # posted on the engine under test (the ledger's core rules may refuse it before us)
    with transaction.atomic():
        lock_head()
        receipt = services.receipt_issue(
            type="donation",
            fund=Fund.objects.get(code="RELIEF"),
            amount=Money("100.00", "CNY"),
            payer_name="x",
            payer_credit_code="",
            payer_is_person=False,
            payer_anonymous=False,
            project="",
            issued_on=TODAY,
            actor=None,
        )
    from ledger.exceptions import LedgerError
    from ledger.services import LineSpec, journal_post

    try:
        entry = journal_post(
            date=TODAY,
            lines=[
                LineSpec(chart.BANK, "RELIEF", "D", Money("90.00", "CNY")),
                LineSpec(chart.DONATION_INCOME, "RELIEF", "C", Money("90.00", "CNY")),
            ],
            idempotency_key="short-income",
            source="donation",
            income_receipt_id=receipt.pk,
            actor=None,
        )
    except LedgerError:
        # the ledger's own rule (income = the receipt's amount) refused it first: held too
        assert not JournalEntry.objects.filter(idempotency_key="short-income").exists()
        return
    refused(
        "receipt_entry_documents",
        "UPDATE ledger_receipt SET entry_id = %s WHERE id = %s",
        [entry.pk, receipt.pk],
    )


# --------------------------------------------------------------------------------------------
# every guard message is translated
# --------------------------------------------------------------------------------------------
def _guard_sql() -> str:
    return "\n".join(
        statement
        for guard_set in dbguards.GUARD_SETS
        for engine in ("postgresql", "sqlite")
        for statement in guard_set.install_statements(engine)
    )


def test_every_collection_guard_message_has_a_rule_with_a_translated_message():
    rules = set(re.findall(r"collection\[(\w+)\]", _guard_sql()))
    assert rules == set(_messages())
    # and no guard message goes without a token
    for message in re.findall(r"RAISE(?: EXCEPTION|\(ABORT,) '([^']*)", _guard_sql()):
        assert message.startswith("collection["), message


def test_a_guard_refusal_becomes_the_rules_typed_error_without_the_token(books):
    donation = donate(unit(), "100.00")
    with pytest.raises(DatabaseError) as caught:
        raw("DELETE FROM ledger_donation WHERE id = %s", [donation.pk])
    error = translated(caught.value, "Donation 1")
    assert error.code == "collection_error"
    text = str(error)
    assert text.startswith("Donation 1: A recorded donation")
    assert "collection[" not in text and "ledger_" not in text and "trigger" not in text
    with translation.override("zh-hans"):
        chinese = str(translated(caught.value))
    assert "collection[" not in chinese and "ledger_" not in chinese
    assert translated(DatabaseError("something else")) is None


def test_a_donor_registered_meanwhile_is_refused_in_words(db, monkeypatch):
    # given a unit registered by someone else between the check and the insert
    unit("县财政局")
    from ledger.collection.exceptions import InvalidDonor
    from ledger.collection.models import Donor

    # (the twin look-up as it was a moment before the other registration committed)
    monkeypatch.setattr(Donor.objects, "select_for_update", lambda: Donor.objects.none())

    # when the second officer registers it, the database refuses and they read why
    with pytest.raises(InvalidDonor, match=f"credit code {UNIT_CODE} already exists"):
        services.donor_create(kind="unit", name="县财政局", credit_code=UNIT_CODE, actor=None)


def test_raw_sql_cannot_record_a_deposit_that_is_not_its_entry(books):
    # given cash received and deposited once through the service
    cash = donate(person(), "500.00", method="cash")
    deposit = services.cash_deposit_record(
        fund="RELIEF",
        amount=Money("200.00", "CNY"),
        deposited_on=TODAY,
        idempotency_key=key(),
        actor=None,
    )
    insert = (
        "INSERT INTO ledger_cashdeposit (fund_id, amount, amount_currency, deposited_on,"
        " bank_slip, entry_id, idempotency_key, recorded_at) VALUES (%s, %s, 'CNY', %s, '', %s, %s, %s)"
    )
    before = snapshot()
    # then a deposit row naming another kind of entry, or another amount, is refused
    for entry_id, amount in ((cash.entry_id, "500.00"), (deposit.entry_id, "300.00")):
        refused(
            "deposit_matches_entry",
            insert,
            [deposit.fund_id, amount, TODAY, entry_id, f"raw-{key()}", deposit.recorded_at],
        )
    assert snapshot() == before
