"""Encryption at rest: the plain ID and bank numbers appear nowhere in the database (file bytes
on SQLite, every table dumped as text on PostgreSQL); whole numbers are shown only to roles that
may see them, and every reveal is audited; without a key outside DEBUG nothing starts."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from approvals import crypto, services
from approvals.exceptions import InvalidInput, NotAllowed
from ledger.models import AuditEvent

from .factories import make_household

BANK = "6228480012345678901"


def _database_text() -> bytes:
    if connection.vendor == "sqlite":
        # The database file image (what a file on disk would hold, this test's uncommitted pages
        # included): sqlite3's serialize(). The backup API would wait forever for our own write
        # lock, and VACUUM INTO cannot run inside the test's transaction.
        connection.ensure_connection()
        return connection.connection.serialize()
    chunks = []
    raw = connection.connection
    with raw.cursor() as cursor:
        for table in connection.introspection.table_names():
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                for data in copy:
                    chunks.append(bytes(data))
    return b"\n".join(chunks)


def test_plain_numbers_appear_nowhere_in_the_database(people, world, new_case, drive):
    # given a household whose case went all the way to a notice, and a reveal
    household = make_household(people.worker, world.village_a1, members=2, bank_account=BANK)
    numbers = [p.id_number_plain() for p in household.people.all()]
    services.reveal_id_number(
        person=household.people.first(), actor=people.worker, reason="核对身份证原件"
    )
    drive(new_case(), "on_notice")
    # when the whole database is read as bytes
    dump = _database_text()
    # then the plain numbers are nowhere, though the data is there (the head's name is)
    assert "张小明".encode() in dump
    for number in [*numbers, BANK]:
        assert number.encode() not in dump, number
    assert numbers[0][-6:].encode() + b"\x00" not in dump  # nor a stored "last six"


def test_ciphertext_is_random_and_hash_is_stable():
    assert crypto.encrypt("11010519491231002X") != crypto.encrypt("11010519491231002X")
    assert crypto.decrypt(crypto.encrypt("abc")) == "abc"
    assert crypto.lookup_hash("id", "x") == crypto.lookup_hash("id", "x")
    assert crypto.lookup_hash("id", "x") != crypto.lookup_hash("bank", "x")


def test_reveal_is_audited_every_time_and_refused_to_other_roles(people, world):
    household = make_household(people.worker, world.village_a1, bank_account=BANK)
    head = household.people.get()
    # when a case worker reveals the number twice, then it is whole and audited twice
    for _i in range(2):
        assert services.reveal_id_number(person=head, actor=people.worker, reason="核对") == (
            head.id_number_plain()
        )
    events = AuditEvent.objects.filter(action="person.reveal_id_number", object_id=str(head.pk))
    assert events.count() == 2
    assert {e.actor_id for e in events} == {people.worker.pk}
    assert events.first().data == {"reason": "核对"}
    assert (
        services.reveal_bank_account(household=household, actor=people.auditor, reason="审计")
        == BANK
    )
    # when a reviewer asks, or a case worker of another village, or without a reason: refused
    with pytest.raises(NotAllowed):
        services.reveal_id_number(person=head, actor=people.village_rev, reason="看看")
    with pytest.raises(NotAllowed, match="outside your region"):
        services.reveal_id_number(person=head, actor=people.worker_b, reason="看看")
    with pytest.raises(InvalidInput):
        services.reveal_id_number(person=head, actor=people.worker, reason=" ")
    assert events.count() == 2


def test_without_a_key_outside_debug_it_refuses_to_start(settings, monkeypatch):
    crypto._keys.cache_clear()
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY must be set"):
        crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="32 bytes|base64"):
        crypto.encrypt("x")


def test_a_configured_key_is_used_and_a_wrong_key_cannot_decrypt(settings):
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    token = crypto.encrypt("6228480012345678901")
    assert crypto.decrypt(token) == "6228480012345678901"
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        crypto.decrypt(token)
