"""The keyed hash chain (issue 12): ``ChainSegment`` (from which entry on which chain key hashes
the entries) and the chain head's open segment key (``ChainHead.key_id``); the posting function
computes the entry hash as HMAC-SHA256 under the key Python passes (``ledger.chainkeys``).

Existing entries are not touched: no segment is created here (a migration never sees the key),
so an old database's entries stay legacy (unkeyed) and its first posting after this migration
opens the first keyed segment at the next entry. The function's SQL is frozen in
sql/0015_keyed_chain.*.sql; reversed, 0012's function comes back.
"""

from pathlib import Path

import django.utils.timezone
from django.db import migrations, models

from common.dbguards import frozen_sql

SQL = Path(__file__).with_name("sql")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0014_recoveries_receivable'),
    ]

    operations = [
        migrations.AddField(
            model_name='chainhead',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.CreateModel(
            name='ChainSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_seq', models.BigIntegerField(unique=True)),
                ('key_id', models.CharField(max_length=16)),
                ('mac', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['first_seq'],
                'constraints': [models.CheckConstraint(condition=models.Q(('first_seq__gte', 1)), name='chainsegment_seq_positive')],
            },
        ),
        frozen_sql(SQL, "0015_keyed_chain", "0015_keyed_chain.reverse"),
    ]
