"""The chain head written outside the database, so that a cut tail or a stale copy shows.

A checkpoint is one JSON line appended to ``LEDGER_CHECKPOINT_DIR/checkpoints.jsonl``::

    {"seq": 1234, "hash": "…", "at": "2026-03-01T08:00:00Z", "key_id": "…",
     "segments": [[1, "…"]], "mac": "…"}

the chain head (entry number and hash), when it was taken, the chain's segments up to it
(``ledger.chainkeys``) and an HMAC of all that under the current chain key, so a line cannot be
written by someone without the key. The file is only ever appended to (``O_APPEND``, one
``write`` per line, ``fsync`` of the file and, when it is created, of its folder); keep the
folder on other storage than the database's (another disk, a mounted share, a WORM bucket's
sync folder) and out of the database role's reach.

Who writes one: ``manage.py ledger_checkpoint`` (from cron), the Celery task
``ledger.checkpoint`` (``celery -A fundapp beat`` runs it every ``LEDGER_CHECKPOINT_EVERY``
seconds), and, with ``LEDGER_CHECKPOINT_ON_COMMIT``, every posting after its commit.

``verify_ledger`` (``compare``) reads the latest valid checkpoint and reports a database whose
head is behind it (``chain_cut``: a tail was deleted, or the database is a stale copy), whose
entry at the checkpoint's number has another hash (``chain_fork``: the chain was rewritten), or
whose segments up to it differ (``chain_segments_changed``: a keyed segment deleted or moved, to
pass keyed entries off as legacy). A line whose MAC does not verify is ``checkpoint_invalid``.
Before writing, ``record`` checks the latest checkpoint the same way and refuses to write over a
database that no longer agrees with it (``CheckpointMismatch``).
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .chainkeys import ChainKeyMissing, keyring
from .exceptions import LedgerError
from .models import GENESIS_HASH, ChainHead, ChainSegment, EntryStatus, JournalEntry

FILE_NAME = "checkpoints.jsonl"
_TAIL = 64 * 1024  # bytes read from the end of the file to find the latest line


class CheckpointMismatch(LedgerError):
    """The database no longer agrees with the latest checkpoint: nothing is written over it."""

    code = "ledger_integrity"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    segments: list[list]
    mac: str

    def body(self) -> str:
        data = {
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "key_id": self.key_id,
            "segments": self.segments,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def line(self) -> str:
        data = json.loads(self.body())
        data["mac"] = self.mac
        return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"

    def valid(self) -> bool:
        try:
            key = keyring().get(self.key_id)
        except ChainKeyMissing:
            return False
        return hmac.compare_digest(key.mac("checkpoint|" + self.body()), self.mac)


def folder() -> Path | None:
    value = getattr(settings, "LEDGER_CHECKPOINT_DIR", "") or ""
    return Path(value) if str(value) else None


def path() -> Path | None:
    base = folder()
    return None if base is None else base / FILE_NAME


def _parse(text: str) -> Checkpoint | None:
    try:
        data = json.loads(text)
        return Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            at=str(data["at"]),
            key_id=str(data["key_id"]),
            segments=[[int(a), str(b)] for a, b in data["segments"]],
            mac=str(data["mac"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def latest(file: Path | None = None) -> tuple[Checkpoint | None, int]:
    """The latest checkpoint line of ``file`` (default: the configured one) that parses, and how
    many lines at the end did not parse or verify (a torn last write, or a forged line)."""
    file = file or path()
    if file is None or not file.exists():
        return None, 0
    with file.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - _TAIL))
        tail = f.read().decode("utf-8", errors="replace").splitlines()
    bad = 0
    for text in reversed(tail):
        if not text.strip():
            continue
        found = _parse(text)
        if found is not None and found.valid():
            return found, bad
        bad += 1
    return None, bad


def _segments_upto(seq: int) -> list[list]:
    return [
        [first, key_id]
        for first, key_id in ChainSegment.objects.filter(first_seq__lte=seq)
        .order_by("first_seq")
        .values_list("first_seq", "key_id")
    ]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    seq: int | None = None


def compare(checkpoint: Checkpoint) -> list[Finding]:
    """What differs between the database and ``checkpoint`` (empty: it agrees)."""
    head = ChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    head_seq, head_hash = head if head is not None else (0, GENESIS_HASH)
    last = (
        JournalEntry.objects.filter(status=EntryStatus.POSTED)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    ) or 0
    found: list[Finding] = []
    top = max(head_seq, last)
    if top < checkpoint.seq:
        found.append(
            Finding(
                "chain_cut",
                _(
                    "the books end at entry %(head)s but the checkpoint taken outside the "
                    "database at %(at)s recorded entry %(seq)s: entries were removed from the "
                    "end, or this is a stale copy of the books"
                )
                % {"head": top, "at": checkpoint.at, "seq": checkpoint.seq},
                checkpoint.seq,
            )
        )
        return found
    if checkpoint.seq:
        stored = (
            JournalEntry.objects.filter(seq=checkpoint.seq).values_list("hash", flat=True).first()
        )
        if stored != checkpoint.hash:
            found.append(
                Finding(
                    "chain_fork",
                    _(
                        "entry %(seq)s has hash %(stored)s... but the checkpoint taken outside "
                        "the database at %(at)s recorded %(hash)s...: the chain was rewritten"
                    )
                    % {
                        "seq": checkpoint.seq,
                        "stored": (stored or "-")[:12],
                        "at": checkpoint.at,
                        "hash": checkpoint.hash[:12],
                    },
                    checkpoint.seq,
                )
            )
    if _segments_upto(checkpoint.seq) != checkpoint.segments:
        found.append(
            Finding(
                "chain_segments_changed",
                _(
                    "the chain's keyed segments up to entry %(seq)s are %(now)s but the "
                    "checkpoint taken at %(at)s recorded %(then)s: a segment was deleted or "
                    "moved (keyed entries passed off as legacy)"
                )
                % {
                    "seq": checkpoint.seq,
                    "now": _segments_upto(checkpoint.seq) or "-",
                    "at": checkpoint.at,
                    "then": checkpoint.segments or "-",
                },
                checkpoint.seq,
            )
        )
    return found


def _append(file: Path, line: str) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    created = not file.exists()
    fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(file.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def record(*, force: bool = False, file: Path | None = None) -> Checkpoint | None:
    """Append the chain head as a checkpoint; None when nothing is configured or (unless
    ``force``) the head has not moved since the latest checkpoint.

    Refuses (``CheckpointMismatch``) when the database no longer agrees with the latest
    checkpoint: writing the new head would bless a rewritten chain."""
    file = file or path()
    if file is None:
        return None
    previous, _bad = latest(file)
    if previous is not None:
        problems = compare(previous)
        if problems:
            raise CheckpointMismatch(" ".join(p.message for p in problems))
    head = ChainHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    seq, digest = head if head is not None else (0, GENESIS_HASH)
    if previous is not None and previous.seq == seq and not force:
        return None
    key = keyring().current
    unsigned = Checkpoint(
        seq=seq,
        hash=digest,
        at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        key_id=key.id,
        segments=_segments_upto(seq),
        mac="",
    )
    checkpoint = Checkpoint(
        **{**unsigned.__dict__, "mac": key.mac("checkpoint|" + unsigned.body())}
    )
    _append(file, checkpoint.line())
    return checkpoint


def record_after_commit() -> None:
    """The hook run after a posting commits (``LEDGER_CHECKPOINT_ON_COMMIT``): a checkpoint
    that cannot be written is logged, never raised into the request that posted."""
    import logging

    try:
        record()
    except Exception:  # noqa: BLE001 - a posting that committed must not fail afterwards
        logging.getLogger(__name__).exception("ledger checkpoint after commit failed")


__all__ = [
    "Checkpoint",
    "CheckpointMismatch",
    "Finding",
    "compare",
    "latest",
    "path",
    "record",
    "record_after_commit",
]
