"""The ledger's Celery tasks: ``ledger.checkpoint`` writes the chain head outside the database
(``ledger.checkpoints``). ``celery -A fundapp beat`` runs it every ``LEDGER_CHECKPOINT_EVERY``
seconds when ``LEDGER_CHECKPOINT_DIR`` is set (``CELERY_BEAT_SCHEDULE`` in the settings)."""

from __future__ import annotations

from celery import shared_task

from . import checkpoints


@shared_task(name="ledger.checkpoint")
def checkpoint() -> int | None:
    """Append a checkpoint if the head moved; the entry number written (None: nothing written).

    A database that no longer agrees with the latest checkpoint raises (the task fails loudly in
    the worker's log and the result backend) instead of writing over it."""
    written = checkpoints.record()
    return None if written is None else written.seq


@shared_task(name="ledger.verify")
def verify() -> dict:
    """The nightly verification (``CELERY_BEAT_SCHEDULE['verify-ledger']``): the whole ledger
    recomputed, the outcome kept (``verification.record_run``); a failing ledger fails the task
    too, so it shows in the worker's log as well as on the supervisor's home and /healthz."""
    from django.utils import timezone

    from .verification import record_run, verify_ledger

    started = timezone.now()
    report = verify_ledger()
    record_run(report, source="schedule", started_at=started)
    if not report.ok:
        raise RuntimeError(f"the ledger has {report.problem_count} problem(s): verify_ledger")
    return {"ok": True, "entries": report.entries, "head_seq": report.head_seq}
