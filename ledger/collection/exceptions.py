"""Typed refusals of the collection (donors, donations, allocations, receipts, deposits, pledges,
bulk imports).

Each is a ``LedgerError`` (the collection posts into the ledger's books, and its callers catch
the ledger's base) with a stable ``code`` from the catalogue of ``common.errors``, which gives its
HTTP status; the message says what is wrong and what to do, in the user's language.
"""

from ..exceptions import LedgerError


class CollectionError(LedgerError):
    code = "collection_error"


class InvalidDonor(CollectionError):
    code = "invalid_donor"


class InvalidCreditCode(InvalidDonor):
    code = "invalid_credit_code"


class DonorEditConflict(CollectionError):
    """The donor was changed by someone else since the form was read."""

    code = "edit_conflict"


class ReceiptBookExhausted(CollectionError):
    code = "receipt_book_exhausted"


class WrongReceiptType(CollectionError):
    code = "wrong_receipt_type"


class VoidNotAllowed(CollectionError):
    code = "void_not_allowed"


class InsufficientCash(CollectionError):
    code = "insufficient_cash"


class PledgeError(CollectionError):
    code = "pledge_error"


class ChannelRefTaken(CollectionError):
    """A WeChat Pay / Alipay / POS transaction already recorded as a donation (or settled)."""

    code = "channel_ref_taken"


class ImportRefused(LedgerError):
    """A bulk import file refused as a whole (unreadable, too large, a wrong header row); the
    problems of single rows are reported row by row instead."""

    code = "import_refused"
