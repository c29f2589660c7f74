"""``verify_ledger`` reconciles money in with the books, on SQLite and PostgreSQL: each kind of
drift between receipts, donations, allocations, deposits, pledges and the income and cash lines
is found with its own code and names the document, the fund and the period.

Each test damages the data underneath every guard (``tests.tamper.underneath``: raw SQL, or the
ledger's own posting service used around the collection's), runs the check, and expects the
finding; the damage is rolled back after it."""

from datetime import date

import pytest
from django.utils import translation
from djmoney.money import Money

from ledger import chart, services
from ledger.collection import services as collection
from ledger.collection.models import Donation, Pledge
from ledger.models import Fund
from ledger.services import LineSpec
from ledger.verification import verify_ledger
from tests.tamper import findings, has, raw, underneath

from .factories import book, donate, key, person, unit

# Tampering underneath (guards dropped, disabled or silenced) is the tables' owner's: with
# TEST_APP_ROLE these tests run as the owner (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.owner]


@pytest.fixture(autouse=True)
def _english():
    """The findings are compared with their English text (the documents' names)."""
    with translation.override("en"):
        yield


@pytest.fixture
def money_in(officer, supervisor):
    """Given a cash donation (RELIEF 500, paying part of a pledge), a bank donation voided with
    its receipt, a deposit of 300 of the cash, and an allocation to GENERAL with its settlement
    receipt: every yuan through the services, and the books verify clean."""
    book("donation")
    book("settlement")
    donor = unit()
    pledge = collection.pledge_create(
        donor=donor,
        fund="RELIEF",
        amount=Money(1000, "CNY"),
        pledged_on=date.today(),
        due_date=date.today(),
        actor=None,
    )
    cash = donate(donor, 500, method="cash", pledge=pledge)
    wrong = donate(person(), 80)
    # the void is asked by the officer and approved by a second person
    request = collection.receipt_void_request(receipt=wrong.receipt, reason="typo", actor=officer)
    collection.receipt_void_approve(request=request, actor=supervisor)
    deposit = collection.cash_deposit_record(
        fund="RELIEF", amount=Money(300, "CNY"), deposited_on=date.today(), idempotency_key=key(),
        actor=None,
    )  # fmt: skip
    allocation = collection.allocation_record(
        kind="fiscal", source_name="县财政局", fund="GENERAL", amount=Money(800, "CNY"),
        method="bank", received_on=date.today(), idempotency_key=key(), actor=None,
    )  # fmt: skip
    report = verify_ledger()
    assert report.ok, report.problems
    return {
        "cash": cash,
        "wrong": wrong,
        "deposit": deposit,
        "allocation": allocation,
        "pledge": pledge,
        "period": cash.entry.period.code,
    }


def test_a_receipt_whose_donation_row_is_gone_is_found(money_in):
    receipt = money_in["cash"].receipt
    with underneath():
        raw("DELETE FROM ledger_donation WHERE id = %s", [money_in["cash"].pk])
        found = findings()
    assert has(found, "receipt_without_record", receipt.code, document=f"receipt {receipt.code}")


def test_an_income_credit_with_no_receipt_is_found(money_in):
    # when donation income is credited by an entry posted around the donation service
    with underneath():
        entry = services.journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.BANK, "RELIEF", "D", Money(1000, "CNY")),
                LineSpec(chart.DONATION_INCOME, "RELIEF", "C", Money(1000, "CNY")),
            ],
            idempotency_key="around-the-service",
            actor=None,
        )
        found = findings()
    # then the line is found, by its entry, fund and period; and the period's totals differ
    period = money_in["period"]
    assert has(found, "income_without_receipt", seq=entry.seq, fund="RELIEF", period=period)
    assert has(found, "receipt_income_period", fund="RELIEF", period=period, account="4101")


def test_an_allocation_income_credit_with_no_settlement_receipt_is_found(money_in):
    with underneath():
        entry = services.journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.BANK, "GENERAL", "D", Money(5, "CNY")),
                LineSpec(chart.ALLOCATION_INCOME, "GENERAL", "C", Money(5, "CNY")),
            ],
            idempotency_key="allocation-around",
            actor=None,
        )
        found = findings()
    assert has(found, "income_without_receipt", seq=entry.seq, fund="GENERAL", account="4201")


def test_a_donation_reversed_by_hand_while_its_receipt_stays_valid_is_found(money_in):
    donation = money_in["cash"]
    with underneath():
        reversal = services.journal_reverse(entry=donation.entry, date=date.today(), actor=None)
        found = findings()
    code = donation.receipt.code
    assert has(found, "receipt_valid_but_reversed", code, seq=reversal.seq, fund="RELIEF")
    assert has(found, "income_debit_without_void", seq=reversal.seq, fund="RELIEF")


def test_a_receipt_voided_underneath_without_its_reversal_is_found(money_in):
    receipt = money_in["cash"].receipt
    with underneath():
        raw(
            "UPDATE ledger_receipt SET status = 'void', void_reason = 'x' WHERE id = %s",
            [receipt.pk],
        )
        found = findings()
    assert has(found, "receipt_void_not_reversed", receipt.code, document=f"receipt {receipt.code}")


def test_a_receipt_whose_amount_was_changed_is_found(money_in):
    receipt = money_in["allocation"].receipt
    with underneath():
        raw("UPDATE ledger_receipt SET amount = 8000 WHERE id = %s", [receipt.pk])
        found = findings()
    # the receipt's income is not in the books, it differs from its allocation, and GENERAL's
    # period totals differ
    assert has(found, "receipt_income_missing", document=f"receipt {receipt.code}")
    assert has(found, "receipt_record_mismatch", receipt.code, fund="GENERAL")
    assert has(found, "receipt_income_period", fund="GENERAL", period=money_in["period"])


def test_a_receipt_dated_into_another_period_is_found_per_period(money_in):
    receipt = money_in["cash"].receipt
    with underneath():
        raw(
            "UPDATE ledger_receipt SET issued_on = %s WHERE id = %s", [date(2001, 1, 5), receipt.pk]
        )
        found = findings()
    assert has(found, "receipt_income_period", fund="RELIEF", period=money_in["period"])
    assert has(found, "receipt_income_period", fund="RELIEF", period="2001-01")


def test_cash_leaving_other_than_by_a_deposit_is_found(money_in):
    # when cash on hand leaves by an entry posted around the deposit service (no deposit, no
    # bank slip: the ledger refuses cash paying an expense, not this)
    with underneath():
        entry = services.journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.BANK, "RELIEF", "D", Money(50, "CNY")),
                LineSpec(chart.CASH, "RELIEF", "C", Money(50, "CNY")),
            ],
            idempotency_key="spent-on-the-spot",
            actor=None,
        )
        found = findings()
    period = money_in["period"]
    assert has(found, "cash_credit_without_deposit", seq=entry.seq, fund="RELIEF", period=period)
    assert has(found, "cash_deposit_period", fund="RELIEF", period=period, account="1001")


def test_a_deposit_whose_amount_was_changed_or_row_deleted_is_found(money_in):
    deposit = money_in["deposit"]
    with underneath():
        raw("UPDATE ledger_cashdeposit SET amount = 250 WHERE id = %s", [deposit.pk])
        found = findings()
    assert has(found, "deposit_cash_missing", f"cash deposit {deposit.pk}", fund="RELIEF")
    assert has(found, "cash_credit_without_deposit", seq=deposit.entry.seq)
    with underneath():
        raw("DELETE FROM ledger_cashdeposit WHERE id = %s", [deposit.pk])
        found = findings()
    assert has(found, "cash_credit_without_deposit", seq=deposit.entry.seq, fund="RELIEF")


def test_a_donation_moved_onto_another_donors_pledge_is_found(money_in):
    other = collection.pledge_create(
        donor=person("李四"),
        fund="RELIEF",
        amount=Money(100, "CNY"),
        pledged_on=date.today(),
        due_date=date.today(),
        actor=None,
    )
    donation = money_in["cash"]
    with underneath():
        raw("UPDATE ledger_donation SET pledge_id = %s WHERE id = %s", [other.pk, donation.pk])
        found = findings()
    assert has(found, "pledge_donation_mismatch", "李四", document=f"pledge {other.pk}")


def test_a_donation_on_a_pledge_of_another_fund_is_found(money_in):
    pledge = money_in["pledge"]
    with underneath():
        Pledge.objects.filter(pk=pledge.pk).update(fund=Fund.objects.get(code="REWARD"))
        found = findings()
    assert has(found, "pledge_donation_mismatch", document=f"pledge {pledge.pk}")
    assert Donation.objects.filter(pledge=pledge).exists()
