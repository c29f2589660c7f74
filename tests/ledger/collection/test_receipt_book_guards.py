"""Receipt books held by the database (issue 14, point 5), whatever path writes them: within a
series no two books share a number, and a book receipts were issued from keeps its type, series
and numbers; only "in use" changes. Bypassing the ORM (``.update()``, ``bulk_create``, raw SQL)
is refused on SQLite and PostgreSQL, and the refusal reaches a person as a translated message."""

import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.collection.dberrors import refusals_translated
from ledger.collection.exceptions import CollectionError
from ledger.collection.models import ReceiptBook

from .factories import book, donate, english, unit  # noqa: F401 (autouse fixture)

REFUSED = (IntegrityError, DatabaseError)


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _books():
    return list(
        ReceiptBook.objects.order_by("pk").values_list(
            "type", "series", "first_number", "last_number", "active"
        )
    )


@pytest.mark.django_db
def test_overlapping_books_are_refused_around_the_orm():
    first = book(series="ZJ2026", first=1, last=100)
    before = _books()
    # a second book sharing numbers 50-100, by bulk_create and by raw SQL
    with pytest.raises(REFUSED), transaction.atomic():
        ReceiptBook.objects.bulk_create(
            [ReceiptBook(type="donation", series="ZJ2026", first_number=50, last_number=150)]
        )
    with pytest.raises(REFUSED):
        raw(
            "INSERT INTO ledger_receiptbook (type, series, first_number, last_number, active,"
            " created_at) VALUES ('donation', 'ZJ2026', 100, 200, %s, CURRENT_TIMESTAMP)",
            [True],
        )
    # an unused book moved onto another's numbers by .update()
    other = book(series="ZJ2026", first=101, last=200)
    with pytest.raises(REFUSED), transaction.atomic():
        ReceiptBook.objects.filter(pk=other.pk).update(first_number=90)
    assert _books() == [*before, ("donation", "ZJ2026", 101, 200, True)]
    # the same numbers in another series are fine, and so is the next range
    book(series="ZJ2026B", first=1, last=100)
    ReceiptBook.objects.filter(pk=other.pk).update(last_number=300)
    assert ReceiptBook.objects.get(pk=first.pk).last_number == 100


@pytest.mark.django_db
def test_a_used_book_keeps_its_numbers_but_goes_out_of_use():
    used = book(series="ZJ", first=1, last=10)
    donate(unit(), "10")
    for change in ("last_number = 5", "first_number = 2", "series = 'XX'", "type = 'settlement'"):
        with pytest.raises(REFUSED):
            raw(f"UPDATE ledger_receiptbook SET {change} WHERE id = %s", [used.pk])
    with pytest.raises(REFUSED), transaction.atomic():
        ReceiptBook.objects.filter(pk=used.pk).update(last_number=1000)
    assert _books() == [("donation", "ZJ", 1, 10, True)]
    # "in use" still changes
    ReceiptBook.objects.filter(pk=used.pk).update(active=False)
    assert ReceiptBook.objects.get(pk=used.pk).active is False


@pytest.mark.django_db
def test_the_refusal_is_a_translated_message():
    book(series="ZJ", first=1, last=10)
    with (
        pytest.raises(CollectionError) as refused,
        refusals_translated(""),
        transaction.atomic(),
    ):
        ReceiptBook.objects.create(type="donation", series="ZJ", first_number=5, last_number=20)
    assert "overlap another receipt book of the same series" in str(refused.value)
    assert "collection[" not in str(refused.value)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_books_at_once_only_one_is_written():
    barrier = threading.Barrier(2)
    errors, done = [], []

    def add(first, last):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                ReceiptBook.objects.create(
                    type="donation", series="ZJ", first_number=first, last_number=last
                )
            done.append(first)
        except REFUSED as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add, args=(1, 100)),
        threading.Thread(target=add, args=(50, 150)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(done) == 1 and len(errors) == 1
    assert ReceiptBook.objects.filter(series="ZJ").count() == 1
