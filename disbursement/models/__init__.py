"""Money out: recurring entitlements, payout batches, payments, bank files and bank results.

Design
------
* **Entitlements.** A recurring program (annual reward, special assistance) has ``Enrolment`` rows
  (one per beneficiary and program; active / suspended / exited, each change with a written
  reason and date in ``EnrolmentHistory``). A ``Cycle`` ("2026") of the program generates one
  ``Entitlement`` per active enrolment at the program's amount; ``(cycle, enrolment)`` is unique
  in the database, so generating twice creates nothing new. Each entitlement is booked (expense
  Dr / awards payable 2201 Cr) when it is generated: ``entry`` is never empty.
* **Batches.** A ``PayoutBatch`` gathers ``Payment`` rows for final awards (approvals ``Case`` in
  state ``final``) and entitlements of one program. Maker-checker: the database refuses
  ``approved_by = built_by``. After approval nothing is added, removed or re-pointed (trigger).
* **Payments.** Exactly one source (a case or an entitlement; CHECK). The amount equals the
  source's amount (trigger), so nothing is ever deducted. A source has at most one *live*
  payment (pending, sent or paid; partial unique indexes), so it is never paid twice; a failed
  payment is reissued as a new payment in a later batch and the failed one is marked
  ``reissued`` (``reissue_of`` links them). Status moves only forward (trigger):
  pending -> sent (batch approved) -> paid | failed, failed -> reissued. A paid payment names its
  ledger entry (awards payable Dr / bank Cr, idempotency key ``pay:<payment id>``).
* **Bank files.** ``BankLayout`` (the administrator's per-bank column layout), ``ExportLog``
  (each export: who, when, batch, sha256, rows, total) and ``BankResultImport`` (each result file
  applied, sha256 unique: the same file twice changes nothing).
* **Recoveries and sample checks** (``recoveries``). Money paid in error is claimed back from
  the person (a receivable opened by a second person, refunds booked against it, a write-off
  by a second person); a random sample of each paid batch's recipients is asked whether the
  money arrived.
* **Jobs.** ``JobProgress`` is the progress row a screen polls while a long job (cycle
  generation, batch build, export, result import) runs in Celery or in-process.

Database-held rules are the constraints on each model plus the triggers in
``disbursement/dbguards.py``.

One module per concern: ``entitlements`` (enrolments, cycles, entitlements), ``batches``
(batches and payments), ``bankfiles`` (bank layouts, exports, result imports) and ``jobs``;
``fields`` holds the money and user field shapes they share. This package imports every model
so Django finds them.
"""

from .bankfiles import (
    EXPORT_FIELDS,
    REQUIRED_EXPORT_FIELDS,
    REQUIRED_RESULT_FIELDS,
    RESULT_FIELDS,
    BankLayout,
    BankResultImport,
    ExportFormat,
    ExportLog,
    ImportStatus,
)
from .batches import (
    IN_FLIGHT_STATUSES,
    LIVE_STATUSES,
    AccountOwner,
    BatchStatus,
    Payment,
    PaymentStatus,
    PayoutBatch,
)
from .confirmations import (
    PAID_OUTCOMES,
    Confirmation,
    ConfirmationNotice,
    ConfirmationObjection,
    ConfirmationRow,
    ConfirmationSignoff,
    ConfirmationStatus,
    RowOutcome,
    StopAction,
)
from .entitlements import (
    RECURRING_CATEGORIES,
    Cycle,
    CycleStatus,
    Enrolment,
    EnrolmentHistory,
    EnrolmentStatus,
    Entitlement,
)
from .jobs import FINISHED_STATUSES, JobProgress, JobStatus
from .recoveries import (
    BOOKED_RECOVERY,
    LIVE_RECOVERY,
    Recovery,
    RecoveryReason,
    RecoveryRefund,
    RecoveryStatus,
    RefundMethod,
    SampleCheck,
    SampleCheckLine,
    SampleOutcome,
)

__all__ = [
    "BOOKED_RECOVERY",
    "LIVE_RECOVERY",
    "Recovery",
    "RecoveryReason",
    "RecoveryRefund",
    "RecoveryStatus",
    "RefundMethod",
    "SampleCheck",
    "SampleCheckLine",
    "SampleOutcome",
    "EXPORT_FIELDS",
    "IN_FLIGHT_STATUSES",
    "LIVE_STATUSES",
    "AccountOwner",
    "RECURRING_CATEGORIES",
    "REQUIRED_EXPORT_FIELDS",
    "REQUIRED_RESULT_FIELDS",
    "RESULT_FIELDS",
    "BankLayout",
    "BankResultImport",
    "BatchStatus",
    "PAID_OUTCOMES",
    "Confirmation",
    "ConfirmationNotice",
    "ConfirmationObjection",
    "ConfirmationRow",
    "ConfirmationSignoff",
    "ConfirmationStatus",
    "RowOutcome",
    "StopAction",
    "Cycle",
    "CycleStatus",
    "Enrolment",
    "EnrolmentHistory",
    "EnrolmentStatus",
    "Entitlement",
    "ExportFormat",
    "ExportLog",
    "ImportStatus",
    "FINISHED_STATUSES",
    "JobProgress",
    "JobStatus",
    "Payment",
    "PaymentStatus",
    "PayoutBatch",
]
