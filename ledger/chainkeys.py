"""The keys of the hash chain: a secret held outside the database, so that a database writer
cannot re-forge the chain.

An entry's hash is HMAC-SHA256 over what ``ledger.hashing`` chains (the previous hash, the
entry's number, key, content, who posted it and when), keyed with ``LEDGER_CHAIN_KEY``. Someone
who can write every table (the application's own role with its triggers disabled, a restored
and edited dump) can still change a row, but can no longer recompute its hash and every later
one: only who holds the key can.

**Segments.** The chain is cut into segments (``ChainSegment``): from entry ``first_seq`` on,
until the next segment, entries are keyed with the key whose id the segment names. A key's id
is a fingerprint of the key (an HMAC of a fixed text under it: it tells nothing about the key),
so the configuration never has to name keys. Entries before the first segment were posted
before the chain was keyed (old databases): they keep the *legacy* unkeyed SHA-256 and are
verified as such, never re-keyed; ``verify_ledger`` says how many there are. A new database's
first posting opens the first segment at entry 1, an old database's at the entry after its last
one. Each segment row carries a MAC under its own key, so a segment cannot be invented without
the key; one deleted or moved is found by comparing with the external checkpoints
(``ledger.checkpoints``), which record the segments.

**Rotation.** ``manage.py rotate_chain_key`` opens a new segment with the current key at the
next entry. To rotate: move the old key into ``LEDGER_CHAIN_OLD_KEYS`` (verification still needs
it), set the new one as ``LEDGER_CHAIN_KEY``, restart, run the command. Until the command runs,
postings go on under the old key (the open segment's key, found among the old keys); a posting
whose open segment's key is configured nowhere is refused (``ChainKeyMissing``): better no
posting than an entry nobody can verify.

**Configuration.** ``LEDGER_CHAIN_KEY`` is required outside DEBUG (``check --deploy`` refuses a
missing, short or placeholder key: ``fundapp.E002``); a developer machine (DEBUG) derives one
from ``SECRET_KEY``. Keep it like ``FIELD_ENCRYPTION_KEY``: backed up, away from the database's
backups.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from .exceptions import LedgerError

KEY_SETTING = "LEDGER_CHAIN_KEY"
OLD_KEYS_SETTING = "LEDGER_CHAIN_OLD_KEYS"
MIN_KEY_LENGTH = 32
# Values that are obviously not a secret (from .env.example and the docs).
PLACEHOLDERS = ("change-me", "changeme", "placeholder", "example", "secret")
_BLOCK = 64  # SHA-256's block size: the HMAC pads


class ChainKeyMissing(LedgerError):
    """The open segment's key is configured nowhere: nothing can be posted (or verified)."""

    code = "chain_key_missing"


@dataclass(frozen=True)
class ChainKey:
    """One chain key: its id (a fingerprint), its HMAC pads and SHA-256 states primed with them.

    ``mac`` is HMAC-SHA256 (RFC 2104: ``H(opad || H(ipad || message))``) from two SHA-256 states
    primed with the key's pads, copied per message: about a microsecond more than the legacy
    hash (``bench/chain_hash.py``; the ``hmac`` module's own copy costs three times that).
    ``ipad``/``opad`` (the key XOR the pads) also go to the PostgreSQL posting function, which
    computes the same HMAC with ``sha256()``; they are as secret as the key.
    """

    id: str
    secret: bytes = field(repr=False)
    pads: tuple[bytes, bytes] = field(repr=False)
    _inner: object = field(repr=False, compare=False)
    _outer: object = field(repr=False, compare=False)

    def mac(self, message: str) -> str:
        inner = self._inner.copy()
        inner.update(message.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def key_id(secret: bytes) -> str:
    return hmac.new(secret, b"fundapp ledger chain key id", hashlib.sha256).hexdigest()[:16]


def make_key(secret: str) -> ChainKey:
    raw = secret.encode("utf-8")
    block = hashlib.sha256(raw).digest() if len(raw) > _BLOCK else raw
    block = block.ljust(_BLOCK, b"\0")
    ipad, opad = bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
    return ChainKey(
        id=key_id(raw),
        secret=raw,
        pads=(ipad, opad),
        _inner=hashlib.sha256(ipad),
        _outer=hashlib.sha256(opad),
    )


def _debug() -> bool:
    # pytest-django forces settings.DEBUG off during tests; the environment marks a developer or
    # test machine as it does for the field encryption key (approvals.crypto).
    env = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(settings.DEBUG) or env


def key_problem(secret: str) -> str | None:
    """Why ``secret`` is not a usable chain key (None when it is)."""
    if not secret:
        return "not set"
    if len(secret) < MIN_KEY_LENGTH:
        return f"shorter than {MIN_KEY_LENGTH} characters"
    if any(word in secret.lower() for word in PLACEHOLDERS):
        return "a placeholder, not a secret"
    return None


@dataclass(frozen=True)
class Keyring:
    current: ChainKey
    keys: dict[str, ChainKey]

    def get(self, key_id: str) -> ChainKey:
        found = self.keys.get(key_id)
        if found is None:
            raise ChainKeyMissing(
                _(
                    "The ledger chain key with id %(id)s is not configured: set it as "
                    "LEDGER_CHAIN_KEY or list it in LEDGER_CHAIN_OLD_KEYS."
                )
                % {"id": key_id}
            )
        return found


@lru_cache(maxsize=8)
def _keyring(current: str, old: tuple[str, ...]) -> Keyring:
    keys = [make_key(s) for s in (current, *old) if s]
    return Keyring(current=keys[0], keys={k.id: k for k in reversed(keys)})


def keyring() -> Keyring:
    """The configured keys (the current one first); a development key with DEBUG."""
    current = (getattr(settings, KEY_SETTING, "") or os.environ.get(KEY_SETTING, "")).strip()
    old = getattr(settings, OLD_KEYS_SETTING, None)
    if old is None:
        old = [s for s in os.environ.get(OLD_KEYS_SETTING, "").split(",")]
    old = tuple(s.strip() for s in old if s and s.strip())
    if not current:
        if not _debug():
            raise ImproperlyConfigured(
                f"{KEY_SETTING} must be set when DEBUG is off: the ledger's hash chain is keyed "
                'with it. Generate one with python -c "import secrets; '
                'print(secrets.token_urlsafe(48))" and keep a backup away from the database.'
            )
        current = (
            "development-chain-key|"
            + hashlib.sha256(settings.SECRET_KEY.encode("utf-8")).hexdigest()
        )
    return _keyring(current, old)


def segment_mac(key: ChainKey, first_seq: int) -> str:
    """The MAC a segment row carries: only who holds its key can write a valid segment."""
    return key.mac(f"segment|{first_seq}|{key.id}")


__all__ = [
    "ChainKey",
    "ChainKeyMissing",
    "Keyring",
    "key_id",
    "key_problem",
    "keyring",
    "make_key",
    "segment_mac",
]
