"""JSON shapes of the ledger API.

Serializers here check shapes only (types, lengths, choices, two decimal places); every business
rule (balance, open period, active account, currency held) is the service's, so the API, the
forms and the batch paths refuse the same things with the same codes.

Money always leaves and enters as a decimal *string* with two places next to a currency code,
never as a JSON number: a float cannot hold 0.10 exactly.

The modules, by resource like the API: ``fields`` (amounts, currencies and totals, also used by
the money-in, relief-case and payouts APIs), ``accounts`` (accounts and funds), ``entries``,
``reports`` (balances, trial balance, statements). This package re-exports their public names.
"""

from .accounts import (
    AccountSerializer,
    FundBalanceSerializer,
    FundPositionSerializer,
    FundSerializer,
)
from .entries import (
    EntryCreateSerializer,
    EntryReverseSerializer,
    JournalEntryDetailSerializer,
    JournalEntrySerializer,
    JournalLineSerializer,
    LineInputSerializer,
)
from .fields import (
    CURRENCY_CHOICES,
    MAX_AMOUNT_DIGITS,
    MAX_BALANCE_DIGITS,
    AmountField,
    CurrencyTotalSerializer,
    money_field,
)
from .reports import (
    BalanceQuerySerializer,
    BalanceSerializer,
    StatementQuerySerializer,
    StatementRowSerializer,
    StatementSerializer,
    TrialBalanceQuerySerializer,
    TrialBalanceRowSerializer,
    TrialBalanceSerializer,
    TrialBalanceTotalSerializer,
)

__all__ = [
    "CURRENCY_CHOICES",
    "MAX_AMOUNT_DIGITS",
    "MAX_BALANCE_DIGITS",
    "AccountSerializer",
    "AmountField",
    "BalanceQuerySerializer",
    "BalanceSerializer",
    "CurrencyTotalSerializer",
    "EntryCreateSerializer",
    "EntryReverseSerializer",
    "FundBalanceSerializer",
    "FundPositionSerializer",
    "FundSerializer",
    "JournalEntryDetailSerializer",
    "JournalEntrySerializer",
    "JournalLineSerializer",
    "LineInputSerializer",
    "StatementQuerySerializer",
    "StatementRowSerializer",
    "StatementSerializer",
    "TrialBalanceQuerySerializer",
    "TrialBalanceRowSerializer",
    "TrialBalanceSerializer",
    "TrialBalanceTotalSerializer",
    "money_field",
]
