"""Typed errors of the relief-case domain.

They subclass ``ledger.exceptions.LedgerError`` so the API layer (``fundapp/api.py``) maps them
exactly like the ledger's: a stable ``code``, an HTTP ``status`` and a message that says what was
wrong and what to do, in the user's language.
"""

from django.utils.translation import gettext_lazy as _

from ledger.exceptions import LedgerError


class ApprovalsError(LedgerError):
    code = "approvals_error"
    default_message = _("The relief-case rules refused this operation.")


class InvalidInput(ApprovalsError):
    """Bad or missing input (an empty reason, an unknown tier, ...)."""

    code = "invalid_input"
    default_message = _("The input is not valid.")


class InvalidIdNumber(InvalidInput):
    code = "invalid_id_number"
    default_message = _("The resident ID number is not valid.")


class NotEligible(ApprovalsError):
    """The program's own rules (window, age, region, exclusions, cap) refuse the case."""

    code = "not_eligible"
    default_message = _("The case does not meet the program's conditions.")


class DuplicateBeneficiary(ApprovalsError):
    code = "duplicate_beneficiary"
    status = 409
    default_message = _("This person is already in an open case.")


class DuplicatePerson(ApprovalsError):
    code = "duplicate_person"
    status = 409
    default_message = _("This person is already registered in a household.")


class ProgramMisconfigured(ApprovalsError):
    code = "program_misconfigured"
    default_message = _("The program is not configured correctly.")


class NotAllowed(ApprovalsError):
    """The user may not do this: wrong role, region, tier, or a rule such as four-eyes."""

    code = "not_allowed"
    status = 403
    default_message = _("You may not do this.")


class InvalidTransition(ApprovalsError):
    """The case (or notice, objection) is not in a state where this can be done."""

    code = "invalid_transition"
    status = 409
    default_message = _("The case is not in a state where this can be done.")


class AwardInPayment(ApprovalsError):
    """A later stage (payouts) holds on to a final award: it is in a payout batch, money may be
    on its way to the household, or it has been paid. The message says which and what to do."""

    code = "award_in_payment"
    status = 409
    default_message = _("The award is being paid out and cannot be cancelled now.")


class InsufficientFunds(ApprovalsError):
    code = "insufficient_funds"
    status = 409
    default_message = _("The fund does not have enough money available.")


class NotFound(ApprovalsError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")
