"""Load the default chart of accounts and funds and the hash chain's head.

The chart is frozen here as it stood when this migration was written (ledger/chart.py at that
time): a migration is history, so a later change of the default chart comes as a new migration
and never changes what this step loads. ``setup_books`` loads today's chart (ledger/books.py).
"""

from django.conf import settings
from django.db import migrations

# (code, type, Chinese name, English name)
ACCOUNTS = [
    ("1001", "asset", "库存现金", "Cash on hand"),
    ("1002", "asset", "银行存款", "Cash at bank"),
    ("2201", "liability", "应付救助款", "Awards payable"),
    ("3101", "net_assets", "非限定性净资产", "Unrestricted net assets"),
    ("3102", "net_assets", "限定性净资产", "Restricted net assets"),
    ("4101", "income", "捐赠收入", "Donation income"),
    ("4201", "income", "财政补助收入", "Allocation income"),
    ("5101", "expense", "救助支出", "Relief expense"),
    ("5102", "expense", "奖励扶助支出", "Reward and assistance expense"),
    ("5201", "expense", "手续费", "Bank charges"),
]

# (code, Chinese name, English name, restricted, purposes)
FUNDS = [
    (
        "RELIEF",
        "人口与计划生育救助公益金",
        "Population and family-planning relief fund",
        True,
        ["relief", "special", "operations"],
    ),
    ("REWARD", "奖励扶助金", "Reward and assistance fund", True, ["reward", "operations"]),
    ("GENERAL", "非限定性公益金", "Unrestricted general fund", False, []),
]


def load(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Fund = apps.get_model("ledger", "Fund")
    for code, kind, name_zh, name_en in ACCOUNTS:
        Account.objects.get_or_create(
            code=code,
            defaults={
                "type": kind,
                "normal_side": "D" if kind in ("asset", "expense") else "C",
                "name_zh": name_zh,
                "name_en": name_en,
            },
        )
    for code, name_zh, name_en, restricted, purposes in FUNDS:
        Fund.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "restricted": restricted,
                "purposes": purposes,
                "currencies": [settings.DEFAULT_CURRENCY],
            },
        )
    apps.get_model("ledger", "ChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_database_guards")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
