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


class CorrectedByFlow(NotReversible):
    """An entry made by a flow (a donation, an allocation, a deposit, an award, a payment...) is
    corrected only through that flow (void the receipt, cancel the award, reissue the payment),
    never reversed by hand. ``url`` is where that correction starts, when there is one."""

    code = "corrected_by_flow"

    def __init__(self, message=None, *, url: str = "", **params):
        super().__init__(message, **params)
        self.url = url

    @property
    def api_detail(self) -> dict | None:
        return {"url": self.url} if self.url else None


class RequestDecided(LedgerError):
    """An entry request is no longer pending (approved, rejected or withdrawn)."""

    code = "request_decided"
    default_message = _("This request was already decided.")


class FourEyes(LedgerError):
    """The maker of a manual entry or reversal may not approve it (nor reject it)."""

    code = "not_allowed"
    default_message = _("A second person must decide a request you made yourself.")


class InvalidInput(LedgerError):
    """Missing or malformed input (a reason left empty, an attachment that is not a document)."""

    code = "invalid_input"
    default_message = _("Some input is missing or not valid.")


class PeriodNotOver(LedgerError):
    code = "period_not_over"


class PeriodHasOpenItems(LedgerError):
    """Closing a period that still has open items needs the closer's confirmation; ``items``
    lists them (label, count, url)."""

    code = "period_open_items"

    def __init__(self, message=None, *, items=(), **params):
        super().__init__(message, **params)
        self.items = list(items)

    @property
    def api_detail(self) -> dict:
        return {
            "items": [{"label": str(i.label), "count": i.count, "url": i.url} for i in self.items]
        }


class LedgerIntegrityError(LedgerError):
    """The database refused a write the service believed valid: the data underneath has drifted."""

    code = "ledger_integrity"
    default_message = _("The ledger's stored data does not match its lines; run verify_ledger.")


class PermissionDenied(LedgerError):
    code = "permission_denied"
    default_message = _("You do not have the role needed for this.")
