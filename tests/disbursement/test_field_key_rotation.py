"""Rotating FIELD_ENCRYPTION_KEY without downtime (issue 17, point 4): old rows stay readable while
old keys are configured, ``rotate_field_key`` re-encrypts every stored number (people, households,
bank account changes, payments, including paid ones frozen by the guards), nothing is lost, the
look-up hashes (duplicate checks, the payments' account hash) do not move, and the ways a
rotation goes wrong are refused: a look-up hash key not pinned, an old key missing, a payment's
ciphertext swapped for another's."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from approvals import crypto
from approvals.exceptions import DuplicatePerson
from approvals.models import BankAccountChange, Household, Person
from disbursement import services
from disbursement.exceptions import StoredNumberAltered
from disbursement.models import Payment
from fundapp import fieldkeys
from ledger.models import AuditEvent
from tests.approvals.factories import fund_money, make_household

from .conftest import finalise

K1 = Fernet.generate_key().decode()
K2 = Fernet.generate_key().decode()


def _use(settings, key, old=(), hash_key=""):
    settings.FIELD_ENCRYPTION_KEY = key
    settings.FIELD_ENCRYPTION_OLD_KEYS = list(old)
    settings.FIELD_HASH_KEY = hash_key
    crypto._keys.cache_clear()


@pytest.fixture(autouse=True)
def first_key(settings):
    _use(settings, K1)
    yield
    crypto._keys.cache_clear()


def _ciphertexts():
    out = {}
    for model, column, _kind, _hash in fieldkeys.COLUMNS:
        from django.apps import apps

        Model = apps.get_model(model)
        for pk, token in Model.objects.exclude(**{column: ""}).values_list("pk", column):
            out[(model, column, pk)] = token
    return out


def _hashes():
    return {
        "people": sorted(Person.objects.values_list("pk", "id_number_hash", "bank_account_hash")),
        "households": sorted(Household.objects.values_list("pk", "bank_account_hash")),
        "payments": sorted(Payment.objects.values_list("pk", "account_hash")),
    }


@pytest.fixture
def books(paid_batch, relief, people, world, make_households, layout):
    """A paid batch (frozen payments), an approved batch not yet exported, and a bank account
    change waiting for its checker: every kind of stored number, all under K1."""
    fund_money(5000, "RELIEF")
    finalise(relief, make_households(2, prefix="62170000"), people, world, cycle="2027")
    pending = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=pending, actor=people.supervisor)
    from approvals import services as approvals

    household = Payment.objects.filter(batch=paid_batch).first().household
    approvals.bank_account_change(
        household=household,
        bank_name="建设银行",
        account="6217000099990001",
        reason="换卡",
        actor=people.worker,
    )
    assert BankAccountChange.objects.exists()
    return pending


def test_rotation_reencrypts_every_number_and_loses_nothing(settings, books, people, layout):
    plain = {key: crypto.decrypt(token) for key, token in _ciphertexts().items()}
    hashes = _hashes()
    assert len({model for model, _c, _pk in plain}) >= 4  # people, households, changes, payments

    # The new key encrypts, the old one still reads, the hash key is pinned to the old one.
    _use(settings, K2, old=[K1], hash_key=K1)
    assert fieldkeys.sample_problems() == []
    assert {key: crypto.decrypt(token) for key, token in _ciphertexts().items()} == plain
    assert all(crypto.needs_rotation(token) for token in _ciphertexts().values())
    fresh = make_household(people.worker, _village(), head_name="新户")
    assert not crypto.needs_rotation(fresh.people.get().id_number_enc)
    # the duplicate check still finds a person registered under the old key
    someone = Person.objects.order_by("pk").first()
    with pytest.raises(DuplicatePerson):
        _register_again(people, someone)

    out = io.StringIO()
    call_command("rotate_field_key", "--user", "admin", stdout=out)
    text = out.getvalue()
    assert "re-encrypting:" in text and "every stored number is under the current key" in text

    after = _ciphertexts()
    for key, token in plain.items():
        assert crypto.decrypt(after[key]) == token  # nothing lost
    assert not any(crypto.needs_rotation(t) for t in after.values())
    hashes_after = _hashes()
    for name in ("households", "payments"):
        assert set(hashes[name]) <= set(hashes_after[name])  # hashes never move
    event = AuditEvent.objects.get(action="field_key.rotate")
    assert event.data["left"] == 0 and sum(event.data["rewritten"].values()) >= len(plain)

    # The old key can now go: every number reads with the new key alone, the bank file pays.
    _use(settings, K2, hash_key=K1)
    assert {k: crypto.decrypt(v) for k, v in _ciphertexts().items() if k in plain} == plain
    call_command("rotate_field_key", "--check", stdout=io.StringIO())
    result = services.batch_export(batch=books, layout=layout, fmt="csv", actor=people.officer)
    body = result.content.decode("utf-8-sig")
    for payment in Payment.objects.filter(batch=books):
        assert payment.reference in body
    assert "6217000000000000001" in body

    # Running it again re-encrypts nothing.
    out = io.StringIO()
    call_command("rotate_field_key", stdout=out)
    assert "0 numbers re-encrypted" in out.getvalue()


def _village():
    from approvals.models import Region

    return Region.objects.filter(level="village").order_by("pk").first()


def _register_again(people, person):
    from approvals import services as approvals
    from approvals.services.registry import PersonSpec

    return approvals.household_register(
        region=person.household.region,
        address="另一处",
        people=[PersonSpec(name="重复", id_number=person.id_number_plain(), relation="head")],
        actor=people.worker,
        phone="13800000001",
    )


def test_a_rotation_without_the_hash_key_pinned_is_refused(settings, final_cases):
    _use(settings, K2, old=[K1])  # FIELD_HASH_KEY forgotten: hashes would change silently
    problems = fieldkeys.sample_problems()
    assert problems and all("FIELD_HASH_KEY" in p for p in problems)
    with pytest.raises(CommandError, match="FIELD_HASH_KEY"):
        call_command("rotate_field_key", stdout=io.StringIO())
    out = io.StringIO()
    with pytest.raises(Exception, match="fundapp.E011"):
        call_command("check", "--database", "default", stdout=out, stderr=out)


def test_a_missing_old_key_is_reported_not_guessed(settings, final_cases):
    _use(settings, K2, hash_key=K1)  # the old key left out
    problems = fieldkeys.sample_problems()
    assert problems and any("missing" in p for p in problems)
    with pytest.raises(CommandError, match="missing"):
        call_command("rotate_field_key", stdout=io.StringIO())


def test_a_swapped_ciphertext_is_not_paid_and_the_hash_stays_frozen(
    settings, final_cases, relief, people, layout
):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    first, second = Payment.objects.filter(batch=batch).order_by("pk")[:2]
    table = Payment._meta.db_table
    # The hash is frozen by the database guard, whoever writes.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET account_hash = %s WHERE id = %s",
            [second.account_hash, first.pk],
        )
    # The ciphertext may change (a rotation re-encrypts it) ...
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET account_enc = %s WHERE id = %s", [second.account_enc, first.pk]
        )
    # ... but a ciphertext that is not the frozen account's is refused before the file is made.
    with pytest.raises(StoredNumberAltered):
        services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    assert not Payment.objects.filter(batch=batch, status="sent").exists()
    # A re-encryption of the same number is fine.
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET account_enc = %s WHERE id = %s",
            [crypto.encrypt(crypto.decrypt(first.account_enc)), first.pk],
        )
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    assert Payment.objects.filter(batch=batch, status="sent").count() == batch.count
