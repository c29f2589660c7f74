"""Settings from the environment: a secret key is required outside DEBUG, and the production
values pass ``check --deploy`` with no warning. Each case runs in a fresh interpreter, because
settings are read once per process."""

import os
import secrets
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    # Start from the real environment (PATH, the virtualenv) but drop every setting we test, so
    # neither the shell nor the test run's own DEBUG=1 leaks in. An empty value also stops a
    # developer's .env file from filling the name in (python-dotenv never overrides).
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    for name in (
        "DEBUG",
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "RECEIPT_CHECK_KEY",
        "PUBLIC_BASE_URL",
        "LEDGER_CHAIN_KEY",
        "LEDGER_CHAIN_OLD_KEYS",
        "LEDGER_CHECKPOINT_DIR",
        "PDF_SIGNING_KEY_FILE",
        "PDF_SIGNING_CERT_FILE",
    ):
        base[name] = ""
    for name in ("ALLOWED_HOSTS", "CELERY_BROKER_URL"):
        base.pop(name, None)
    base.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


@lru_cache(maxsize=1)
def _signing_pair() -> tuple[str, str]:
    """The fund office's signing key and certificate, made once (manage.py make_signing_cert)."""
    folder = tempfile.mkdtemp(prefix="fundapp-signing-")
    done = _run(["manage.py", "make_signing_cert", folder], DEBUG="1")
    assert done.returncode == 0, done.stderr
    return f"{folder}/pdf-signing-key.pem", f"{folder}/pdf-signing-cert.pem"


def _production_env() -> dict[str, str]:
    key, cert = _signing_pair()
    return {
        "PDF_SIGNING_KEY_FILE": key,
        "PDF_SIGNING_CERT_FILE": cert,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "fund.example.gov.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "sqlite:///:memory:",
        "PUBLIC_BASE_URL": "https://fund.example.gov.cn",
        "RECEIPT_CHECK_KEY": secrets.token_urlsafe(40),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LEDGER_CHAIN_KEY": secrets.token_urlsafe(48),
        "LEDGER_CHECKPOINT_DIR": "/var/lib/fundapp/checkpoints",
    }


def test_secret_key_is_required_when_debug_is_off():
    # given DEBUG off and no SECRET_KEY
    # when Django loads the settings
    result = _run(
        [
            "-c",
            "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'fundapp.settings'; "
            "django.setup()",
        ],
        DEBUG="0",
    )

    # then it refuses to start, naming what is missing
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_runs_without_a_secret_key():
    # given DEBUG on and no SECRET_KEY (a developer's machine)
    # when Django loads the settings, then it starts with the development key
    result = _run(
        [
            "-c",
            "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'fundapp.settings'; "
            "django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, settings.SECRET_KEY)",
        ],
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True insecure-development-key-only-for-debug"


def test_check_deploy_is_clean_with_production_values():
    # given production-like values: DEBUG off, a long random key, a real host name
    # when Django's deployment checks run, failing on any warning
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **_production_env()
    )

    # then they pass with nothing to report
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_turn_the_security_headers_on():
    # given the production values, when the settings load
    result = _run(
        [
            "-c",
            "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'fundapp.settings'; "
            "django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS > 0, s.ALLOWED_HOSTS)",
        ],
        **_production_env(),
    )

    # then HTTPS, secure cookies and HSTS are on, and only the given host is allowed
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True True True ['fund.example.gov.cn']"


def test_check_deploy_names_a_missing_encryption_key():
    # given production values but no key for the ID and bank numbers
    env = _production_env()
    env["FIELD_ENCRYPTION_KEY"] = ""
    # when the deployment checks run, then they fail and say what to set
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "fundapp.E001" in result.stderr + result.stdout
    assert "FIELD_ENCRYPTION_KEY" in result.stderr + result.stdout


def test_check_deploy_refuses_a_missing_short_or_placeholder_chain_key():
    # given production values with no chain key, a short one, or the placeholder of the docs
    for value, why in (
        ("", "not set"),
        ("short-key", "shorter than"),
        ("change-me-to-a-long-random-string-for-the-chain", "placeholder"),
    ):
        env = _production_env()
        env["LEDGER_CHAIN_KEY"] = value
        # when the deployment checks run, then they fail naming the key and why
        result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
        out = result.stderr + result.stdout
        assert result.returncode != 0, value
        assert "fundapp.E002" in out and "LEDGER_CHAIN_KEY" in out and why in out, out


def test_check_deploy_warns_without_a_checkpoint_folder():
    env = _production_env()
    env["LEDGER_CHECKPOINT_DIR"] = ""
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "fundapp.W003" in result.stderr + result.stdout


def test_check_deploy_refuses_the_example_receipt_key_as_the_review_found():
    # given production values but RECEIPT_CHECK_KEY copied from .env.example
    env = _production_env()
    env["RECEIPT_CHECK_KEY"] = "change-me-another-long-random-string"
    # when the deployment checks run, then they fail naming the key
    result = _run(["manage.py", "check", "--deploy"], **env)
    out = result.stderr + result.stdout
    assert result.returncode != 0 and "fundapp.E005" in out and "RECEIPT_CHECK_KEY" in out, out


def _key_errors(settings, **values):
    from fundapp.checks import fund_secrets, key_strength

    for name, value in values.items():
        setattr(settings, name, value)
    return {p.id for p in [*key_strength(None), *fund_secrets(None)] if p.level >= 40}


def test_every_key_is_checked_for_strength(settings, tmp_path):
    # given strong values of every key, no key error
    strong = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RECEIPT_CHECK_KEY": secrets.token_urlsafe(40),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LEDGER_CHAIN_KEY": secrets.token_urlsafe(48),
    }
    assert _key_errors(settings, **strong) == set()
    weak = {
        "SECRET_KEY": (
            "fundapp.E004",
            [
                "insecure-development-key-only-for-debug",
                "change-me-to-a-long-random-string",  # the .env.example value
                "x" * 60,  # long but one character
                secrets.token_urlsafe(20),  # short
            ],
        ),
        "RECEIPT_CHECK_KEY": (
            "fundapp.E005",
            ["change-me-another-long-random-string", "abc123", "ab" * 40],
        ),
        "FIELD_ENCRYPTION_KEY": (
            "fundapp.E006",
            [
                "not-base64-at-all-but-long-enough-to-pass-the-length-check!!",
                "A" * 43 + "=",  # a Fernet key of 32 zero bytes
                secrets.token_urlsafe(16),
            ],
        ),
        "LEDGER_CHAIN_KEY": ("fundapp.E002", ["z" * 48, "change-me-" + secrets.token_urlsafe(30)]),
    }
    # when one key at a time is weak, then exactly that key's error is raised
    for name, (error, values) in weak.items():
        for value in values:
            assert _key_errors(settings, **{**strong, name: value}) == {error}, (name, value)
