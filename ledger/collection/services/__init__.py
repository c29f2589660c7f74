"""Every write of the collection, one module per noun.

``from ledger.collection import services; services.donation_record(...)`` is the public face;
the modules behind it:

* ``donors``: the donor register and the credit code check (``validate_credit_code``);
* ``donations``: a donation's receipt issued, its entry posted naming it, the donation row;
* ``allocations``: the same for budget money, with a settlement receipt (and the mandated
  contributions that pay a pledge);
* ``receipts``: receipt books, issuing the next number and posting the income it documents,
  voiding (maker-checker: the receipt is marked void, then its entry reversed);
* ``deposits``: cash on hand taken to the bank;
* ``pledges``: promises of a donation or of a mandated contribution, and writing them off;
* ``settlements``: a payment channel's settlement file matched to its donations, the money moved
  from the channel's clearing account to the bank with the fee, exceptions kept;
* ``imports``: bulk donations and donor lists from a file (rows checked in ``_import_rows``).

Each service is ``<noun>_<verb>(*, ..., actor)``: one transaction, the permission checked first
(``actor=None`` is the system itself), the books lock taken before anything that posts (the
global lock order: chain head, then receipt book rows by pk), an audit event in the same
transaction. What they need of the ledger comes through ``_books`` alone; their refusals are the
typed errors of ``ledger.collection.exceptions`` (a refusal by one of the collection's database
guards too: ``ledger.collection.dberrors`` translates it). Amounts are checked against the
ceiling of their kind of document (``ledger.limits``) before anything is written.
"""

from .allocations import allocation_record
from .deposits import cash_deposit_record
from .donations import DonationInput, donation_record, donation_record_locked
from .donors import donor_create, donor_fingerprint, donor_update, validate_credit_code
from .imports import DonorImportResult, ImportResult, donation_import, donor_import
from .pledges import pledge_create, pledge_write_off
from .receipts import (
    check_code_for,
    receipt_book_change,
    receipt_book_create,
    receipt_book_next,
    receipt_issue,
    receipt_issue_and_post,
    receipt_void_approve,
    receipt_void_reject,
    receipt_void_request,
)
from .settlements import SettlementResult, channel_exception_settle, channel_settlement_import

__all__ = [
    "DonationInput",
    "DonorImportResult",
    "ImportResult",
    "SettlementResult",
    "allocation_record",
    "cash_deposit_record",
    "channel_exception_settle",
    "channel_settlement_import",
    "check_code_for",
    "donation_import",
    "donation_record",
    "donation_record_locked",
    "donor_create",
    "donor_fingerprint",
    "donor_update",
    "donor_import",
    "pledge_create",
    "pledge_write_off",
    "receipt_book_change",
    "receipt_book_create",
    "receipt_book_next",
    "receipt_issue",
    "receipt_issue_and_post",
    "receipt_void_approve",
    "receipt_void_reject",
    "receipt_void_request",
    "validate_credit_code",
]
