"""The whole money-in story, and the printed receipt read back from its PDF."""

import io
import subprocess
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from djmoney.money import Money

from ledger import chart
from ledger.collection import services
from ledger.collection.documents import pledge_reminder_pdf, receipt_pdf, thank_you_pdf
from ledger.collection.selectors import donation_income, pledge_rows, pledge_status, thank_you_list
from ledger.models import Account, Fund, Period
from ledger.selectors import account_balance, trial_balance

from .factories import book, donate, english, key, unit  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def bal(code):
    return account_balance(
        account=Account.objects.get(code=code), fund=Fund.objects.get(code="RELIEF")
    ).get("CNY", Money(0, "CNY"))


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_pledge_cash_deposit_bank_void_story(make_user):
    officer = make_user("finance_officer")
    boss = make_user("finance_supervisor")
    book(first=1, last=100)
    today = date.today()
    donor = unit()
    # given a pledge of 5,000 due in three days
    pledge = services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("5000", "CNY"),
        pledged_on=today,
        due_date=today + timedelta(days=3),
        actor=officer,
    )
    # when 2,000 arrives in cash and is deposited
    first = donate(donor, "2000", method="cash", pledge=pledge, actor=officer)
    services.cash_deposit_record(
        fund="RELIEF",
        amount=Money("2000", "CNY"),
        deposited_on=today,
        idempotency_key=key(),
        actor=officer,
    )
    # and 3,000 arrives by bank
    second = donate(donor, "3000", method="bank", pledge=pledge, actor=officer)
    # then the pledge is fulfilled and the money sits at the bank
    assert pledge_status(pledge, today=today) == "fulfilled"
    assert bal(chart.BANK) == Money("5000", "CNY") and bal(chart.CASH) == Money("0", "CNY")
    # when a supervisor voids the second receipt on the officer's request
    request = services.receipt_void_request(
        receipt=second.receipt, reason="重复登记", actor=officer
    )
    services.receipt_void_approve(request=request, actor=boss)
    # then the pledge is open again for 3,000, the bank shows 2,000, and the books agree everywhere
    assert pledge_status(pledge, today=today) == "partly_paid"
    [row] = pledge_rows(today=today)
    assert row.outstanding == Money("3000", "CNY")
    assert bal(chart.BANK) == Money("2000", "CNY")
    tb = trial_balance()
    assert tb.balanced and tb.totals["CNY"][0] == tb.totals["CNY"][1]
    period = Period.objects.get(start__lte=today, end__gte=today)
    listing = thank_you_list(period=period, fund=Fund.objects.get(code="RELIEF"))
    assert listing.totals == donation_income(
        start=period.start, end=period.end, fund=Fund.objects.get(code="RELIEF")
    )
    assert listing.totals == {"CNY": Money("2000", "CNY")}
    assert [r.amount for r in listing.rows] == [first.amount]
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    # and the voided receipt still exists, with its number, marked void in its PDF
    second.receipt.refresh_from_db()
    text = pdf_text(receipt_pdf(second.receipt))
    assert "作废" in text and f"{second.receipt.number:08d}" in text


def test_receipt_pdf_carries_what_the_rules_list():
    book(first=7, last=100)
    donation = donate(unit(), "10010.50")
    text = pdf_text(receipt_pdf(donation.receipt))
    for needed in [
        "公益事业捐赠统一票据",
        donation.receipt.book.series,
        "00000007",
        "县财政局",
        donation.donor.credit_code,
        "人口与计划生育救助公益金",
        "10,010.50",
        "壹万零壹拾元伍角",
        date.today().isoformat(),
        donation.receipt.check_code,
        f"/r/{donation.receipt.check_code}",
    ]:
        assert needed in text, needed


def test_reminder_letter_and_thank_you_pdf_render_in_chinese():
    book()
    donor = unit()
    today = date.today()
    services.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money("900", "CNY"),
        pledged_on=today - timedelta(days=9),
        due_date=today - timedelta(days=2),
        actor=None,
    )
    [row] = pledge_rows(today=today, status="overdue")
    text = pdf_text(pledge_reminder_pdf(row, today=today))
    assert "催缴函" in text and "县财政局" in text and "已逾期 2 天" in text
    donate(donor, "66")
    period = Period.objects.get(start__lte=today, end__gte=today)
    text = pdf_text(thank_you_pdf(thank_you_list(period=period)))
    assert "捐赠鸣谢名单" in text and "县财政局" in text and "66.00" in text
