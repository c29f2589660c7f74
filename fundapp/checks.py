"""Deployment checks of the fund's own secrets (run by ``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from ledger.chainkeys import key_problem


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
    chain_key_problem = key_problem(settings.LEDGER_CHAIN_KEY.strip())
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
