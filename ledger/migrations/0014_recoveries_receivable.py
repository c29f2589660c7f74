"""Recoveries receivable (1221 其他应收款): money paid in error that the fund claims back from the
person (disbursement's recoveries). The account joins the default chart with its role in the
controls (``recoveries_receivable``: moved by the recovery flow only); no purpose, since it is an
asset, not an expense. The chart is frozen here as the other chart migrations freeze theirs.

A book that already has an account 1221 (an administrator's own) keeps it; it only gets the
role when it has none.
"""

from django.db import migrations, models

# Frozen copy of the account added (ledger/chart.py at this migration).
CODE, KIND, NAME_ZH, NAME_EN, ROLE = (
    "1221",
    "asset",
    "其他应收款",
    "Recoveries receivable",
    "recoveries_receivable",
)


def add_account(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    account, created = Account.objects.get_or_create(
        code=CODE,
        defaults={
            "type": KIND,
            "normal_side": "D",
            "name_zh": NAME_ZH,
            "name_en": NAME_EN,
            "role": ROLE,
        },
    )
    if not created and not account.role:
        Account.objects.filter(pk=account.pk).update(role=ROLE)


def remove_account(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    JournalLine = apps.get_model("ledger", "JournalLine")
    account = Account.objects.filter(code=CODE, role=ROLE).first()
    if account is not None and not JournalLine.objects.filter(account_id=account.pk).exists():
        account.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0013_entry_post_check_span'),
    ]

    operations = [
        migrations.AlterField(
            model_name='account',
            name='role',
            field=models.CharField(blank=True, choices=[('cash', 'cash on hand (never below zero)'), ('bank', 'cash at bank (never below zero)'), ('awards_payable', 'awards payable (award and payment flows only)'), ('donation_income', 'donation income (with a donation receipt only)'), ('allocation_income', 'allocation income (with a settlement receipt only)'), ('recoveries_receivable', 'recoveries receivable (money paid in error, recovery flow only)')], db_default='', default='', max_length=24, verbose_name='role in the controls'),
        ),
        migrations.RunPython(add_account, remove_account),
    ]
