"""``verify_ledger`` reconciles awards, entitlements and payments with awards payable, on SQLite
and PostgreSQL: each kind of drift is found with its own code and names the case number, the
entitlement, the payment, the entry and the fund. The damage is done underneath every guard
(``tests.tamper.underneath``) and rolled back after the check."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from disbursement import services
from disbursement.models import Payment
from ledger import chart
from ledger import services as ledger
from ledger.services import LineSpec
from ledger.verification import verify_ledger
from tests.approvals.factories import fund_money
from tests.tamper import findings, has, raw, underneath

from .conftest import confirm, enrol
from .util import csv_bytes, result_rows

# Tampering underneath (guards dropped, disabled or silenced) is the tables' owner's: with
# TEST_APP_ROLE these tests run as the owner (tests/conftest.py).
pytestmark = pytest.mark.owner


@pytest.fixture
def paid(final_cases, people, relief, layout):
    """Given three final relief awards, two paid through a batch and one failed."""
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed={payments[2].reference})),
        filename="r.csv",
        actor=people.officer,
    )
    report = verify_ledger()
    assert report.ok, report.problems
    return [Payment.objects.get(pk=p.pk) for p in payments]


def test_a_paid_payment_turned_failed_underneath_is_found(paid):
    payment = paid[0]
    with underneath():
        raw("UPDATE disbursement_payment SET status = 'failed' WHERE id = %s", [payment.pk])
        found = findings()
    # its entry's debit is no payment made any more, and RELIEF owes less than the books say
    assert has(found, "payable_debit_unexplained", f"pay:{payment.pk}", seq=payment.entry.seq)
    assert has(found, "awards_payable_outstanding", fund="RELIEF", account="2201")


def test_a_payout_booked_around_the_payments_is_found(paid):
    with underneath():
        entry = ledger.journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.AWARDS_PAYABLE, "RELIEF", "D", Money(1000, "CNY")),
                LineSpec(chart.BANK, "RELIEF", "C", Money(1000, "CNY")),
            ],
            idempotency_key="paid-by-hand",
            actor=None,
        )
        found = findings()
    assert has(found, "payable_debit_unexplained", seq=entry.seq, fund="RELIEF")
    assert has(found, "awards_payable_outstanding", "1000.00", fund="RELIEF")


def test_an_award_booked_around_the_cases_is_found(paid):
    with underneath():
        entry = ledger.journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.RELIEF_EXPENSE, "RELIEF", "D", Money(700, "CNY")),
                LineSpec(chart.AWARDS_PAYABLE, "RELIEF", "C", Money(700, "CNY")),
            ],
            idempotency_key="award-by-hand",
            actor=None,
        )
        found = findings()
    assert has(found, "payable_credit_unexplained", seq=entry.seq, fund="RELIEF")
    assert has(found, "awards_payable_outstanding", fund="RELIEF")


def test_an_award_whose_amount_was_changed_is_found(paid, final_cases):
    case = final_cases[2]  # its payment failed: still owed
    with underneath():
        raw("UPDATE approvals_case SET amount = 1500 WHERE id = %s", [case.pk])
        found = findings()
    assert has(found, "award_payable_missing", case.number, document=f"award {case.number}")
    assert has(found, "payable_credit_unexplained", seq=case.award_entry.seq)
    assert has(found, "awards_payable_outstanding", fund="RELIEF")


def test_a_payment_whose_amount_was_changed_is_found(paid):
    payment = paid[1]
    with underneath():
        raw("UPDATE disbursement_payment SET amount = 999 WHERE id = %s", [payment.pk])
        found = findings()
    document = f"payment {payment.pk} ({payment.reference})"
    assert has(found, "payment_payable_missing", document=document, fund="RELIEF")


def test_an_entitlement_whose_amount_was_changed_is_found(people, reward, make_households):
    fund_money(5000, "REWARD")
    for household in make_households(1, prefix="62170000"):
        enrol(reward, household.people.get(is_head=True))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)
    assert verify_ledger().ok
    entitlement = cycle.entitlements.get()
    with underneath():
        raw("UPDATE disbursement_entitlement SET amount = 1 WHERE id = %s", [entitlement.pk])
        found = findings()
    assert has(found, "entitlement_payable_missing", f"entitlement {entitlement.pk}")
    assert has(found, "awards_payable_outstanding", fund="REWARD")
    # what the message says the sub-ledgers owe: the changed entitlement, against 1,000 booked
    [outstanding] = [p for p in found if p.kind == "awards_payable_outstanding"]
    assert "1.00" in outstanding.message and "1000.00" in outstanding.message
    assert Decimal("1000.00") == entitlement.amount.amount
