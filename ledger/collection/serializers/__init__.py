"""JSON shapes of the collection's API (``/api/collection/``), one module per resource.

Serializers check shapes only (types, lengths, choices, two decimal places). Every business rule
(a valid credit code, an open fund that holds the currency, an open period, a receipt number
left in a book, who may approve a void) is the service's, so the API, the screens and the bulk
import refuse the same things with the same codes.

Money enters and leaves as a decimal *string* with two places next to a currency code, never as
a JSON number (``ledger.serializers.AmountField`` refuses numbers).

One serializer serves both reading and writing a resource wherever the two share fields: the
OpenAPI schema then names each choice set once (``DonorKindEnum``, ``AllocationKindEnum``...)
instead of warning that "kind" means two things in four components.
"""

from .allocations import AllocationSerializer
from .cash import CashDepositSerializer, CashHeldSerializer
from .donations import DonationSerializer
from .donors import DonorSerializer, DonorUpdateSerializer
from .pledges import (
    PledgeCreateSerializer,
    PledgeQuerySerializer,
    PledgeSerializer,
    WriteOffSerializer,
)
from .receipts import (
    ReceiptSerializer,
    VoidApproveSerializer,
    VoidRejectSerializer,
    VoidRequestSerializer,
)

__all__ = [
    "AllocationSerializer",
    "CashDepositSerializer",
    "CashHeldSerializer",
    "DonationSerializer",
    "DonorSerializer",
    "DonorUpdateSerializer",
    "PledgeCreateSerializer",
    "PledgeQuerySerializer",
    "PledgeSerializer",
    "ReceiptSerializer",
    "VoidApproveSerializer",
    "VoidRejectSerializer",
    "VoidRequestSerializer",
    "WriteOffSerializer",
]
