"""Money in: donors, donations, allocations, receipts, voids, cash, pledges (services and selectors)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from djmoney.money import Money

from ledger import chart
from ledger.collection import exceptions, services
from ledger.collection.capitals import amount_in_capitals
from ledger.collection.models import (
    Allocation,
    Donation,
    Donor,
    PledgeStatus,
    Receipt,
    ReceiptStatus,
    ReceiptVoidRequest,
    mask_name,
)
from ledger.collection.selectors import cash_held, pledge_rows, pledge_status, thank_you_list
from ledger.exceptions import (
    CurrencyNotHeld,
    IdempotencyConflict,
    InvalidAmount,
    PeriodClosed,
    PermissionDenied,
    UnknownFund,
)
from ledger.models import Account, Balance, Fund, JournalEntry, JournalLine, Period
from ledger.selectors import account_balance
from ledger.services import period_close, period_open

from .factories import UNIT_CODE, book, donate, english, key, person, unit  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        Receipt.objects.count(),
        Donation.objects.count(),
        Allocation.objects.count(),
        list(Balance.objects.order_by("pk").values_list("balance", flat=True)),
    )


def bal(code, fund="RELIEF"):
    return account_balance(
        account=Account.objects.get(code=code), fund=Fund.objects.get(code=fund)
    ).get("CNY", Money(0, "CNY"))


@pytest.mark.parametrize(
    "amount, words",
    [
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("1.05", "壹元零伍分"),
        ("10.00", "壹拾元整"),
        ("1000.00", "壹仟元整"),
        ("1200", "壹仟贰佰元整"),
        ("10010.50", "壹万零壹拾元伍角"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100000000.00", "壹亿元整"),
    ],
)
def test_amount_in_chinese_capitals(amount, words):
    assert amount_in_capitals(Decimal(amount)) == words


def test_capitals_refuse_what_a_receipt_cannot_carry():
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal("1.005"))
    with pytest.raises(ValueError):
        amount_in_capitals(Decimal("-1"))


@pytest.mark.parametrize(
    "name, masked", [("张三", "张*"), ("张小明", "张*明"), ("欧阳小明", "欧**明"), ("李", "李")]
)
def test_people_are_masked_on_public_lists(name, masked):
    assert mask_name(name) == masked


def test_unit_donor_needs_a_valid_credit_code():
    # given a code whose check character is wrong
    bad = UNIT_CODE[:-1] + ("M" if UNIT_CODE[-1] != "M" else "N")
    # then the donor is refused with the reason, and nothing is created
    with pytest.raises(exceptions.InvalidCreditCode, match="check character"):
        services.donor_create(kind="unit", name="某公司", credit_code=bad, actor=None)
    with pytest.raises(exceptions.InvalidCreditCode, match="18 characters"):
        services.donor_create(kind="unit", name="某公司", credit_code="1234", actor=None)
    assert Donor.objects.count() == 0


def test_only_people_can_be_anonymous_and_codes_are_unique():
    unit()
    with pytest.raises(exceptions.InvalidDonor, match="already exists"):
        unit(name="另一个名字")
    with pytest.raises(exceptions.InvalidDonor, match="Only a person"):
        services.donor_create(
            kind="unit", name="X", credit_code=UNIT_CODE, anonymous=True, actor=None
        )
    p = person(anonymous=True)
    assert p.public_name == "Anonymous"


def test_a_donation_posts_its_entry_and_issues_its_receipt_together():
    # given a donation receipt book and a unit donor
    book(first=100, last=199)
    donor = unit()
    # when a bank donation of 1,200 is recorded
    donation = donate(donor, "1200.00")
    # then bank and donation income move in the relief fund, and receipt 100 is issued
    assert bal(chart.BANK) == Money("1200.00", "CNY")
    assert bal(chart.DONATION_INCOME) == Money("-1200.00", "CNY")
    receipt = donation.receipt
    assert receipt.number == 100
    assert receipt.amount_in_words == "壹仟贰佰元整"
    assert receipt.payer_credit_code == UNIT_CODE
    assert receipt.entry_id == donation.entry_id
    assert donation.entry.source == "donation"
    assert len(receipt.check_code) == 12


def test_cash_donation_goes_to_cash_on_hand():
    book()
    donate(person(), "50.00", method="cash")
    assert bal(chart.CASH) == Money("50.00", "CNY")
    assert bal(chart.BANK) == Money("0", "CNY")


def test_a_double_submit_records_the_donation_once():
    book()
    donor = unit()
    first = donate(donor, "300", idem="form-123")
    again = donate(donor, "300", idem="form-123")
    assert again.pk == first.pk
    assert Donation.objects.count() == 1 and Receipt.objects.count() == 1
    assert bal(chart.BANK) == Money("300", "CNY")


def test_the_same_key_with_other_content_is_refused():
    book()
    donor = unit()
    donate(donor, "300", idem="form-9")
    before = snapshot()
    with pytest.raises(IdempotencyConflict, match="amount"):
        donate(donor, "301", idem="form-9")
    assert snapshot() == before


@pytest.mark.parametrize(
    "amount, currency, fund, error, message",
    [
        ("0", "CNY", "RELIEF", InvalidAmount, "more than zero"),
        ("-5", "CNY", "RELIEF", InvalidAmount, "more than zero"),
        ("1.005", "CNY", "RELIEF", InvalidAmount, "two decimal places"),
        ("10", "CNY", "NOPE", UnknownFund, "no such fund"),
        ("10", "USD", "RELIEF", CurrencyNotHeld, "does not hold USD"),
    ],
)
def test_bad_donations_are_refused_and_change_nothing(amount, currency, fund, error, message):
    book()
    donor = unit()
    before = snapshot()
    with pytest.raises(error, match=message):
        donate(donor, amount, fund=fund, currency=currency)
    assert snapshot() == before


def test_a_closed_fund_takes_no_money():
    book()
    Fund.objects.filter(code="REWARD").update(is_active=False)
    before = snapshot()
    with pytest.raises(UnknownFund, match="closed"):
        donate(unit(), "10", fund="REWARD")
    assert snapshot() == before


def test_a_donation_dated_in_a_closed_period_is_refused():
    book()
    donor = unit()
    last_month_end = date.today().replace(day=1) - timedelta(days=1)
    period = period_open(
        code="last", start=last_month_end.replace(day=1), end=last_month_end, actor=None
    )
    period_close(period=period, actor=None, confirm=True)
    before = snapshot()
    with pytest.raises(PeriodClosed, match="closed"):
        donate(donor, "10", day=last_month_end)
    assert snapshot() == before


def test_receipts_are_numbered_without_gaps_and_an_exhausted_book_says_so():
    small = book(first=1, last=2)
    donor = unit()
    numbers = [donate(donor, "1").receipt.number for _ in range(2)]
    assert numbers == [1, 2]
    before = snapshot()
    with pytest.raises(exceptions.ReceiptBookExhausted, match="add a new receipt book"):
        donate(donor, "1")
    assert snapshot() == before
    # a new book continues the work
    book(series="ZJ-NEW", first=500, last=600)
    assert donate(donor, "1").receipt.number == 500
    assert small.receipts.count() == 2


def test_an_allocation_gets_a_settlement_receipt_never_a_donation_receipt():
    book()
    book(type="settlement", first=1, last=10)
    before = snapshot()
    with pytest.raises(exceptions.WrongReceiptType, match="never a donation receipt"):
        services.allocation_record(
            kind="fiscal",
            source_name="县财政局",
            fund="RELIEF",
            amount=Money("5000", "CNY"),
            method="bank",
            received_on=date.today(),
            idempotency_key=key(),
            actor=None,
            receipt_type="donation",
        )
    assert snapshot() == before
    allocation = services.allocation_record(
        kind="departmental",
        source_name="县卫健局",
        fund="RELIEF",
        amount=Money("5000", "CNY"),
        method="bank",
        received_on=date.today(),
        idempotency_key=key(),
        actor=None,
    )
    assert allocation.receipt.type == "settlement"
    assert bal(chart.ALLOCATION_INCOME) == Money("-5000", "CNY")
    assert bal(chart.DONATION_INCOME) == Money("0", "CNY")


def test_voiding_needs_a_reason_and_a_second_person(make_user):
    # given an officer's donation
    book()
    officer = make_user("finance_officer")
    boss = make_user("finance_supervisor")
    other_boss = make_user("finance_supervisor")
    donation = donate(unit(), "800", actor=officer)
    # when the officer asks without a reason, it is refused
    with pytest.raises(exceptions.VoidNotAllowed, match="why"):
        services.receipt_void_request(receipt=donation.receipt, reason=" ", actor=officer)
    # and an officer cannot approve
    request = services.receipt_void_request(receipt=donation.receipt, reason="金额错误", actor=boss)
    with pytest.raises(PermissionDenied):
        services.receipt_void_approve(request=request, actor=officer)
    # and the asker cannot approve their own request
    before = snapshot()
    with pytest.raises(PermissionDenied, match="yourself"):
        services.receipt_void_approve(request=request, actor=boss)
    assert snapshot() == before
    # when another supervisor approves
    receipt = services.receipt_void_approve(request=request, actor=other_boss)
    # then the receipt is void with its number kept, and the entry is reversed
    assert receipt.status == ReceiptStatus.VOID and receipt.number == donation.receipt.number
    assert receipt.void_reason == "金额错误"
    assert JournalEntry.objects.filter(reverses=donation.entry).count() == 1
    assert bal(chart.BANK) == Money("0", "CNY")
    # a double click on approve changes nothing more
    services.receipt_void_approve(
        request=ReceiptVoidRequest.objects.get(pk=request.pk), actor=other_boss
    )
    assert JournalEntry.objects.filter(reverses=donation.entry).count() == 1
    with pytest.raises(exceptions.VoidNotAllowed, match="already void"):
        services.receipt_void_request(receipt=receipt, reason="again", actor=officer)


def test_cash_is_deposited_never_more_than_is_held():
    book()
    donate(person(), "120.00", method="cash", day=date.today() - timedelta(days=5))
    with pytest.raises(exceptions.InsufficientCash, match="only"):
        services.cash_deposit_record(
            fund="RELIEF",
            amount=Money("200", "CNY"),
            deposited_on=date.today(),
            idempotency_key=key(),
            actor=None,
        )
    [held] = cash_held(today=date.today())
    assert held.on_hand == Decimal("120.00") and held.days_held == 5 and held.overdue
    services.cash_deposit_record(
        fund="RELIEF",
        amount=Money("120", "CNY"),
        deposited_on=date.today(),
        idempotency_key=key(),
        actor=None,
    )
    assert bal(chart.CASH) == Money("0", "CNY") and bal(chart.BANK) == Money("120", "CNY")
    [held] = cash_held(today=date.today())
    assert held.on_hand == 0 and not held.overdue


def test_cash_held_counts_first_in_first_out():
    book()
    donor = person()
    today = date.today()
    donate(donor, "100", method="cash", day=today - timedelta(days=6))
    donate(donor, "50", method="cash", day=today - timedelta(days=2))
    services.cash_deposit_record(
        fund="RELIEF",
        amount=Money("100", "CNY"),
        deposited_on=today,
        idempotency_key=key(),
        actor=None,
    )
    [held] = cash_held(today=today)
    assert held.on_hand == Decimal("50.00") and held.days_held == 2 and not held.overdue


def test_pledge_lifecycle(make_user):
    book()
    donor = unit()
    today = date.today()
    pledge = services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("1000", "CNY"),
        pledged_on=today - timedelta(days=10),
        due_date=today + timedelta(days=3),
        actor=None,
    )
    # a pledge is not income
    assert bal(chart.DONATION_INCOME) == Money("0", "CNY")
    assert pledge_status(pledge, today=today) == PledgeStatus.OPEN
    donate(donor, "400", pledge=pledge)
    assert pledge_status(pledge, today=today) == PledgeStatus.PARTLY_PAID
    assert pledge_status(pledge, today=today + timedelta(days=4)) == PledgeStatus.OVERDUE
    [row] = pledge_rows(today=today + timedelta(days=4), status=PledgeStatus.OVERDUE)
    assert row.outstanding == Money("600", "CNY") and row.days_overdue == 1
    donate(donor, "600", pledge=pledge)
    assert pledge_status(pledge, today=today + timedelta(days=4)) == PledgeStatus.FULFILLED


def test_a_pledge_is_written_off_only_by_a_supervisor_with_a_reason(make_user):
    officer = make_user("finance_officer")
    boss = make_user("finance_supervisor")
    pledge = services.pledge_create(
        donor=unit(),
        fund="RELIEF",
        amount=Money("1000", "CNY"),
        pledged_on=date.today(),
        due_date=date.today(),
        actor=officer,
    )
    with pytest.raises(PermissionDenied):
        services.pledge_write_off(pledge=pledge, reason="企业注销", actor=officer)
    with pytest.raises(exceptions.PledgeError, match="why"):
        services.pledge_write_off(pledge=pledge, reason="", actor=boss)
    services.pledge_write_off(pledge=pledge, reason="企业注销", actor=boss)
    pledge.refresh_from_db()
    assert pledge_status(pledge, today=date.today()) == PledgeStatus.WRITTEN_OFF


def test_a_payment_must_match_its_pledge():
    book()
    pledge = services.pledge_create(
        donor=unit(),
        fund="RELIEF",
        amount=Money("10", "CNY"),
        pledged_on=date.today(),
        due_date=date.today(),
        actor=None,
    )
    with pytest.raises(exceptions.PledgeError, match="another donor"):
        donate(person(), "10", pledge=pledge)
    with pytest.raises(exceptions.PledgeError, match="RELIEF"):
        donate(pledge.donor, "10", pledge=pledge, fund="REWARD")


def test_thank_you_list_masks_people_and_matches_the_ledger():
    book()
    today = date.today()
    donate(unit(), "1000")
    donate(person("王大锤"), "200")
    donate(person("李四", anonymous=True), "30.50", fund="REWARD")
    period = Period.objects.get(start__lte=today, end__gte=today)
    listing = thank_you_list(period=period)
    names = [r.name for r in listing.rows]
    assert names == ["县财政局", "王*锤", "Anonymous"]
    assert listing.totals == {"CNY": Money("1230.50", "CNY")}
    relief = thank_you_list(period=period, fund=Fund.objects.get(code="RELIEF"))
    assert relief.totals == {"CNY": Money("1200.00", "CNY")}
