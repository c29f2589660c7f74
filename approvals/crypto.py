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
def mask_id_number(plain: str) -> str:
    """``110105194912310021`` -> ``110105********0021`` (region and last four only)."""
    if len(plain) <= 10:
        return "*" * len(plain)
    return plain[:6] + "*" * (len(plain) - 10) + plain[-4:]


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
