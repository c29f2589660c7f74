"""Encryption at rest for resident ID numbers and bank account numbers.

* ``encrypt`` / ``decrypt``: Fernet (AES-128-CBC + HMAC-SHA256, random IV, from the
  ``cryptography`` package). The same plain text encrypts differently every time, so the
  ciphertext column tells nothing, not even equality.
* ``lookup_hash``: a keyed HMAC-SHA256 beside each ciphertext, for look-up and de-duplication.
  It is keyed (not a bare SHA-256) because an 18-digit ID number has so little entropy that a
  plain hash could be reversed by trying every birth date and sequence number.

Both keys are derived with HKDF from one secret, ``FIELD_ENCRYPTION_KEY`` (a Fernet key:
urlsafe base64 of 32 bytes; ``python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"``), read from settings or the environment. Without it, a
developer machine (DEBUG) derives one from ``SECRET_KEY`` so that the project works out of the
box; anywhere else the first use raises ``ImproperlyConfigured``: data encrypted under a key
nobody wrote down would be lost.

Losing the key loses every encrypted number. Keep it out of the database backups' reach
(docs/operations.md, "Keys": escrow and rotation).

Rotation without downtime (MultiFernet): the new key goes into ``FIELD_ENCRYPTION_KEY``, the
old ones into ``FIELD_ENCRYPTION_OLD_KEYS`` (comma-separated). New numbers are encrypted under
the new key; numbers under an old key still read; ``manage.py rotate_field_key`` re-encrypts
every stored number in batches, after which the old keys can be dropped.

The look-up hash is keyed separately, by ``FIELD_HASH_KEY`` when it is set and otherwise by
the key derived from ``FIELD_ENCRYPTION_KEY`` (what every installation used before rotation
existed). A rotation must not change it: hashes are stored in rows the ledger's guards freeze
(a payment's account hash), and duplicate checks compare them. So the first rotation pins it:
``FIELD_HASH_KEY`` is set to the key in use before ``FIELD_ENCRYPTION_KEY`` changes.
:func:`key_problems` compares a stored number's hash with its decrypted value, so a rotation
done without pinning is refused (``check``, the rotation command) instead of silently breaking
every duplicate check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_SETTING = "FIELD_ENCRYPTION_KEY"
OLD_KEYS_SETTING = "FIELD_ENCRYPTION_OLD_KEYS"
HASH_KEY_SETTING = "FIELD_HASH_KEY"


def _debug() -> bool:
    # pytest-django forces settings.DEBUG off during tests, so the environment (what the settings
    # module itself reads) is consulted too: DEBUG=1 marks a developer or test machine.
    env = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(settings.DEBUG) or env


def _configured_key() -> str:
    return _setting(KEY_SETTING)


def _setting(name: str) -> str:
    value = getattr(settings, name, "") or os.environ.get(name, "")
    if isinstance(value, (list, tuple)):
        value = ",".join(value)
    return str(value).strip()


def _old_secrets() -> tuple[str, ...]:
    return tuple(k.strip() for k in _setting(OLD_KEYS_SETTING).split(",") if k.strip())


@lru_cache(maxsize=16)
def _derive(secret: str, setting: str = KEY_SETTING) -> tuple[Fernet, bytes]:
    try:
        raw = base64.urlsafe_b64decode(secret.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            f"{setting} is not urlsafe base64; generate one with "
            '`python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"`.'
        ) from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{setting} must be urlsafe base64 of exactly 32 bytes (got {len(raw)})."
        )

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)

    fernet = Fernet(base64.urlsafe_b64encode(derive(b"fundapp field encryption v1")))
    return fernet, derive(b"fundapp lookup hash v1")


@lru_cache(maxsize=8)
def _keys(
    secret: str, old: tuple[str, ...] = (), hash_secret: str = ""
) -> tuple[MultiFernet, bytes, Fernet]:
    """(every key, the current first; the look-up hash key; the current key alone)."""
    current, hkey = _derive(secret)
    olds = [_derive(k, OLD_KEYS_SETTING)[0] for k in old if k != secret]
    if hash_secret:
        hkey = _derive(hash_secret, HASH_KEY_SETTING)[1]
    return MultiFernet([current, *olds]), hkey, current


def _active() -> tuple[MultiFernet, bytes, Fernet]:
    return _keys(_secret(), _old_secrets(), _setting(HASH_KEY_SETTING))


def _secret() -> str:
    key = _configured_key()
    if key:
        return key
    if _debug():
        digest = hashlib.sha256(f"fundapp-dev-field-key:{settings.SECRET_KEY}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")
    raise ImproperlyConfigured(
        f"{KEY_SETTING} must be set when DEBUG is off: resident ID and bank account numbers are "
        'encrypted with it. Generate one with `python -c "from cryptography.fernet import '
        'Fernet; print(Fernet.generate_key().decode())"`, put it in the environment (or .env) '
        "and keep a copy in a safe place: without it the stored numbers cannot be read."
    )


def encrypt(plain: str) -> str:
    """Encrypted under the current key (``FIELD_ENCRYPTION_KEY``)."""
    fernet, _hkey, _current = _active()
    return fernet.encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypted by whichever configured key (current or old) it was encrypted with."""
    fernet, _hkey, _current = _active()
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"A stored number cannot be decrypted: neither {KEY_SETTING} nor any key in "
            f"{OLD_KEYS_SETTING} is the key it was encrypted with."
        ) from exc


def needs_rotation(token: str) -> bool:
    """True when ``token`` is not (yet) encrypted under the current key."""
    _fernet, _hkey, current = _active()
    try:
        current.decrypt(token.encode("ascii"))
    except InvalidToken:
        return True
    return False


def rotate(token: str) -> str:
    """``token`` re-encrypted under the current key (same plain text; MultiFernet.rotate)."""
    fernet, _hkey, _current = _active()
    try:
        return fernet.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"A stored number cannot be re-encrypted: no configured key ({KEY_SETTING}, "
            f"{OLD_KEYS_SETTING}) decrypts it."
        ) from exc


def lookup_hash(kind: str, plain: str) -> str:
    """Keyed hash of a normalised value; ``kind`` separates domains (an ID number and a bank
    account with the same digits hash differently)."""
    _fernet, hkey, _current = _active()
    return hmac.new(hkey, f"{kind}:{plain}".encode(), hashlib.sha256).hexdigest()


def key_problems(samples) -> list[str]:
    """What is wrong with the configured keys, judged on stored rows: ``samples`` are
    ``(kind, token, stored_hash)`` triples (a few of each kind are enough). A token no key
    decrypts means a key is missing; a hash that differs from its decrypted value means the
    look-up hash key changed (``FIELD_HASH_KEY`` not pinned before a rotation)."""
    problems = []
    for kind, token, stored in samples:
        try:
            plain = decrypt(token)
        except ImproperlyConfigured:
            problems.append(
                f"a stored {kind} number is not decrypted by {KEY_SETTING} or any key in "
                f"{OLD_KEYS_SETTING}: the key it was encrypted with is missing"
            )
            continue
        if stored and lookup_hash(kind, plain) != stored:
            problems.append(
                f"a stored {kind} number's look-up hash was made with another key: set "
                f"{HASH_KEY_SETTING} to the {KEY_SETTING} in use before the rotation (duplicate "
                "checks and payments compare these hashes)"
            )
    return sorted(set(problems))


# --------------------------------------------------------------------------------------------
# masked display
# --------------------------------------------------------------------------------------------
# The mask keeps the first 4 characters (province and prefecture) and the last 2 (the 17th
# digit and the check character), and hides the rest: the county, the birth date and the first
# two digits of the sequence. Why this one:
# * the old 6+4 mask hid exactly the birth date, which many screens showed beside it, so the two
#   together were the whole number. Hiding two sequence digits as well means the birth date
#   alone no longer fills the gap: 100 sequences x the county codes of the prefecture remain.
# * the check character alone does not give the rest back: it is one of 11 values, so it cuts
#   the candidates by 11 at most. With the birth date known (the worst case: it is never shown
#   beside a mask, but a colleague may know it) about 100 / 11 ~ 9 numbers per county remain;
#   with only the age or the birth year shown (what screens may show), 365 x 100 / 11 ~ 3,300 per
#   county (tests/approvals/test_privacy.py counts them).
# * the public case-status look-up asks for the last 6 characters as its secret; showing only
#   the last 2 to staff keeps 4 of them hidden (the old mask showed 4 of the 6).
# * staff still tell members apart (names, relation) and compare the last two characters with
#   the ID card; the whole number comes only through the audited reveal.
ID_MASK_HEAD = 4
ID_MASK_TAIL = 2


def mask_id_number(plain: str) -> str:
    """``110105194912310021`` -> ``1101************21`` (first four and last two only)."""
    if len(plain) <= ID_MASK_HEAD + ID_MASK_TAIL + 6:
        return "*" * len(plain)
    hidden = len(plain) - ID_MASK_HEAD - ID_MASK_TAIL
    return plain[:ID_MASK_HEAD] + "*" * hidden + plain[-ID_MASK_TAIL:]


def mask_bank_account(last4: str) -> str:
    """Only the last four digits are ever shown: ``**** 1234``."""
    return f"**** {last4}" if last4 else ""


def mask_name(name: str, mode: str) -> str:
    """Public-notice name: ``mask`` 张*明 / 张*, ``surname`` 张**, ``hide`` (empty)."""
    name = (name or "").strip()
    if mode == "hide" or not name:
        return ""
    if mode == "surname":
        return name[0] + "*" * max(1, len(name) - 1)
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
