"""Every write of the payout domain, by noun: ``enrolment_*``, ``cycle_*``, ``batch_*``,
``results_import``, ``recovery_*`` and ``refund_record``, ``sample_check_*``. Keyword-only, one transaction per step (a result import: one per chunk), an
audit event in the same transaction, typed errors from ``disbursement.exceptions``. Long ones
take a ``progress`` (``Progress``) that writes a ``JobProgress`` row and/or calls back.

One concern a module: ``entitlements`` (enrolments and cycles), ``confirmations`` (the annual
confirmation of a cycle and the cycle's approval, which books its entitlements), ``build`` (a batch built from
what is owed), ``batches`` (its approval, discard and export), ``result_check`` (a bank result
file's lines checked), ``results`` (what the bank paid, booked),
``recoveries`` (money paid in error claimed back), ``checks`` (the post-payment sample check),
``jobs`` (a long job's row: claimed, finished, reaped when its process died, retried)."""

from ._common import Progress, check_payout_cover, export_dir, heartbeat_timeout
from .batches import ExportResult, batch_approve, batch_discard, batch_export, export_file
from .build import batch_build
from .checks import sample_check_draw, sample_check_record, sample_ids, sample_size
from .confirmation_objections import (
    can_decide,
    confirmation_objection_dismiss,
    confirmation_objection_file,
    confirmation_objection_mark_spam,
    confirmation_objection_merge,
    confirmation_objection_uphold,
    confirmation_row_decide,
    rows_open_for_objection,
)
from .confirmations import (
    PERM_APPROVE_CYCLE,
    confirmation_approve,
    confirmation_counts,
    confirmation_prepare,
    confirmation_publish,
    confirmation_row_stop,
    confirmation_signoff,
    confirmation_tier_notice_publish,
    cycle_first_day,
    enrolled_before,
    final_notice_tier,
    notice_regions,
    notice_tier,
    reason_texts,
    regions_waiting,
)
from .entitlements import (
    GenerationReport,
    cycle_close,
    cycle_generate,
    cycle_open,
    enrolment_exit,
    enrolment_reinstate,
    enrolment_suspend,
    enrolments_from_case,
    held_text,
)
from .jobs import (
    JOB_PERMISSIONS,
    job_claim,
    job_finish,
    job_input,
    job_input_keep,
    job_may_retry,
    job_reopen,
    jobs_reap,
)
from .recoveries import (
    recovery_open,
    recovery_propose,
    recovery_reject,
    recovery_write_off,
    refund_record,
)
from .results import results_import

__all__ = [
    "PERM_APPROVE_CYCLE",
    "can_decide",
    "confirmation_objection_dismiss",
    "confirmation_objection_file",
    "confirmation_objection_mark_spam",
    "confirmation_objection_merge",
    "confirmation_objection_uphold",
    "confirmation_row_decide",
    "confirmation_tier_notice_publish",
    "cycle_first_day",
    "enrolled_before",
    "final_notice_tier",
    "notice_regions",
    "notice_tier",
    "rows_open_for_objection",
    "confirmation_approve",
    "confirmation_counts",
    "confirmation_prepare",
    "confirmation_publish",
    "confirmation_row_stop",
    "confirmation_signoff",
    "reason_texts",
    "regions_waiting",
    "export_dir",
    "ExportResult",
    "GenerationReport",
    "Progress",
    "batch_approve",
    "batch_build",
    "batch_discard",
    "batch_export",
    "check_payout_cover",
    "cycle_close",
    "cycle_generate",
    "cycle_open",
    "enrolments_from_case",
    "enrolment_exit",
    "enrolment_reinstate",
    "enrolment_suspend",
    "export_file",
    "held_text",
    "heartbeat_timeout",
    "JOB_PERMISSIONS",
    "job_claim",
    "job_finish",
    "recovery_open",
    "recovery_propose",
    "recovery_reject",
    "recovery_write_off",
    "refund_record",
    "job_input",
    "job_input_keep",
    "job_may_retry",
    "job_reopen",
    "jobs_reap",
    "results_import",
    "sample_check_draw",
    "sample_check_record",
    "sample_ids",
    "sample_size",
]
