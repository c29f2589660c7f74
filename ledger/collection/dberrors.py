"""The collection's database refusals, as the person reads them.

Every collection guard (``dbguards``) starts its message with a stable rule token,
``collection[<rule>]: ...``; the English after it is for whoever reads the database's log. When a
write of the collection is refused by the database (a race, or a path that went around the
services' own checks), ``refusals_translated`` turns the token into the typed error of that rule
with a translated message that says what is wrong and what to do: no English inside a Chinese
message, no trigger name. A refusal without a collection token is left as it is (the posting
engine translates the ledger's own).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from django.db import DatabaseError
from django.utils.translation import gettext as _

from .exceptions import (
    CollectionError,
    PledgeError,
    ReceiptBookExhausted,
    VoidNotAllowed,
    WrongReceiptType,
)

TOKEN = re.compile(r"collection\[(\w+)\]")


def _messages() -> dict[str, tuple[type[CollectionError], str]]:
    """rule -> (typed error, translated message); built when needed, in the request's language."""
    return {
        "receipt_never_deleted": (
            VoidNotAllowed,
            _("A receipt is never deleted; ask for it to be voided instead."),
        ),
        "receipt_next_number": (
            CollectionError,
            _(
                "The receipt number was not the next one of its book (receipts are numbered "
                "without gaps or reuse). Nothing was recorded; record it again."
            ),
        ),
        "receipt_book_used_up": (
            ReceiptBookExhausted,
            _("The receipt book is used up. Ask the administrator to add a new receipt book."),
        ),
        "receipt_book_overlap": (
            CollectionError,
            _(
                "The numbers overlap another receipt book of the same series. Choose numbers "
                "after the last book's, or another series."
            ),
        ),
        "receipt_book_used_frozen": (
            CollectionError,
            _(
                "Receipts have been issued from this book: its type, series and numbers can no "
                "longer change. Take it out of use and add a new book."
            ),
        ),
        "receipt_book_type": (
            WrongReceiptType,
            _("A receipt must be of the type of the book it comes from."),
        ),
        "receipt_issued_valid": (
            CollectionError,
            _("A receipt is issued valid; it becomes void only through an approved void request."),
        ),
        "receipt_issued_without_entry": (
            CollectionError,
            _(
                "A receipt is issued before the journal entry that carries its income; the entry "
                "then names the receipt."
            ),
        ),
        "receipt_void_stays": (VoidNotAllowed, _("The receipt is void and stays void.")),
        "receipt_frozen": (
            CollectionError,
            _("An issued receipt never changes; ask for a void and issue a new one."),
        ),
        "receipt_entry_once": (
            CollectionError,
            _(
                "A receipt names the journal entry that carries its income once; that never changes."
            ),
        ),
        "receipt_entry_documents": (
            CollectionError,
            _(
                "A receipt can name only a posted journal entry that names the receipt and credits "
                "exactly its amount, in its fund and currency, to donation income (a donation "
                "receipt) or allocation income (a settlement receipt)."
            ),
        ),
        "record_frozen": (
            CollectionError,
            _(
                "A recorded donation, allocation or cash deposit is never changed or deleted; "
                "a wrong donation or allocation is corrected by voiding its receipt."
            ),
        ),
        "deposit_matches_entry": (
            CollectionError,
            _(
                "A cash deposit is exactly its deposit entry: cash on hand credited and cash at "
                "bank debited its amount, in its fund and currency."
            ),
        ),
        "record_receipt_type": (
            WrongReceiptType,
            _("A donation needs a donation receipt, and an allocation a settlement receipt."),
        ),
        "record_receipt_void": (
            VoidNotAllowed,
            _("The receipt is void; it cannot document new money."),
        ),
        "record_matches_receipt": (
            CollectionError,
            _(
                "A donation or allocation has exactly the amount, currency, fund and journal entry "
                "of its receipt."
            ),
        ),
        "record_pledge": (
            PledgeError,
            _(
                "A donation pays only a donation pledge of the same donor, and an allocation only "
                "a mandated-contribution pledge, in the pledge's fund and currency."
            ),
        ),
        "pledge_frozen": (
            PledgeError,
            _("A pledge's kind, donor, fund and currency never change."),
        ),
    }


def rule_of(exc: BaseException) -> str | None:
    """The collection rule a database error names, or None."""
    match = TOKEN.search(str(exc))
    return match.group(1) if match else None


def translated(exc: BaseException, subject: str = "") -> CollectionError | None:
    """The typed, translated error of a collection guard's refusal (``subject``, e.g. "Receipt
    ZJ-00000012", is put in front), or None when ``exc`` is not one."""
    rule = rule_of(exc)
    known = _messages().get(rule) if rule else None
    if known is None:
        return None
    error_class, message = known
    if subject:
        message = _("%(subject)s: %(message)s") % {"subject": subject, "message": message}
    return error_class(message)


@contextmanager
def refusals_translated(subject: str = ""):
    """Run writes of the collection; a refusal by one of its guards raises its typed error."""
    try:
        yield
    except DatabaseError as exc:  # IntegrityError included
        error = translated(exc, subject)
        if error is None:
            raise
        raise error from exc


__all__ = ["refusals_translated", "rule_of", "translated"]
