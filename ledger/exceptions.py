"""Typed errors of the ledger. Each carries a stable ``code`` (used by the API and forms) and a
message that says what is wrong and what to do, in the user's language."""

from django.utils.translation import gettext_lazy as _


class LedgerError(Exception):
    code = "ledger_error"
    status = 400

    def __init__(self, message=None, **params):
        self.params = params
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))

    default_message = _("The ledger refused this operation.")

    def __str__(self) -> str:
        return str(self.message)


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


class PeriodClosed(LedgerError):
    code = "period_closed"
    status = 409
    default_message = _("That period is closed.")


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    status = 409
    default_message = _("This idempotency key was already used for different content.")


class AlreadyReversed(LedgerError):
    code = "already_reversed"
    status = 409


class NotReversible(LedgerError):
    code = "not_reversible"
    status = 409


class LedgerIntegrityError(LedgerError):
    """The database refused a write the service believed valid: the data underneath has drifted."""

    code = "ledger_integrity"
    status = 500
    default_message = _("The ledger's stored data does not match its lines; run verify_ledger.")


class PermissionDenied(LedgerError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have the role needed for this.")
