"""The permission to watch every payout job (``disbursement.view_any_job``), held by the roles
that oversee the others (disbursement/roles.py) instead of a list of role names in a view."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('disbursement', '0004_case_cancel_guard'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='jobprogress',
            options={'ordering': ['-id'], 'permissions': [('view_any_job', 'Can watch every payout job')], 'verbose_name': 'job', 'verbose_name_plural': 'jobs'},
        ),
    ]
