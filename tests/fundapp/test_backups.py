"""Backups and their restore check (issue 12, point 7), on both engines: a backup restores into
books that verify; a copy behind the latest checkpoint written outside the database is reported
stale; a damaged file is refused; and (SQLite) a plain file copy of a WAL-mode database, which
misses what is still in the ``-wal`` file, is caught as stale while the online backup is not."""

import json
import shutil
import sqlite3
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from fundapp import backups
from ledger import checkpoints
from tests.ledger.factories import transfer

DAY = date(2025, 3, 10)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def folders(settings, tmp_path):
    settings.LEDGER_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.BACKUP_DIR = tmp_path / "backups"
    return tmp_path


def post(n: int, start: int = 1) -> None:
    for i in range(start, start + n):
        transfer("1002", "3101", f"{i}.00", day=DAY, key=f"bk{i}")


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def test_a_backup_restores_into_verified_books_and_a_later_one_makes_it_stale(
    transactional_db, folders
):
    # given three entries, a checkpoint and a backup
    post(3)
    checkpoints.record()
    status, out = run("backup")
    assert status == 0, out
    [dump] = [p for p in (folders / "backups").iterdir() if not p.name.endswith(".json")]
    manifest = json.loads(dump.with_name(dump.name + ".json").read_text())
    assert manifest["head_seq"] == 3 and manifest["engine"] == connection.vendor
    assert len(manifest["sha256"]) == 64
    # then it restores into books that verify, as current as the checkpoint
    status, out = run("restore_check", str(dump))
    assert status == 0, out
    assert "OK: the backup restores into verified books." in out
    assert "chain head of the copy: entry 3; latest external checkpoint: 3" in out

    # when two more entries are posted and checkpointed
    post(2, start=4)
    checkpoints.record()
    # then the same backup is stale: its head is behind the checkpoint
    result = backups.restore_check(dump)
    assert result.stale and not result.ok
    assert (result.head_seq, result.checkpoint_seq) == (3, 5)
    status, out = run("restore_check", str(dump))
    assert status == 1
    assert "STALE: the copy ends at entry 3, behind the checkpoint at entry 5" in out
    assert "[chain_cut]" in out


def test_a_damaged_backup_does_not_check_out(transactional_db, folders):
    post(2)
    done = backups.backup()
    with done.path.open("r+b") as f:
        f.seek(done.path.stat().st_size - 10)
        f.write(b"\x00" * 10)
    status, out = run("restore_check", str(done.path))
    assert status == 1
    assert "does not match its manifest" in out


def test_a_file_that_is_no_backup_is_refused(transactional_db, folders, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("not a database")
    status, out = run("restore_check", str(other))
    assert status != 0 and "neither a pg_dump custom-format file nor a SQLite database" in out


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite half: WAL files")
def test_a_plain_copy_of_a_wal_mode_database_loses_data_and_is_caught_as_stale(
    transactional_db, folders, tmp_path
):
    # given a live WAL-mode database whose main file holds 3 entries and whose -wal file holds
    # the 2 posted after them (not yet checkpointed into the main file), and a checkpoint of the
    # chain head at entry 5 outside the database
    post(3)
    early = backups.backup()
    post(2, start=4)
    checkpoints.record()
    late = backups.backup()
    live = tmp_path / "live.sqlite3"
    shutil.copyfile(early.path, live)
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        source = sqlite3.connect(late.path)
        source.backup(conn)  # written through the live database's pager: into its -wal file
        source.close()
        assert conn.execute("SELECT last_seq FROM ledger_chainhead").fetchone() == (5,)
        assert (tmp_path / "live.sqlite3-wal").stat().st_size > 0

        # when the database is copied as a plain file (what the operator did)
        plain = tmp_path / "plain-copy.sqlite3"
        shutil.copyfile(live, plain)
        # and also with the online backup API, as `manage.py backup` does
        online = tmp_path / "online.sqlite3"
        target = sqlite3.connect(online)
        conn.backup(target)
        target.close()
    finally:
        conn.close()

    # then the plain copy lost the last two entries and is reported stale
    lost = backups.restore_check(plain)
    assert (lost.head_seq, lost.checkpoint_seq, lost.stale) == (3, 5, True)
    # and the online backup holds everything
    kept = backups.restore_check(online)
    assert (kept.head_seq, kept.stale) == (5, False)
    assert kept.report["ok"], kept.report["problems"]
