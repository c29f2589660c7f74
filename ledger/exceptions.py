"""Typed errors of the ledger. Each carries a stable ``code`` from the catalogue of
``common.errors`` (used by the API, jobs and forms; its HTTP status comes from there) and a
message that says what is wrong and what to do, in the user's language."""

from django.utils.translation import gettext_lazy as _

from common.errors import FundError


class LedgerError(FundError):
    code = "ledger_error"
    default_message = _("The ledger refused this operation.")


class InvalidEntry(LedgerError):
    code = "invalid_entry"
    default_message = _("The entry is not valid.")


class UnbalancedEntry(InvalidEntry):
    code = "unbalanced"


class InvalidAmount(InvalidEntry):
    code = "invalid_amount"


class CashPayoutRefused(InvalidEntry):
    """Cash on hand may only be deposited at the bank (no 坐收坐支)."""

    code = "cash_payout"


class UnknownAccount(InvalidEntry):
    code = "unknown_account"


class UnknownFund(InvalidEntry):
    code = "unknown_fund"


class CurrencyNotHeld(InvalidEntry):
    code = "currency_not_held"


class PurposeNotAllowed(InvalidEntry):
    """A line paying a purpose its restricted fund does not allow (不得挪用)."""

    code = "purpose_not_allowed"


class FourEyesRequired(InvalidEntry):
    """A manual entry or a reclassification without its maker, a different approver, a reason."""

    code = "four_eyes_required"


class IncomeWithoutReceipt(InvalidEntry):
    """Donation or allocation income without its valid receipt (or debited outside a void)."""

    code = "income_without_receipt"


class InsufficientFunds(LedgerError):
    """A posting that would leave a fund's money below zero (bank, cash, or available)."""

    code = "insufficient_funds"
    default_message = _("The fund does not have that much money.")


class AmountTooLarge(InvalidAmount):
    """An amount above the ceiling for its kind of document (``ledger.limits``)."""

    code = "amount_too_large"


class PeriodClosed(LedgerError):
    code = "period_closed"
    default_message = _("That period is closed.")


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    default_message = _("This idempotency key was already used for different content.")


class AlreadyReversed(LedgerError):
    code = "already_reversed"


class NotReversible(LedgerError):
    code = "not_reversible"


class LedgerIntegrityError(LedgerError):
    """The database refused a write the service believed valid: the data underneath has drifted."""

    code = "ledger_integrity"
    default_message = _("The ledger's stored data does not match its lines; run verify_ledger.")


class PermissionDenied(LedgerError):
    code = "permission_denied"
    default_message = _("You do not have the role needed for this.")
