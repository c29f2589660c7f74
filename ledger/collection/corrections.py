"""Where the collection's entries are corrected (``ledger.corrections``; registered by
``ledger.apps``): a donation's or an allocation's entry by voiding its receipt (asked by one
person, approved by another, which reverses the entry and marks the receipt void together); a
cash deposit's by a correcting manual entry with the bank's slip, approved by a second person."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from ..corrections import Correction
from ..models import JournalEntry
from .models import Receipt


def _receipt_of(entry: JournalEntry) -> Receipt | None:
    receipt = None
    if entry.income_receipt_id:
        receipt = Receipt.objects.select_related("book").filter(pk=entry.income_receipt_id).first()
    if receipt is None:
        receipt = Receipt.objects.select_related("book").filter(entry=entry).first()
    return receipt


def income_correction(entry: JournalEntry) -> Correction | None:
    """A donation or an allocation: void its receipt."""
    receipt = _receipt_of(entry)
    if receipt is None:
        return None
    if receipt.is_void:
        return Correction(
            _(
                "Entry no. %(seq)s records the money of receipt %(code)s, which is already "
                "void: its reversal was posted with the void."
            )
            % {"seq": entry.seq, "code": receipt.code}
        )
    return Correction(
        _(
            "Entry no. %(seq)s records the money of receipt %(code)s. It is not reversed by "
            "hand: ask for the receipt to be voided (a second person approves), which reverses "
            "the entry and voids the receipt together."
        )
        % {"seq": entry.seq, "code": receipt.code},
        reverse("collection:void-request-new", args=[receipt.pk]),
    )


def deposit_correction(entry: JournalEntry) -> Correction | None:
    return Correction(
        _(
            "Entry no. %(seq)s records a cash deposit. It is not reversed by hand: if the deposit "
            "was recorded wrongly, ask for a correcting manual entry (cash on hand against cash "
            "at bank) with the bank's slip attached; a second person approves it."
        )
        % {"seq": entry.seq},
        reverse("collection:deposits"),
    )


def settlement_correction(entry: JournalEntry) -> Correction | None:
    return Correction(
        _(
            "Entry no. %(seq)s settles payment-channel donations to the bank. It is not reversed "
            "by hand: the channel settled these transactions once. If the channel corrects its "
            "statement, ask for a correcting manual entry (cash at bank, bank charges, the "
            "channel's clearing account) with the channel's statement attached; a second "
            "person approves it."
        )
        % {"seq": entry.seq},
        reverse("collection:channel-reconciliation"),
    )


__all__ = ["deposit_correction", "income_correction", "settlement_correction"]
