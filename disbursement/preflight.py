"""What a long payout job would refuse at once, checked before the job is queued.

The API and the screens start exports and result imports as jobs (``tasks.job_submit``). Whether
the job runs in-process or on a Celery worker, a caller should hear *at once* that the batch is
not approved or that line 7 of the bank's file names an unknown reference, with the same typed
error the service raises, rather than learn it by polling a failed job. These functions only
read; they apply the services' own rules (the services' own public checks, so each rule lives in one
place), and the job's service checks everything again when it runs. A result file with bad
lines is then handed to ``results_import`` itself, which records the refusal and raises
``BankFileRejected`` with every problem.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from .bankfiles import read_result_file
from .exceptions import InvalidInput, InvalidState, LayoutMisconfigured
from .models import BankLayout, BankResultImport, BatchStatus, ImportStatus, PayoutBatch


def _layout_ready(layout: BankLayout) -> None:
    problems = layout.configuration_errors()
    if problems:
        raise LayoutMisconfigured(" ".join(problems))


def check_export(*, batch: PayoutBatch, layout: BankLayout) -> None:
    """Raise what ``batch_export`` would refuse before writing anything: a misconfigured
    layout, a batch not approved, a batch whose results are already being imported."""
    from .services.batches import check_exportable

    _layout_ready(layout)
    check_exportable(PayoutBatch.objects.get(pk=batch.pk))


def result_file_problems(
    *,
    batch: PayoutBatch,
    layout: BankLayout,
    content: bytes,
    filename: str,
    value_date: date | None = None,
) -> list[dict]:
    """Every bad line of a bank result file, as ``results_import`` would list them (empty: the
    file would be accepted, or it was already imported for this batch and changes nothing).

    Raises, like the service, for a misconfigured layout, a file already imported for another
    batch, a batch not yet sent to the bank, and a value date stated for the whole file that
    the bank cannot have paid on.
    """
    from .services.result_check import validate_result_rows
    from .services.results import refuse_file_value_date

    _layout_ready(layout)
    digest = hashlib.sha256(content).hexdigest()
    existing = BankResultImport.objects.filter(sha256=digest).first()
    if existing is not None and existing.batch_id != batch.pk:
        raise InvalidInput(
            # The service's own words (same msgid: one translation).
            _("This file was already imported for batch PB%(other)s, not PB%(batch)s.")
            % {"other": existing.batch_id, "batch": batch.pk}
        )
    if existing is not None and existing.status == ImportStatus.DONE:
        return []
    batch = PayoutBatch.objects.select_related("fund", "program").get(pk=batch.pk)
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.CLOSED):
        raise InvalidState(
            _("Batch PB%(batch)s has not been sent to the bank yet: export it first.")
            % {"batch": batch.pk}
        )
    today = timezone.localdate()
    if value_date is not None:
        refuse_file_value_date(batch, value_date, today)
    parsed = read_result_file(layout, content, filename)
    problems = list(parsed.problems)
    if not problems:
        validate_result_rows(
            batch,
            layout,
            parsed.rows,
            problems,
            existing.pk if existing else None,
            value_date=value_date,
            today=today,
        )
    return problems
