"""Backups that are consistent, and a check that a backup restores into verified books.

``backup()`` writes ``BACKUP_DIR/fundapp-<UTC time>.<ext>`` and a sidecar manifest
``<file>.json`` (engine, time, size, SHA-256 of the file, and the chain head the copy holds):

* PostgreSQL: ``pg_dump --format=custom`` run on a snapshot exported from a transaction that
  also reads the chain head, so the manifest's head is exactly the dump's;
* SQLite: the online backup API (``sqlite3.Connection.backup``) through the app's own
  connection: a consistent copy even in WAL mode, where a plain file copy misses what is still
  in the ``-wal`` file (the issue's lost 50 donations).

``restore_check(file)`` checks the file against its manifest (size, SHA-256), restores it into a
scratch database (PostgreSQL: a new database and ``pg_restore``; SQLite: a temporary copy), runs
``verify_ledger --json`` against it in a child process with the same chain keys and checkpoint
folder, and drops the scratch. The copy is **stale** when its chain head is behind the latest
checkpoint written outside the database (``ledger.checkpoints``): restoring it would lose
postings the checkpoint proves were made. The result says so beside verify_ledger's findings.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from ledger.chainkeys import keyring
from ledger.models import GENESIS_HASH

MANIFEST_SUFFIX = ".json"
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or a restore check that could not run (a missing tool, a damaged file)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest_path: Path
    manifest: dict


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{args[0]} is not installed (Debian: postgresql-client)") from exc
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()}")


def _head_of_sqlite(path: Path) -> tuple[int, str]:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT last_seq, last_hash FROM ledger_chainhead WHERE id = 1"
        ).fetchone()
    conn.close()
    return tuple(row) if row else (0, GENESIS_HASH)


def backup(*, folder: Path | None = None) -> Backup:
    """Write a consistent backup of the default database and its manifest into ``folder``."""
    folder = Path(folder or settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    vendor = connection.vendor
    if vendor == "postgresql":
        path = folder / f"fundapp-{stamp}.dump"
        db = connection.settings_dict
        with transaction.atomic(), connection.cursor() as cursor:
            # The dump and the head read from one snapshot.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT last_seq, last_hash FROM ledger_chainhead WHERE id = 1")
            row = cursor.fetchone()
            head = tuple(row) if row else (0, GENESIS_HASH)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={path}",
                    f"--dbname={db['NAME']}",
                ],
                _pg_env(db),
            )
    elif vendor == "sqlite":
        path = folder / f"fundapp-{stamp}.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        head = _head_of_sqlite(path)
    else:  # pragma: no cover - exactly these two engines
        raise BackupError(f"no backup for {vendor}")
    manifest = {
        "file": path.name,
        "engine": vendor,
        "created_at": datetime.now(UTC).isoformat(),
        "size": path.stat().st_size,
        "sha256": _sha256(path),
        "head_seq": head[0],
        "head_hash": head[1],
    }
    manifest_path = path.with_name(path.name + MANIFEST_SUFFIX)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Backup(path=path, manifest_path=manifest_path, manifest=manifest)


@dataclass
class RestoreCheck:
    file: Path
    engine: str
    manifest: dict | None
    problems: list[str] = field(default_factory=list)  # the check's own (file, manifest, stale)
    report: dict | None = None  # verify_ledger's JSON report on the restored copy
    head_seq: int | None = None
    checkpoint_seq: int | None = None
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.report and self.report.get("ok"))


def _engine_of(path: Path) -> str:
    with path.open("rb") as f:
        start = f.read(16)
    if start.startswith(PG_MAGIC):
        return "postgresql"
    if start == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{path} is neither a pg_dump custom-format file nor a SQLite database")


def _verify_env(database_url: str) -> dict[str, str]:
    """The child's environment: the scratch database, and this process's chain keys and
    checkpoint folder (which the tests and the operator may have set in settings only)."""
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    ring = keyring()
    env["LEDGER_CHAIN_KEY"] = ring.current.secret.decode("utf-8")
    env["LEDGER_CHAIN_OLD_KEYS"] = ",".join(
        k.secret.decode("utf-8") for k in ring.keys.values() if k.id != ring.current.id
    )
    env["LEDGER_CHECKPOINT_DIR"] = str(getattr(settings, "LEDGER_CHECKPOINT_DIR", "") or "")
    return env


def _verify(database_url: str) -> dict:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "verify_ledger", "--json", "--no-record",
         "--progress-every", "0"],
        env=_verify_env(database_url),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    try:
        return json.loads(done.stdout)
    except ValueError as exc:
        raise BackupError(f"verify_ledger did not run on the restored copy: {done.stderr}") from exc


def _pg_url(db: dict, name: str) -> str:
    from urllib.parse import quote

    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{name}"


def restore_check(file: Path) -> RestoreCheck:
    """Restore ``file`` into a scratch database, verify it there, compare it with the latest
    external checkpoint, and drop the scratch (see the module docstring)."""
    file = Path(file)
    if not file.exists():
        raise BackupError(f"{file} does not exist")
    engine = _engine_of(file)
    manifest_path = file.with_name(file.name + MANIFEST_SUFFIX)
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    )
    result = RestoreCheck(file=file, engine=engine, manifest=manifest)
    if manifest is None:
        result.problems.append(
            _("no manifest %(name)s: the file cannot be checked against it")
            % {"name": manifest_path.name}
        )
    elif manifest.get("sha256") != _sha256(file) or manifest.get("size") != file.stat().st_size:
        result.problems.append(
            _("the file does not match its manifest (size or SHA-256): it was damaged or altered")
        )
    if engine == "postgresql" and connection.vendor != "postgresql":
        raise BackupError("a PostgreSQL dump is checked from a PostgreSQL deployment")
    try:
        result.report = _restore_and_verify(file, engine)
    except BackupError as exc:
        # A file that does not restore or verify at all: said beside what else was found.
        result.problems.append(str(exc))
        return result
    result.head_seq = result.report.get("head_seq")
    result.checkpoint_seq = result.report.get("checkpoint_seq")
    kinds = {p["kind"] for p in result.report.get("problems", [])}
    result.stale = "chain_cut" in kinds
    if (
        manifest is not None
        and result.head_seq is not None
        and manifest.get("head_seq") != result.head_seq
    ):
        result.problems.append(
            _("the restored chain ends at entry %(seq)s but the manifest says %(manifest)s")
            % {"seq": result.head_seq, "manifest": manifest.get("head_seq")}
        )
    return result


def _restore_and_verify(file: Path, engine: str) -> dict:
    """verify_ledger's report on ``file`` restored into a scratch database (dropped after)."""
    if engine == "postgresql":
        db = connection.settings_dict
        scratch = f"fundapp_restore_check_{secrets.token_hex(4)}"
        env = _pg_env(db)
        _run(["createdb", "--maintenance-db", db["NAME"], scratch], env)
        try:
            _run(
                ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch}", str(file)],
                env,
            )
            return _verify(_pg_url(db, scratch))
        finally:
            _run(["dropdb", "--force", "--maintenance-db", db["NAME"], scratch], env)
    with tempfile.TemporaryDirectory(prefix="fundapp-restore-check-") as tmp:
        copy = Path(tmp) / "restored.sqlite3"
        shutil.copyfile(file, copy)
        return _verify(f"sqlite:///{copy}")


__all__ = ["Backup", "BackupError", "RestoreCheck", "backup", "restore_check"]
