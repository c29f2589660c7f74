"""Loading the default chart of accounts and funds, for ``setup_books``.

Migration 0003 froze the chart of its day; this loads today's (ledger/chart.py)."""

from django.conf import settings

from . import chart


def ensure_default_books(account_model, fund_model) -> tuple[int, int]:
    """Create the default accounts and funds that are missing; never change existing ones."""
    made_accounts = made_funds = 0
    for code, kind, name_zh, name_en in chart.ACCOUNTS:
        _, created = account_model.objects.get_or_create(
            code=code,
            defaults={
                "type": kind,
                "normal_side": "D" if kind in ("asset", "expense") else "C",
                "name_zh": name_zh,
                "name_en": name_en,
                "role": chart.ROLES.get(code, ""),
                "purpose": chart.PURPOSES.get(code, ""),
            },
        )
        made_accounts += created
        if created and code in chart.PARENTS:  # an existing account keeps its place
            account_model.objects.filter(code=code).update(
                parent=account_model.objects.filter(code=chart.PARENTS[code]).first()
            )
    for code, name_zh, name_en, restricted, purposes in chart.FUNDS:
        _, created = fund_model.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "restricted": restricted,
                "purposes": purposes,
                "currencies": [settings.DEFAULT_CURRENCY],
            },
        )
        made_funds += created
    return made_accounts, made_funds
