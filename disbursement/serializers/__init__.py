"""JSON shapes of the payout API (``disbursement.api``), one module a resource: ``cycles``,
``enrolments``, ``batches`` (and payments), ``bankfiles`` (layouts, exports, result imports),
``jobs``; ``common`` holds the fields they share.

Serializers check shapes only (types, lengths, choices, dates); every rule of the domain (role,
maker-checker, what is owed, the fund's money, the bank file's lines) is the services', so the
API and the screens refuse the same things with the same codes.

* Money leaves as a decimal *string* with two places next to a currency code.
* Bank account numbers leave only masked (``**** 1234``); the whole number exists only in the
  bank payment file, downloaded by a role that may export it.
* Objects a request names (batches, people, regions) are looked up only within the caller's
  region: anything outside it is reported exactly like an unknown id.
* Choice fields are inline enums (``approvals.serializers.enum``): ``status`` means something
  different on a batch, a payment, an enrolment and a job.
"""

from .bankfiles import (
    BankLayoutSerializer,
    ExportCreateSerializer,
    ExportLogSerializer,
    ResultImportCreateSerializer,
    ResultImportSerializer,
)
from .batches import (
    BatchBuildSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    DiscardSerializer,
    LeftOutSerializer,
    PaymentSerializer,
    ReconciliationSerializer,
    TimelinessSerializer,
)
from .confirmations import (
    ConfirmationDetailSerializer,
    ConfirmationMergeSerializer,
    ConfirmationNoticeSerializer,
    ConfirmationObjectionSerializer,
    ConfirmationPrepareSerializer,
    ConfirmationRowSerializer,
    ConfirmationSerializer,
    PublishSerializer,
    RowDecideSerializer,
    RowStopSerializer,
    SignoffSerializer,
    TierNoticeSerializer,
)
from .cycles import CycleOpenSerializer, CycleSerializer
from .enrolments import (
    EnrolmentChangeSerializer,
    EnrolmentDetailSerializer,
    EnrolmentHistorySerializer,
    EnrolmentSerializer,
)
from .jobs import JobSerializer
from .recoveries import (
    RecoveryDecisionSerializer,
    RecoveryProposeSerializer,
    RecoverySerializer,
    RecoveryWriteOffSerializer,
    RefundCreateSerializer,
    RefundSerializer,
    SampleCheckSerializer,
    SampleDrawSerializer,
    SampleRecordSerializer,
)

__all__ = [
    "ConfirmationNoticeSerializer",
    "ConfirmationMergeSerializer",
    "ConfirmationObjectionSerializer",
    "RowDecideSerializer",
    "TierNoticeSerializer",
    "RecoveryDecisionSerializer",
    "RecoveryProposeSerializer",
    "RecoverySerializer",
    "RefundCreateSerializer",
    "RefundSerializer",
    "SampleCheckSerializer",
    "SampleDrawSerializer",
    "SampleRecordSerializer",
    "RecoveryWriteOffSerializer",
    "ConfirmationDetailSerializer",
    "ConfirmationPrepareSerializer",
    "ConfirmationRowSerializer",
    "ConfirmationSerializer",
    "PublishSerializer",
    "RowStopSerializer",
    "SignoffSerializer",
    "BankLayoutSerializer",
    "BatchBuildSerializer",
    "BatchDetailSerializer",
    "BatchSerializer",
    "CycleOpenSerializer",
    "CycleSerializer",
    "DiscardSerializer",
    "EnrolmentChangeSerializer",
    "EnrolmentDetailSerializer",
    "EnrolmentHistorySerializer",
    "EnrolmentSerializer",
    "ExportCreateSerializer",
    "ExportLogSerializer",
    "JobSerializer",
    "LeftOutSerializer",
    "PaymentSerializer",
    "ReconciliationSerializer",
    "ResultImportCreateSerializer",
    "ResultImportSerializer",
    "TimelinessSerializer",
]
