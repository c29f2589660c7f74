"""JSON shapes of the relief-case API (``approvals.api``), by resource like the API itself.

Serializers check shapes only (types, lengths, choices, decimal places); every rule of the domain
(region, role, tier, four-eyes, eligibility, de-duplication, money available) is the services',
so the API and the screens refuse the same things with the same codes.

* Money leaves and enters as a decimal *string* with two places next to a currency code, never
  as a JSON number (``ledger.serializers``).
* Resident ID and bank account numbers leave only masked (``110105********002X``,
  ``**** 1234``); the whole number comes only from the audited reveal endpoint.
* Objects a request names (household, people, cases, regions) are looked up only within the
  caller's region (``scope``): anything outside it is reported exactly like an unknown id.
* Choice fields are documented as inline enums: ``status`` means different things on a notice and
  an objection, and shared enum components would collide with other apps' names.

The modules: ``fields`` (the building blocks above, also used by the payouts API), ``programs``
(regions and programs), ``households``, ``cases`` (with approve-many and the queue), ``notices``,
``objections``. This package re-exports their public names.
"""

from .cases import (
    ApproveManyResultSerializer,
    ApproveManySerializer,
    ApproveResultSerializer,
    CaseApprovalSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseHistorySerializer,
    CaseMemberSerializer,
    CaseSerializer,
    CommentSerializer,
    QueueRowSerializer,
    ReasonSerializer,
    ReturnSerializer,
)
from .fields import (
    MAX_IDS,
    REASON_MAX,
    ScopedCodeField,
    ScopedPrimaryKeyField,
    enum,
    money_amount,
)
from .households import (
    HouseholdCreateSerializer,
    HouseholdDetailSerializer,
    HouseholdSerializer,
    PersonInputSerializer,
    PersonSerializer,
    RevealedSerializer,
    RevealSerializer,
)
from .notices import (
    NoticeDetailSerializer,
    NoticeItemSerializer,
    NoticePublishSerializer,
    NoticeSerializer,
)
from .objections import DismissSerializer, ObjectionSerializer, UpholdSerializer
from .programs import ProgramSerializer, RegionSerializer, TierSerializer

__all__ = [
    "MAX_IDS",
    "REASON_MAX",
    "ApproveManyResultSerializer",
    "ApproveManySerializer",
    "ApproveResultSerializer",
    "CaseApprovalSerializer",
    "CaseCreateSerializer",
    "CaseDetailSerializer",
    "CaseHistorySerializer",
    "CaseMemberSerializer",
    "CaseSerializer",
    "CommentSerializer",
    "DismissSerializer",
    "HouseholdCreateSerializer",
    "HouseholdDetailSerializer",
    "HouseholdSerializer",
    "NoticeDetailSerializer",
    "NoticeItemSerializer",
    "NoticePublishSerializer",
    "NoticeSerializer",
    "ObjectionSerializer",
    "PersonInputSerializer",
    "PersonSerializer",
    "ProgramSerializer",
    "QueueRowSerializer",
    "ReasonSerializer",
    "RegionSerializer",
    "ReturnSerializer",
    "RevealSerializer",
    "RevealedSerializer",
    "ScopedCodeField",
    "ScopedPrimaryKeyField",
    "TierSerializer",
    "UpholdSerializer",
    "enum",
    "money_amount",
]
