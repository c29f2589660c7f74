"""Deployment checks of the fund's own secrets (run by ``manage.py check --deploy``).

Every key is checked for strength, not only presence: a key that is empty, short, made of few
different characters, a placeholder word, the development default, or any value written in
``.env.example`` (copied and never changed) is refused with an error naming the key and why.
"""

import base64
import binascii
import os
from functools import lru_cache

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from ledger.chainkeys import PLACEHOLDERS, key_problem

MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
DEVELOPMENT_VALUES = frozenset({"insecure-development-key-only-for-debug"})


@lru_cache(maxsize=1)
def _example_values() -> frozenset[str]:
    """Every value written in .env.example: never a real secret."""
    path = settings.BASE_DIR / ".env.example"
    values = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.lstrip().startswith("#") and value.strip():
                values.add(value.strip())
    return frozenset(values)


def secret_problem(value: str, *, min_length: int = MIN_SECRET_LENGTH) -> str | None:
    """Why ``value`` is not a usable secret (None when it is)."""
    value = (value or "").strip()
    if not value:
        return "not set"
    if value in _example_values() or value in DEVELOPMENT_VALUES:
        return "the example or development value, not a secret"
    if any(word in value.lower() for word in PLACEHOLDERS):
        return "a placeholder, not a secret"
    if len(value) < min_length:
        return f"shorter than {min_length} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"made of fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def fernet_problem(value: str) -> str | None:
    """Why ``value`` is not a usable Fernet key (32 random bytes, url-safe base64)."""
    problem = secret_problem(value, min_length=44)
    if problem:
        return problem
    try:
        raw = base64.urlsafe_b64decode(value.strip().encode())
    except (binascii.Error, ValueError):
        return "not url-safe base64 (a Fernet key)"
    if len(raw) != 32:
        return "not 32 bytes once decoded (a Fernet key)"
    if len(set(raw)) < 16:
        return "not random (too few different bytes)"
    return None


GENERATE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
GENERATE_FERNET = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


@register(Tags.security, deploy=True)
def key_strength(app_configs, **kwargs):
    """SECRET_KEY, RECEIPT_CHECK_KEY and FIELD_ENCRYPTION_KEY are real secrets (the chain key is
    checked in ``fund_secrets``: fundapp.E002)."""
    problems = []
    why = secret_problem(settings.SECRET_KEY, min_length=50)
    if why:
        problems.append(
            Error(
                f"SECRET_KEY is {why}: sessions, password resets and signed values depend on it.",
                hint=f"Generate one with {GENERATE_TOKEN}.",
                id="fundapp.E004",
            )
        )
    if settings.RECEIPT_CHECK_KEY:
        why = secret_problem(settings.RECEIPT_CHECK_KEY)
        if why:
            problems.append(
                Error(
                    f"RECEIPT_CHECK_KEY is {why}: anyone could compute a receipt's check code.",
                    hint=f"Generate one with {GENERATE_TOKEN} before the first receipt is "
                    "printed, and keep it.",
                    id="fundapp.E005",
                )
            )
    if settings.FIELD_ENCRYPTION_KEY:
        why = fernet_problem(settings.FIELD_ENCRYPTION_KEY)
        if why:
            problems.append(
                Error(
                    f"FIELD_ENCRYPTION_KEY is {why}: ID and bank numbers are encrypted with it.",
                    hint=f"Generate one with {GENERATE_FERNET} and keep a backup of it.",
                    id="fundapp.E006",
                )
            )
    for name in ("FIELD_HASH_KEY", "FIELD_ENCRYPTION_OLD_KEYS"):
        value = getattr(settings, name, "")
        for key in value if isinstance(value, (list, tuple)) else [value]:
            why = fernet_problem(key) if key else None
            if why:
                problems.append(
                    Error(
                        f"{name} holds a key that is {why}.",
                        hint="It must be a FIELD_ENCRYPTION_KEY used before (docs/operations.md, "
                        "Keys).",
                        id="fundapp.E010",
                    )
                )
    return problems


@register(Tags.database)
def field_keys_fit_the_data(app_configs, databases=None, **kwargs):
    """The configured field keys decrypt the stored numbers and give their stored look-up
    hashes (fundapp.fieldkeys): run by ``check --database`` and ``migrate``, so a rotation done
    without pinning FIELD_HASH_KEY, or a lost old key, stops the deployment before it serves."""
    if not databases or "default" not in databases:
        return []
    from .fieldkeys import sample_problems

    return [
        Error(
            problem,
            hint="docs/operations.md, Keys: rotating FIELD_ENCRYPTION_KEY.",
            id="fundapp.E011",
        )
        for problem in sample_problems()
    ]


@register(Tags.security, deploy=True)
def fund_secrets(app_configs, **kwargs):
    problems = []
    if not settings.FIELD_ENCRYPTION_KEY:
        problems.append(
            Error(
                "FIELD_ENCRYPTION_KEY is not set: ID and bank numbers cannot be encrypted at rest.",
                hint='Generate one with python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())" and keep a backup of it.',
                id="fundapp.E001",
            )
        )
    chain_key_problem = key_problem(settings.LEDGER_CHAIN_KEY.strip()) or (
        secret_problem(settings.LEDGER_CHAIN_KEY)
    )
    if chain_key_problem:
        problems.append(
            Error(
                f"LEDGER_CHAIN_KEY is {chain_key_problem}: the ledger's hash chain is keyed with "
                "it, so that a database writer cannot re-forge it.",
                hint='Generate one with python -c "import secrets; print(secrets.token_urlsafe(48))"'
                " and keep a backup of it away from the database and its backups.",
                id="fundapp.E002",
            )
        )
    for old in settings.LEDGER_CHAIN_OLD_KEYS:
        if key_problem(old):
            problems.append(
                Error(
                    "LEDGER_CHAIN_OLD_KEYS holds a value that is not a chain key "
                    f"({key_problem(old)}).",
                    hint="List only the earlier values of LEDGER_CHAIN_KEY, comma-separated.",
                    id="fundapp.E003",
                )
            )
            break
    if not settings.LEDGER_CHECKPOINT_DIR:
        problems.append(
            Warning(
                "LEDGER_CHECKPOINT_DIR is not set: the chain head is never written outside the "
                "database, so a cut tail or a stale restored copy would not show.",
                hint="Set it to a folder on other storage than the database's, and run "
                "`celery -A fundapp beat` or `manage.py ledger_checkpoint` from cron.",
                id="fundapp.W003",
            )
        )
    if not (settings.PDF_SIGNING_KEY_FILE and settings.PDF_SIGNING_CERT_FILE):
        problems.append(
            Warning(
                "PDF_SIGNING_KEY_FILE / PDF_SIGNING_CERT_FILE are not set: notices, lists, "
                "receipts and letters are issued unsigned, so an altered copy cannot be told "
                "from a real one.",
                hint="Use the fund office's certificate from its CA, or make one with "
                "`manage.py make_signing_cert DIR` (common/pdfsign.py).",
                id="fundapp.W010",
            )
        )
    else:
        for name in ("PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CERT_FILE"):
            if not os.path.isfile(getattr(settings, name)):
                problems.append(
                    Error(f"{name} names no file: {getattr(settings, name)}", id="fundapp.E012")
                )
    if not settings.PUBLIC_BASE_URL.startswith("https://"):
        problems.append(
            Warning(
                "PUBLIC_BASE_URL is not an https:// address: receipt QR codes would point elsewhere.",
                hint="Set PUBLIC_BASE_URL to the public address of this site, e.g. https://fund.example.gov.cn",
                id="fundapp.W001",
            )
        )
    if not settings.RECEIPT_CHECK_KEY:
        problems.append(
            Warning(
                "RECEIPT_CHECK_KEY is not set: receipts' check codes use SECRET_KEY, so rotating "
                "SECRET_KEY would make every printed receipt fail verification.",
                hint="Set RECEIPT_CHECK_KEY to its own long random value and keep it.",
                id="fundapp.W002",
            )
        )
    return problems
