"""Programs name the fund that pays the bank's charges on their payments (issue 10, point 8).

Existing programs get the unrestricted fund GENERAL when it exists, else their own paying fund,
the same default a new program gets. Frozen here: no live code of ours is imported.
"""

import django.db.models.deletion
from django.db import migrations, models


def set_charges_fund(apps, schema_editor):
    Fund = apps.get_model("ledger", "Fund")
    Program = apps.get_model("approvals", "Program")
    general = Fund.objects.filter(code="GENERAL").first()
    for program in Program.objects.all():
        program.charges_fund_id = general.pk if general is not None else program.fund_id
        program.save(update_fields=["charges_fund"])


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_attachments"),
        ("ledger", "0005_collection"),
    ]

    operations = [
        migrations.AddField(
            model_name="program",
            name="charges_fund",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.fund",
            ),
        ),
        migrations.RunPython(set_charges_fund, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="program",
            name="charges_fund",
            field=models.ForeignKey(
                blank=True,
                help_text=(
                    "The fund that pays the bank's charges on this program's payments. Left "
                    "empty, the unrestricted fund GENERAL (or, without it, the paying fund)."
                ),
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.fund",
                verbose_name="fund paying bank charges",
            ),
        ),
    ]
