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

Losing the key loses every encrypted number; changing it requires re-encrypting (not provided
yet). Keep it out of the database backups' reach.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_SETTING = "FIELD_ENCRYPTION_KEY"


def _debug() -> bool:
    # pytest-django forces settings.DEBUG off during tests, so the environment (what the settings
    # module itself reads) is consulted too: DEBUG=1 marks a developer or test machine.
    env = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
    return bool(settings.DEBUG) or env


def _configured_key() -> str:
    return (getattr(settings, KEY_SETTING, "") or os.environ.get(KEY_SETTING, "")).strip()


@lru_cache(maxsize=8)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    try:
        raw = base64.urlsafe_b64decode(secret.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured(
            f"{KEY_SETTING} is not urlsafe base64; generate one with "
            '`python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"`.'
        ) from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"{KEY_SETTING} must be urlsafe base64 of exactly 32 bytes (got {len(raw)})."
        )

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)

    fernet = Fernet(base64.urlsafe_b64encode(derive(b"fundapp field encryption v1")))
    return fernet, derive(b"fundapp lookup hash v1")


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
    fernet, _hkey = _keys(_secret())
    return fernet.encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    fernet, _hkey = _keys(_secret())
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"A stored number cannot be decrypted: {KEY_SETTING} is not the key it was "
            "encrypted with."
        ) from exc


def lookup_hash(kind: str, plain: str) -> str:
    """Keyed hash of a normalised value; ``kind`` separates domains (an ID number and a bank
    account with the same digits hash differently)."""
    _fernet, hkey = _keys(_secret())
    return hmac.new(hkey, f"{kind}:{plain}".encode(), hashlib.sha256).hexdigest()


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
