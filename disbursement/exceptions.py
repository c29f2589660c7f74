"""Typed errors of the payout domain.

They subclass ``common.errors.FundError`` (a stable ``code`` from its catalogue, which gives the
HTTP ``status``; a message saying what was wrong and what to do), so ``common.api`` maps them
like every other app's.
"""

from django.utils.translation import gettext_lazy as _

from common import errors


class DisbursementError(errors.FundError):
    code = "disbursement_error"
    default_message = _("The payout rules refused this operation.")


class InvalidInput(DisbursementError):
    code = "invalid_input"
    default_message = _("The input is not valid.")


class NotAllowed(DisbursementError, errors.NotAllowed):
    code = "not_allowed"
    default_message = _("You may not do this.")


class InvalidState(DisbursementError):
    code = "invalid_state"
    default_message = _("This cannot be done in the current state.")


class NothingToPay(DisbursementError):
    """Nothing to pay; ``problems`` lists the awards left out and why (kind, label, reason), so
    the refusal shows them rather than pointing to a list nobody sees."""

    code = "nothing_to_pay"
    default_message = _("Nothing matches: every award in the selection is paid or in a batch.")

    def __init__(self, message=None, *, problems=None, **params):
        super().__init__(message, **params)
        self.problems = list(problems or [])


class InsufficientFunds(DisbursementError):
    code = "insufficient_funds"
    default_message = _("The fund does not have enough money.")


class AmountMismatch(DisbursementError):
    code = "amount_mismatch"
    default_message = _("A payment must be for exactly the award's amount.")


class LayoutMisconfigured(DisbursementError):
    code = "layout_misconfigured"
    default_message = _("The bank layout is not configured correctly.")


class BankFileRejected(DisbursementError):
    """The whole result file was refused; ``problems`` lists every bad line (nothing booked)."""

    code = "bank_file_rejected"
    default_message = _("The bank result file was refused; nothing was booked.")

    def __init__(self, message=None, *, problems=None, **params):
        super().__init__(message, **params)
        self.problems = list(problems or [])


class ImportUnfinished(DisbursementError):
    """Another result file of the batch is being applied, or its import was interrupted: a
    batch's payments are settled by one file at a time (nothing was booked)."""

    code = "import_unfinished"
    default_message = _(
        "Another result file of this batch is still being applied; nothing was booked."
    )


class ExportFileUnavailable(DisbursementError):
    """The bank file of an export is not kept here (made without a job, or removed)."""

    code = "export_file_unavailable"
    default_message = _("This bank file is not kept on the server; export the batch again.")


class ExportFileAltered(DisbursementError):
    """The stored bank file no longer matches the fingerprint logged when it was written."""

    code = "export_file_altered"
    default_message = _("The stored bank file was changed after it was written; it is not sent.")


class StoredNumberAltered(DisbursementError):
    """A payment's encrypted account or ID number does not hash to the value frozen with it
    (a ciphertext swapped underneath): the bank file is not written."""

    code = "stored_number_altered"
    default_message = _(
        "A payment's stored account or ID number was changed after the batch was built; the "
        "bank file is not written. Report it to the auditor."
    )


class IdempotencyConflict(DisbursementError):
    """The same Idempotency-Key was used before for something else."""

    code = "idempotency_conflict"
    default_message = _("This key was used for another request; send a new key for a new one.")


class OverRefund(DisbursementError):
    """A refund above what is still owed on a recovery."""

    code = "over_refund"
    default_message = _("The refund is more than is still owed on the recovery.")
