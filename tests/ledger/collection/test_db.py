"""The database holds the money-in rules even when the ORM is bypassed, and concurrent
recording on PostgreSQL leaves receipt numbers without gaps or duplicates."""

import threading
from datetime import date

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from djmoney.money import Money

from ledger.collection.models import Donation, Receipt, ReceiptStatus
from ledger.models import JournalEntry

from .factories import book, donate, english, unit  # noqa: F401 (autouse fixture)

REFUSED = (IntegrityError, DatabaseError)


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def donation(db):
    book(first=1, last=50)
    return donate(unit(), "100")


@pytest.mark.django_db
def test_receipt_numbers_cannot_skip_or_repeat(donation):
    receipt = donation.receipt
    other = donate(donation.donor, "5")  # takes number 2
    fields = {
        f.attname: getattr(other.receipt, f.attname)
        for f in Receipt._meta.concrete_fields
        if f.attname != "id"
    }
    for number in (2, 4):  # reuse, gap
        fields.update(number=number, entry_id=receipt.entry_id)
        with pytest.raises(REFUSED), transaction.atomic():
            Receipt.objects.bulk_create([Receipt(**fields)])
    assert list(Receipt.objects.values_list("number", flat=True).order_by("number")) == [1, 2]


@pytest.mark.django_db
def test_an_issued_receipt_never_changes_and_is_never_deleted(donation):
    pk = donation.receipt.pk
    with pytest.raises(REFUSED):
        raw("UPDATE ledger_receipt SET amount = 1 WHERE id = %s", [pk])
    with pytest.raises(REFUSED), transaction.atomic():
        Receipt.objects.filter(pk=pk).update(payer_name="someone else")
    with pytest.raises(REFUSED):
        raw("DELETE FROM ledger_receipt WHERE id = %s", [pk])
    assert Receipt.objects.get(pk=pk).amount == Money("100", "CNY")


@pytest.mark.django_db
def test_void_stays_void(donation):
    pk = donation.receipt.pk
    with transaction.atomic():
        Receipt.objects.filter(pk=pk).update(status="void", void_reason="test")
    with pytest.raises(REFUSED), transaction.atomic():
        Receipt.objects.filter(pk=pk).update(status="valid", void_reason="")
    with pytest.raises(REFUSED):  # a void needs a reason (check constraint)
        raw("UPDATE ledger_receipt SET void_reason = '' WHERE id = %s", [pk])
    assert Receipt.objects.get(pk=pk).status == ReceiptStatus.VOID


@pytest.mark.django_db
def test_donations_are_never_changed_or_deleted(donation):
    with pytest.raises(REFUSED), transaction.atomic():
        Donation.objects.filter(pk=donation.pk).update(amount=Money("1", "CNY"))
    with pytest.raises(REFUSED):
        raw("DELETE FROM ledger_donation WHERE id = %s", [donation.pk])
    assert Donation.objects.get(pk=donation.pk).amount == Money("100", "CNY")


@pytest.mark.django_db
def test_a_donation_cannot_carry_a_settlement_receipt(donation):
    from ledger.collection import services

    book(type="settlement", first=1, last=5)
    allocation = services.allocation_record(
        kind="fiscal",
        source_name="财政",
        fund="RELIEF",
        amount=Money("9", "CNY"),
        method="bank",
        received_on=date.today(),
        idempotency_key="alloc-1",
        actor=None,
    )
    with pytest.raises(REFUSED):
        raw(
            "INSERT INTO ledger_donation (donor_id, fund_id, amount, amount_currency, method, received_on, project,"
            " entry_id, receipt_id, idempotency_key, recorded_at) VALUES (%s, %s, 9, 'CNY', 'bank', %s, '', %s, %s,"
            " 'x', %s)",
            [
                donation.donor_id,
                donation.fund_id,
                date.today(),
                allocation.entry_id,
                allocation.receipt_id,
                donation.recorded_at,
            ],
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_recording_takes_every_number_once():
    # given one book and eight officers recording at the same moment
    book(first=1, last=500)
    donor = unit()
    errors, barrier = [], threading.Barrier(8)

    def work(n):
        try:
            barrier.wait()
            for i in range(10):
                donate(donor, f"{n}.{i:02d}", idem=f"t{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - any escape is a failure reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n + 1,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then no error escaped and the 80 receipts are numbered 1..80 exactly
    assert errors == []
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, 81))
    assert JournalEntry.objects.filter(source="donation").count() == 80
