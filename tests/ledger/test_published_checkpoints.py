"""Published checkpoints of the hash chain (issue 15, point 4): closing a period publishes the
chain head; the row can never be changed; verify_ledger proves the chain still passes through
every published one, so a history rewritten even with the chain key shows; and the public page
checks a printed copy against the live chain, which catches a forger who rewrote the published
rows too."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import translation

from ledger import services
from ledger.chainkeys import keyring
from ledger.models import AuditEvent, ChainHead, JournalEntry, Period, PublishedCheckpoint
from ledger.verification import verify_ledger
from tests.tamper import has, raw, reforge, underneath

from .factories import transfer

DAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def closed(db, supervisor):
    """Three entries in March 2025, the period closed (checkpoint at entry 3), then two more in
    April."""
    for i, amount in enumerate(("1000.00", "300.00", "20.00"), start=1):
        transfer(
            "1002" if i == 1 else "5101", "3101" if i == 1 else "1002", amount, day=DAY, key=f"m{i}"
        )
    march = Period.objects.get(code="2025-03")
    services.period_close(period=march, actor=supervisor, confirm=True, today=date(2025, 4, 2))
    transfer("5101", "1002", "12.34", day=date(2025, 4, 3), key="a1")
    transfer("1002", "3101", "50.00", day=date(2025, 4, 3), key="a2")
    return PublishedCheckpoint.objects.get(period=march)


def _problems():
    return [p for p in verify_ledger().problems if p.kind != "guard_missing"]


def test_closing_a_period_publishes_the_chain_head(closed, supervisor):
    third = JournalEntry.objects.get(seq=3)
    assert (closed.seq, closed.hash) == (3, third.hash)
    event = AuditEvent.objects.filter(action="period.close").latest("id")
    assert (event.data["checkpoint_seq"], event.data["checkpoint_hash"]) == (3, third.hash)
    # closing it again publishes nothing more
    services.period_close(period=closed.period, actor=supervisor, today=date(2025, 4, 10))
    assert PublishedCheckpoint.objects.count() == 1
    assert ChainHead.objects.get().last_seq == 5 and _problems() == []


def test_a_published_checkpoint_is_never_changed_or_deleted(closed):
    for sql in (
        "UPDATE ledger_publishedcheckpoint SET hash = %s",
        "DELETE FROM ledger_publishedcheckpoint WHERE hash <> %s",
    ):
        with pytest.raises(DatabaseError, match="never changed or deleted"), transaction.atomic():
            raw(sql, ["0" * 64])
    assert PublishedCheckpoint.objects.get().hash == closed.hash


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_history_rewritten_with_the_chain_key_breaks_the_published_checkpoint(closed):
    printed = (closed.seq, closed.hash)  # what the notice board and the March report show
    with underneath():
        # a forger who holds the chain key raises a March amount and re-hashes everything
        entry = JournalEntry.objects.get(seq=2)
        raw("UPDATE ledger_journalline SET amount = amount * 10 WHERE entry_id = %s", [entry.pk])
        reforge(key=keyring().current, from_seq=2)
        found = _problems()
        # every keyed hash verifies again; only the published checkpoint gives it away
        assert {p.kind for p in found} == {"published_checkpoint"}, found
        assert has(found, "published_checkpoint", "2025-03", seq=3)
        # ... and if the forger rewrites the published row too, verify_ledger is quiet, but
        # the copy kept outside does not match the live chain any more
        raw(
            "UPDATE ledger_publishedcheckpoint SET hash = %s WHERE id = %s",
            [JournalEntry.objects.get(seq=3).hash, closed.pk],
        )
        assert _problems() == []
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get(
            "/public/checkpoints/", {"seq": printed[0], "hash": printed[1]}
        )
        assert b"Does not match" in page.content


@pytest.mark.django_db
def test_the_public_page_lists_and_checks(closed, settings):
    settings.PUBLIC_LOOKUP_LIMIT = 4  # checks from one address; the plain list counts none
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/public/checkpoints/")
    assert page.status_code == 200 and closed.hash.encode() in page.content
    ok = client.get("/public/checkpoints/", {"seq": 3, "hash": closed.hash[:12].upper()})
    assert b"Matches" in ok.content
    wrong = client.get("/public/checkpoints/", {"seq": 3, "hash": "0" * 64})
    assert b"Does not match" in wrong.content
    missing = client.get("/public/checkpoints/", {"seq": 999, "hash": closed.hash})
    assert b"no entry 999" in missing.content
    bad = client.get("/public/checkpoints/", {"seq": 3, "hash": "not-a-hash"})
    assert b"12 to 64 characters" in bad.content
    assert client.get("/public/checkpoints/", {"seq": 3, "hash": closed.hash}).status_code == 429
    assert client.post("/public/checkpoints/").status_code == 405
