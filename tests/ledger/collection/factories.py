"""Helpers for the collection's tests."""

import itertools
from datetime import date

import pytest
from django.utils import translation
from djmoney.money import Money

from ledger.collection import services
from ledger.collection.models import Donor, ReceiptBook

_keys = itertools.count(1)
UNIT_CODE = "91110000600037341L"  # a valid unified social credit code (check character L)


def key() -> str:
    return f"k{next(_keys)}"


def book(type="donation", series=None, first=1, last=1000) -> ReceiptBook:
    return services.receipt_book_create(
        type=type,
        series=series or ("ZJ" if type == "donation" else "JS") + f"{next(_keys)}",
        first_number=first,
        last_number=last,
        actor=None,
    )


def unit(name="县财政局", code=UNIT_CODE) -> Donor:
    return services.donor_create(kind="unit", name=name, credit_code=code, actor=None)


def person(name="张小明", anonymous=False) -> Donor:
    return services.donor_create(kind="person", name=name, anonymous=anonymous, actor=None)


def donate(
    donor,
    amount,
    *,
    fund="RELIEF",
    method="bank",
    day=None,
    actor=None,
    idem=None,
    pledge=None,
    currency="CNY",
):
    return services.donation_record(
        donor=donor,
        fund=fund,
        amount=Money(amount, currency),
        method=method,
        received_on=day or date.today(),
        idempotency_key=idem or key(),
        actor=actor,
        pledge=pledge,
    )


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield
