"""Reads of the payout domain, one module a topic; this package is their public face
(``disbursement.selectors.<name>``), used by the services, the screens, the API and the site.

* ``owed``: what is still owed (final awards and entitlements with no live payment), what a
  fund has promised to the bank, the owed summary beside the build form;
* ``reconciliation``: a batch's four sums side by side and where they differ;
* ``timeliness``: days to payment, a batch's timeliness, awards unpaid past the late limit;
* ``recoveries``: money paid in error owed back (``open_recoveries(person_ids)`` flags
  people in later cycles) and the post-payment sample checks;
* ``scope``: what a staff user may see (their region and below), with the one rule for a
  user's region (``approvals.selectors.staff_region``);
* ``confirmations``: the annual confirmation, its rows in the reader's region, the public view;
* ``batches``, ``jobs``, ``cycles``, ``enrolments``: the reads each screen shows.
"""

from approvals.selectors import staff_region

from .base import CENT, ZERO, cents, late_days_setting
from .batches import (
    batch_exports,
    batch_imports,
    batch_payments,
    batches,
    payment_rows,
    payment_status_counts,
)
from .confirmations import (
    can_review,
    confirmation_objection_merge_targets,
    confirmation_objection_status_public,
    confirmation_objections_for_user,
    confirmation_objections_same_sender,
    confirmation_rows,
    confirmation_signoffs,
    confirmations_with_counts,
    current_tier,
    program_review_tiers,
    public_confirmations,
    public_confirmations_and_tier_noticed,
    public_rows,
    public_tier_notices,
)
from .cycles import cycle_program_id, cycles_with_counts
from .enrolments import enrolment_entitlements, enrolment_history
from .jobs import (
    JOB_LABELS,
    InterruptedJobs,
    interrupted_jobs_for,
    job_label,
    job_progress,
    jobs_with_creator,
    own_failed_job,
)
from .owed import fund_committed, owed_summary, unpaid_cases, unpaid_entitlements
from .reconciliation import Reconciliation, batch_reconciliation
from .recoveries import (
    OpenRecovery,
    SampleSummary,
    batch_open_recoveries,
    not_received_payment_ids,
    open_recoveries,
    recoveries_for_user,
    recovery_balance,
    recovery_refunded,
    sample_lines,
    sample_summary,
    with_refunded,
)
from .scope import (
    batches_for_user,
    covers_whole_county,
    enrolments_for_user,
    exports_for_user,
)
from .timeliness import (
    LateAward,
    Timeliness,
    late_awards,
    late_awards_count,
    payment_days,
    payment_timeliness,
)

__all__ = [
    "OpenRecovery",
    "SampleSummary",
    "batch_open_recoveries",
    "not_received_payment_ids",
    "open_recoveries",
    "recoveries_for_user",
    "recovery_balance",
    "recovery_refunded",
    "sample_lines",
    "sample_summary",
    "with_refunded",
    "can_review",
    "confirmation_objection_merge_targets",
    "confirmation_objection_status_public",
    "confirmation_objections_same_sender",
    "program_review_tiers",
    "public_confirmations_and_tier_noticed",
    "confirmation_objections_for_user",
    "public_tier_notices",
    "confirmation_rows",
    "confirmation_signoffs",
    "confirmations_with_counts",
    "current_tier",
    "public_confirmations",
    "public_rows",
    "CENT",
    "ZERO",
    "LateAward",
    "Reconciliation",
    "Timeliness",
    "batch_exports",
    "batch_imports",
    "batch_payments",
    "batch_reconciliation",
    "batches",
    "batches_for_user",
    "cents",
    "covers_whole_county",
    "cycle_program_id",
    "cycles_with_counts",
    "enrolment_entitlements",
    "enrolment_history",
    "enrolments_for_user",
    "exports_for_user",
    "fund_committed",
    "JOB_LABELS",
    "InterruptedJobs",
    "interrupted_jobs_for",
    "job_label",
    "job_progress",
    "jobs_with_creator",
    "late_awards",
    "late_awards_count",
    "late_days_setting",
    "owed_summary",
    "own_failed_job",
    "payment_days",
    "payment_rows",
    "payment_status_counts",
    "payment_timeliness",
    "staff_region",
    "unpaid_cases",
    "unpaid_entitlements",
]
