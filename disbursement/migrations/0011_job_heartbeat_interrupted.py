"""Jobs that survive death: a heartbeat on the job row, the ``interrupted`` status (a job whose
heartbeat stopped: its process died), the retry's ``attempt``, how often a worker started the
job (``runs``), and an import's file kept encrypted until the job ends (for a retry).

Jobs running when this is applied have no heartbeat: the reaper counts them by their age."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('disbursement', '0010_payment_against_award_entry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='jobprogress',
            name='attempt',
            field=models.PositiveIntegerField(default=1, verbose_name='attempt'),
        ),
        migrations.AddField(
            model_name='jobprogress',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sign of life'),
        ),
        migrations.AddField(
            model_name='jobprogress',
            name='input_enc',
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name='jobprogress',
            name='interrupted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='found interrupted at'),
        ),
        migrations.AddField(
            model_name='jobprogress',
            name='runs',
            field=models.PositiveIntegerField(default=0, verbose_name='times started'),
        ),
        migrations.AlterField(
            model_name='jobprogress',
            name='status',
            field=models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('failed', 'failed'), ('interrupted', 'interrupted')], default='queued', max_length=12, verbose_name='status'),
        ),
        migrations.AddIndex(
            model_name='jobprogress',
            index=models.Index(fields=['status', 'heartbeat_at'], name='job_status_heartbeat'),
        ),
        migrations.AddConstraint(
            model_name='jobprogress',
            constraint=models.CheckConstraint(condition=models.Q(('attempt__gte', 1)), name='job_attempt_from_1'),
        ),
        migrations.AddConstraint(
            model_name='jobprogress',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'running', 'done', 'failed', 'interrupted'])), name='job_status_known'),
        ),
    ]
