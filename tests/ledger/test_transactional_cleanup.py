"""Tests that commit for real (threads, live server) leave the database as the migrations made
it: the flush gets past the append-only guards on SQLite, and the default books come back."""

import pytest

from ledger.collection.models import Receipt
from ledger.models import Account, ChainHead, JournalEntry

from .collection.factories import book, donate, unit


@pytest.mark.django_db(transaction=True)
def test_a_committed_posting_can_be_flushed_afterwards():
    book(first=1, last=5)
    donate(unit(), "10")
    assert JournalEntry.objects.count() == 1 and Receipt.objects.count() == 1


@pytest.mark.django_db
def test_the_next_test_finds_the_default_books_and_the_guards():
    from django.db import connection

    from ledger import dbguards

    assert JournalEntry.objects.count() == 0
    assert Account.objects.filter(code="1002").exists() and ChainHead.objects.filter(pk=1).exists()
    assert dbguards.expected(connection) <= dbguards.installed(connection)
