"""The issue's tampering of money in, underneath every guard (issue 12, fault 3), on both
engines: a deleted receipt (a gap in its book, a donation and an income line left without it),
and a donation raised together with its receipt while the entry stays. Each is found with its
own code, naming the document."""

import pytest
from django.utils import translation

from tests.tamper import findings, has, raw, underneath

from .test_verify_documents import money_in  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_deleted_receipt_is_found_as_a_gap_a_record_without_receipt_and_income_without_it(
    money_in,  # noqa: F811
):
    donation = money_in["cash"]
    receipt = donation.receipt
    with underneath():
        raw("DELETE FROM ledger_receipt WHERE id = %s", [receipt.pk])
        found = findings()
    assert has(found, "receipt_number_gap", receipt.code)
    assert has(found, "record_without_receipt", f"donation {donation.pk}")
    assert has(found, "income_without_receipt", seq=donation.entry.seq, fund="RELIEF")


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_donation_raised_with_its_receipt_while_the_entry_stays_is_found(money_in):  # noqa: F811
    donation = money_in["cash"]
    receipt = donation.receipt
    with underneath():
        raw("UPDATE ledger_donation SET amount = amount * 10 WHERE id = %s", [donation.pk])
        raw("UPDATE ledger_receipt SET amount = amount * 10 WHERE id = %s", [receipt.pk])
        found = findings()
    # the receipt's claim is no longer what the entry booked, and the period's totals differ
    assert has(found, "receipt_income_missing", receipt.code, fund="RELIEF")
    assert has(found, "receipt_income_period", fund="RELIEF", account="4101")
