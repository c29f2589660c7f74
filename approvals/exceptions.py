"""Typed errors of the relief-case domain.

They subclass ``common.errors.FundError`` so the API layer (``common.api``) maps them exactly
like every other app's: a stable ``code`` from the catalogue (which gives the HTTP ``status``) and
a message that says what was wrong and what to do, in the user's language.
"""

from django.utils.translation import gettext_lazy as _

from common import errors


class ApprovalsError(errors.FundError):
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
    default_message = _("This person is already in an open case.")


class DuplicateAward(ApprovalsError):
    """One beneficiary, one award per program and cycle, whatever its source (a relief case or
    a recurring program's entitlement): the message names the award the person already has."""

    code = "duplicate_award"
    default_message = _("This person already has an award in this program and cycle.")


class DuplicatePerson(ApprovalsError):
    code = "duplicate_person"
    default_message = _("This person is already registered in a household.")


class ProgramMisconfigured(ApprovalsError):
    code = "program_misconfigured"
    default_message = _("The program is not configured correctly.")


class NotAllowed(ApprovalsError, errors.NotAllowed):
    """The user may not do this: wrong role, region, tier, or a rule such as four-eyes."""

    code = "not_allowed"
    default_message = _("You may not do this.")


class InvalidTransition(ApprovalsError):
    """The case (or notice, objection) is not in a state where this can be done."""

    code = "invalid_transition"
    default_message = _("The case is not in a state where this can be done.")


class AwardInPayment(ApprovalsError):
    """A later stage (payouts) holds on to a final award: it is in a payout batch, money may be
    on its way to the household, or it has been paid. The message says which and what to do."""

    code = "award_in_payment"
    default_message = _("The award is being paid out and cannot be cancelled now.")


class InsufficientFunds(ApprovalsError):
    code = "insufficient_funds"
    default_message = _("The fund does not have enough money available.")


class NotFound(ApprovalsError):
    code = "not_found"
    default_message = _("Not found.")


class AccountChangePending(ApprovalsError):
    """A change of the same bank account already waits for a second person's decision."""

    code = "account_change_pending"
    default_message = _("A change of this bank account already awaits approval.")


class ChangeDecided(ApprovalsError):
    """A bank account change that was already applied, approved or rejected."""

    code = "request_decided"
    default_message = _("This change was already decided.")


class EditConflict(ApprovalsError):
    """The household (or a member) was corrected by someone else since the form was read."""

    code = "edit_conflict"
    default_message = _("Someone else changed this household meanwhile; reload it.")


class PaymentInFlight(ApprovalsError):
    """A payment to the person is pending or at the bank: what it carries must not change."""

    code = "payment_in_flight"
    default_message = _("A payment to this person is pending or sent; wait for the bank's result.")


class PersonInUse(ApprovalsError):
    """A member named in cases, awards, enrolments or payments is kept (their status changes)."""

    code = "person_in_use"
    default_message = _("This person is named in cases or payments and stays registered.")
