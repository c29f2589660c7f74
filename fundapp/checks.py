"""Deployment checks of the fund's own secrets (run by ``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
