"""The base of every refusal our services raise, and the one catalogue of their codes.

A service refuses with a typed error (``ledger.exceptions``, ``ledger.collection.exceptions``,
``approvals.exceptions``, ``disbursement.exceptions``), each a subclass of ``FundError``. An error
carries:

* ``code``: a stable machine-readable word, the same in the API body, the job records and the
  forms. Every code is listed once in ``CATALOGUE`` below with its HTTP status, so that a code
  means one thing across all apps and its status is known without the class (a failed job keeps
  only its code: ``status_for``);
* a message that says what was wrong and what to do, in the user's language.

A subclass names a code from the catalogue and gets its status from it; naming a code that is not
in the catalogue, or a status that disagrees with it, fails when the module is imported (tested),
so the catalogue cannot drift from the classes. Two apps may share a code (``not_allowed``,
``invalid_input``, ``insufficient_funds``) when it means the same thing in both.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# code -> HTTP status. Sorted by code; add a new code here before the class that raises it.
CATALOGUE: dict[str, int] = {
    "account_change_pending": 409,  # a change of that bank account already awaits approval
    "already_reversed": 409,  # the entry was reversed already
    "amount_mismatch": 400,  # a payment's amount is not its award's
    "amount_too_large": 400,  # above the ceiling for that kind of document
    "approvals_error": 400,  # base of the relief-case refusals
    "award_in_payment": 409,  # an award being paid is not cancelled
    "bank_file_rejected": 400,  # a bank result file with bad lines (each listed)
    "calendar_year_unknown": 409,  # the working-day calendar has no data for that year
    "cash_payout": 400,  # cash on hand leaves only for the bank
    "chain_key_missing": 503,  # the ledger chain key of the open segment is not configured
    "channel_ref_taken": 409,  # a channel transaction already recorded or settled
    "collection_error": 400,  # base of the collection's refusals
    "corrected_by_flow": 409,  # a flow's entry is corrected through its flow, not by hand
    "currency_not_held": 400,  # the fund does not hold that currency
    "disbursement_error": 400,  # base of the payout refusals
    "duplicate_award": 409,  # the person has an award in the program and cycle already
    "duplicate_beneficiary": 409,  # the person is in an open case already
    "duplicate_person": 409,  # the person belongs to another household
    "edit_conflict": 409,  # someone else saved the record since it was read: reload it
    "error": 400,  # the base itself (never raised as such)
    "export_file_altered": 409,  # a bank file no longer matches its logged hash
    "export_file_unavailable": 404,  # a bank file is gone from the export folder
    "four_eyes_required": 400,  # a manual entry or reclassification without maker, approver, reason
    "idempotency_conflict": 409,  # the key was used for other content
    "import_refused": 400,  # a bulk import with bad rows (each listed)
    "import_unfinished": 409,  # another bank result file of the batch is still being applied
    "income_without_receipt": 400,  # income booked without its valid receipt
    "insufficient_cash": 409,  # less cash on hand than the deposit
    "insufficient_funds": 409,  # less money available than asked
    "invalid_amount": 400,  # not a positive amount with at most two decimals
    "invalid_credit_code": 400,  # a unified social credit code that does not check
    "invalid_donor": 400,  # a donor's data is incomplete or wrong
    "invalid_entry": 400,  # a journal entry the rules refuse
    "invalid_id_number": 400,  # a resident ID number that does not check
    "invalid_input": 400,  # missing or malformed input
    "invalid_state": 409,  # a payout object not in a state for this
    "invalid_transition": 409,  # a case not in a state for this
    "layout_misconfigured": 400,  # a bank layout that cannot write or read a file
    "ledger_error": 400,  # base of the ledger's refusals
    "ledger_integrity": 500,  # the database refused what the service believed valid
    "not_allowed": 403,  # the rules refuse this user (region, tier, four eyes)
    "not_eligible": 400,  # the program's conditions refuse the case
    "not_found": 404,  # no such object in the user's region
    "not_reversible": 409,  # the entry cannot be reversed
    "over_refund": 409,  # a refund above what is still owed on a recovery
    "nothing_to_pay": 409,  # a batch would hold no payment
    "payment_in_flight": 409,  # a payment to the person is pending or sent: wait for its result
    "period_closed": 409,  # the date lies in a closed period
    "period_not_over": 409,  # a period closes only after its last day
    "period_open_items": 409,  # closing a period with open items needs confirming
    "permission_denied": 403,  # the user's role lacks the permission
    "person_in_use": 409,  # a person named in cases, awards or payments is not removed
    "pledge_error": 409,  # a pledge not in a state for this
    "program_misconfigured": 400,  # a program whose configuration cannot work
    "purpose_not_allowed": 400,  # a restricted fund paying a purpose it does not allow
    "receipt_book_exhausted": 409,  # no receipt number left in the book
    "request_decided": 409,  # an entry request already approved, rejected or withdrawn
    "unbalanced": 400,  # debits and credits differ
    "unknown_account": 400,  # no such account
    "stored_number_altered": 409,  # a payment's ciphertext does not match its frozen hash
    "unknown_fund": 400,  # no such fund
    "void_not_allowed": 409,  # the receipt cannot be voided (by this user)
    "wrong_receipt_type": 400,  # a receipt of the wrong type for this money
}


def status_for(code: str | None, default: int = 400) -> int:
    """The HTTP status of a code (``default`` for one the catalogue does not know)."""
    return CATALOGUE.get(code or "", default)


class FundError(Exception):
    """A refusal: ``code`` from ``CATALOGUE``, ``status`` from it, a message for people."""

    code = "error"
    status = 400
    default_message = _("This operation was refused.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.code not in CATALOGUE:
            raise TypeError(f"{cls.__qualname__}: error code {cls.code!r} is not in the catalogue")
        declared = cls.__dict__.get("status")
        if declared is not None and declared != CATALOGUE[cls.code]:
            raise TypeError(
                f"{cls.__qualname__}: status {declared} disagrees with the catalogue's "
                f"{CATALOGUE[cls.code]} for {cls.code!r}"
            )
        cls.status = CATALOGUE[cls.code]

    def __init__(self, message=None, **params):
        self.params = params
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(FundError):
    """The rules refuse this user: no permission for it, outside their region, not the tier's
    role, the same person on both sides of a four-eyes rule."""

    code = "not_allowed"
    default_message = _("You may not do this.")
