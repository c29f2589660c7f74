"""A chain a database writer cannot re-forge (issue 12, fault 3): entry hashes keyed with
``LEDGER_CHAIN_KEY`` per chain segment, legacy entries verified as such, rotation, and the chain
head written outside the database (checkpoints) so that a cut tail, a fork or a moved segment
shows. Tampering goes underneath every guard (``tests.tamper.underneath``), on both engines."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ledger import checkpoints, hashing, segments
from ledger.chainkeys import ChainKeyMissing, keyring, make_key
from ledger.models import ChainHead, ChainSegment, JournalEntry
from ledger.verification import verify_ledger
from tests.tamper import has, raw, reforge, underneath

from .factories import transfer

DAY = date(2025, 3, 10)
NEW_KEY = "a-new-chain-key-for-rotation-0123456789abcdef"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def chain(db):
    """Given five entries posted through the services (seq 1..5), on accounts no document
    controls (bank, net assets, expenses), so the books verify with no document behind them."""
    return [
        transfer("1002", "3101", "1000.00", day=DAY, key="c1"),
        transfer("5101", "1002", "300.00", day=DAY, key="c2"),
        transfer("5101", "1002", "20.00", day=DAY, key="c3"),
        transfer("5101", "1002", "12.34", day=DAY, key="c4"),
        transfer("1002", "3101", "50.00", day=DAY, key="c5"),
    ]


@pytest.fixture
def checkpoint_dir(settings, tmp_path):
    settings.LEDGER_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def problems(report=None):
    report = report or verify_ledger()
    return [p for p in report.problems if p.kind != "guard_missing"]


def kinds(found) -> set[str]:
    return {p.kind for p in found}


# --------------------------------------------------------------------------------------------
# the keyed hash
# --------------------------------------------------------------------------------------------
def test_entries_are_hashed_with_the_chain_key_from_the_first_entry_on(chain):
    # given a new database's first postings, then the first segment starts at entry 1
    assert list(ChainSegment.objects.values_list("first_seq", "key_id")) == [
        (1, keyring().current.id)
    ]
    assert ChainHead.objects.get().key_id == keyring().current.id
    entry = JournalEntry.objects.get(seq=2)
    fields = {
        "prev_hash": entry.prev_hash,
        "seq": 2,
        "idempotency_key": entry.idempotency_key,
        "content": entry.content_hash,
        "posted_by_id": entry.posted_by_id,
        "posted_at": entry.posted_at,
    }
    # the stored hash is the HMAC under the key (on PostgreSQL computed by the SQL function),
    # not the unkeyed hash, nor the HMAC under another key
    assert entry.hash == hashing.entry_hash(**fields, key=keyring().current)
    assert entry.hash != hashing.entry_hash(**fields, key=None)
    assert entry.hash != hashing.entry_hash(**fields, key=make_key("x" * 40))
    report = verify_ledger()
    assert report.ok, report.problems
    assert (report.legacy_entries, report.chain_segments) == (0, 1)


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_reforged_chain_is_only_valid_with_the_key(chain):
    # The tampering: raise a posted entry's amounts, recompute the balances and every
    # later hash with the project's own hashing.py. With the real key that passes (so the
    # forgery is complete); without it - unkeyed, or a key of the forger's own - it is found.
    for forger_key, caught in ((None, True), (make_key("f" * 40), True), ("real", False)):
        with underneath():
            # entry 4: an expense paid from the bank (no document stands behind it)
            raw(
                "UPDATE ledger_journalline SET amount = amount * 10 WHERE entry_id = %s",
                [chain[3].pk],
            )
            reforge(key=keyring().current if forger_key == "real" else forger_key, from_seq=4)
            found = problems()
        if caught:
            # every re-hashed entry fails its keyed hash, and nothing else gives it away
            assert kinds(found) == {"entry_hash"}, found
            assert {p.seq for p in found} == {4, 5}, [p.message for p in found]
        else:
            assert found == []


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_moved_key_segment_cannot_pass_keyed_entries_off_as_legacy(chain, checkpoint_dir):
    # given a checkpoint outside the database
    checkpoints.record()
    # when a forger deletes the segment (all entries now read as legacy) and re-hashes the chain
    # with the unkeyed hash, after raising an amount
    with underneath():
        raw("DELETE FROM ledger_chainsegment")
        raw("UPDATE ledger_chainhead SET key_id = ''")
        raw("UPDATE ledger_journalline SET amount = amount * 10 WHERE entry_id = %s", [chain[3].pk])
        reforge(key=None)
        report = verify_ledger()
    found = problems(report)
    # then every entry verifies as legacy - and the report says how many there are - but the
    # checkpoint shows that the segments and the chain changed
    assert report.legacy_entries == 5
    assert has(found, "chain_segments_changed", seq=5)
    assert has(found, "chain_fork", seq=5)


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_segment_without_its_keys_mac_is_found(chain):
    with underneath():
        raw("UPDATE ledger_chainsegment SET mac = %s", ["0" * 64])
        found = problems()
    assert has(found, "chain_segment", "does not carry its key's MAC", seq=1)


# --------------------------------------------------------------------------------------------
# legacy entries (databases posted before the chain was keyed)
# --------------------------------------------------------------------------------------------
def _make_legacy():
    """The books as an old database holds them: no segment, every hash unkeyed (what the
    migration leaves, without re-keying anything)."""
    raw("DELETE FROM ledger_chainsegment")
    raw("UPDATE ledger_chainhead SET key_id = ''")
    reforge(key=None)


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_legacy_entries_are_verified_as_such_and_counted_and_keying_starts_after_them(chain):
    with underneath():
        _make_legacy()
        report = verify_ledger()
        assert problems(report) == []
        assert (report.legacy_entries, report.chain_segments) == (5, 0)
        status, out = _verify_command()
        assert "legacy entries (hashed without a key)" in out

        # when the next posting comes (the PostgreSQL single path answers 'rekey' and opens the
        # first segment through the batch path)
        transfer("1002", "3101", "7.00", day=DAY, key="c6")
        # then the segment starts at entry 6; entries 1..5 stay legacy, never re-keyed
        assert list(ChainSegment.objects.values_list("first_seq", flat=True)) == [6]
        report = verify_ledger()
        assert problems(report) == []
        assert (report.legacy_entries, report.chain_segments) == (5, 1)
        # and a legacy entry altered underneath is still found (its hash no longer matches)
        raw("UPDATE ledger_journalentry SET memo = 'x' WHERE seq = 2")
        assert has(problems(), "entry_content_hash", seq=2)


def _verify_command() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_ledger", stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


# --------------------------------------------------------------------------------------------
# rotation
# --------------------------------------------------------------------------------------------
def test_rotation_opens_a_segment_and_verification_needs_every_key(chain, settings):
    old = keyring().current
    # given the new key configured and the old one kept for verification
    settings.LEDGER_CHAIN_KEY = NEW_KEY
    settings.LEDGER_CHAIN_OLD_KEYS = [old.secret.decode()]
    # postings before the rotation still use the open segment's (old) key
    transfer("1002", "3101", "6.00", day=DAY, key="r6")
    assert ChainHead.objects.get().key_id == old.id
    out = StringIO()
    call_command("rotate_chain_key", stdout=out)
    assert "entries from 7 on are keyed with key" in out.getvalue()
    e7 = transfer("1002", "3101", "7.00", day=DAY, key="r7")
    assert list(ChainSegment.objects.values_list("first_seq", "key_id")) == [
        (1, old.id),
        (7, make_key(NEW_KEY).id),
    ]
    assert e7.hash == hashing.entry_hash(
        prev_hash=e7.prev_hash,
        seq=7,
        idempotency_key=e7.idempotency_key,
        content=e7.content_hash,
        posted_by_id=e7.posted_by_id,
        posted_at=JournalEntry.objects.get(seq=7).posted_at,
        key=make_key(NEW_KEY),
    )
    # rotating again with the same key does nothing
    out = StringIO()
    call_command("rotate_chain_key", stdout=out)
    assert "nothing to do" in out.getvalue()
    report = verify_ledger()
    assert report.ok, report.problems
    assert report.chain_segments == 2
    # without the old key the first segment cannot be verified, and says which key it needs
    settings.LEDGER_CHAIN_OLD_KEYS = []
    found = problems()
    assert has(found, "chain_key_missing", old.id, seq=1)
    # and a posting whose open segment's key is configured nowhere is refused
    settings.LEDGER_CHAIN_KEY = "yet-another-key-nobody-wrote-down-0123456789"
    with pytest.raises(ChainKeyMissing):
        transfer("1002", "3101", "8.00", day=DAY, key="r8")
    assert not JournalEntry.objects.filter(idempotency_key="r8").exists()


# --------------------------------------------------------------------------------------------
# checkpoints outside the database
# --------------------------------------------------------------------------------------------
def test_a_checkpoint_is_appended_as_a_signed_json_line_only_when_the_head_moved(
    chain, checkpoint_dir
):
    out = StringIO()
    call_command("ledger_checkpoint", stdout=out)
    assert "checkpoint: entry 5" in out.getvalue()
    call_command("ledger_checkpoint", stdout=StringIO())  # head unchanged: nothing written
    extra = transfer("1002", "3101", "9.00", day=DAY, key="k6")
    call_command("ledger_checkpoint", stdout=StringIO())
    lines = (checkpoint_dir / "checkpoints.jsonl").read_text().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [5, 6]
    last = json.loads(lines[-1])
    assert last["hash"] == extra.hash
    assert last["segments"] == [[1, keyring().current.id]]
    assert set(last) == {"seq", "hash", "at", "key_id", "segments", "mac"}
    report = verify_ledger()
    assert report.ok and report.checkpoint_seq == 6


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_cut_tail_shows_against_the_checkpoint(chain, checkpoint_dir):
    checkpoints.record()
    # when the last entry is deleted and the head moved back (its balances recomputed)
    with underneath():
        raw("DELETE FROM ledger_journalline WHERE entry_id = %s", [chain[-1].pk])
        raw("DELETE FROM ledger_journalentry WHERE id = %s", [chain[-1].pk])
        reforge(key=keyring().current, from_seq=99)  # balances and head only
        found = problems()
    # then the books verify in themselves, but are behind the checkpoint
    assert kinds(found) == {"chain_cut"}, found
    assert has(found, "chain_cut", "the books end at entry 4", seq=5)


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_cut_tail_shows_even_with_the_key(chain, checkpoint_dir, settings):
    # an insider holding the key rewrites the last entry's amount: the chain verifies in
    # itself, but the entry at the checkpoint has another hash
    checkpoints.record()
    with underneath():
        raw("UPDATE ledger_journalline SET amount = amount * 2 WHERE entry_id = %s", [chain[-1].pk])
        reforge(key=keyring().current, from_seq=5)
        found = problems()
    assert kinds(found) == {"chain_fork"}, found


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_forged_checkpoint_line_and_a_disagreeing_database(chain, checkpoint_dir):
    checkpoints.record()
    file = checkpoint_dir / "checkpoints.jsonl"
    # a line appended by someone without the key does not count, and is reported
    forged = json.loads(file.read_text().splitlines()[-1])
    forged.update(seq=2, hash=JournalEntry.objects.get(seq=2).hash, mac="0" * 64)
    with file.open("a") as f:
        f.write(json.dumps(forged) + "\n")
    report = verify_ledger()
    assert has(problems(report), "checkpoint_invalid", "1 line(s)")
    assert report.checkpoint_seq == 5
    # and no checkpoint is written over a database that no longer agrees with the latest one
    with underneath():
        raw("DELETE FROM ledger_journalline WHERE entry_id = %s", [chain[-1].pk])
        raw("DELETE FROM ledger_journalentry WHERE id = %s", [chain[-1].pk])
        raw("UPDATE ledger_chainhead SET last_seq = 4, last_hash = %s", [chain[-2].hash])
        with pytest.raises(CommandError, match="no longer agree"):
            call_command("ledger_checkpoint", "--force", stdout=StringIO())


def test_a_checkpoint_after_every_commit_when_configured(
    chain, checkpoint_dir, settings, django_capture_on_commit_callbacks
):
    settings.LEDGER_CHECKPOINT_ON_COMMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        extra = transfer("1002", "3101", "3.00", day=DAY, key="oc6")
    latest, bad = checkpoints.latest()
    assert bad == 0 and (latest.seq, latest.hash) == (6, extra.hash)


def test_the_checkpoint_task_writes_through_celery(chain, checkpoint_dir):
    from ledger.tasks import checkpoint

    assert checkpoint.delay().get() == 5
    assert checkpoint.delay().get() is None


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_segments_key_for_answers_legacy_before_the_first_segment(chain):
    assert segments.key_for(1) == keyring().current
    with underneath():
        raw("UPDATE ledger_chainsegment SET first_seq = 3")
        assert segments.key_for(2) is None
        assert segments.key_for(3) == keyring().current
