"""Which entries may be reversed by hand, and where a flow's entry is corrected instead.

An entry made by hand (source ``manual``, or ``api`` for entries the API posted before every
manual entry became a request) is corrected by a reversal request that a second person approves
(``ledger.services.requests``). An entry made by a flow (a donation, an allocation, a cash
deposit, an award, a payment, an entitlement...) is corrected only through that flow — void the
receipt, cancel the award, reissue the payment — because the flow's own records (the receipt,
the case, the payment) must move with the books: a hand reversal of a donation's entry would
leave its receipt valid and the thank-you list wrong.

The screens and the API ask ``flow_correction(entry)`` before offering a reversal. The ledger
cannot import the apps above it, so each flow registers, from its ``AppConfig.ready()``, a
function that says where its entries are corrected (``register_correction``), as reservation
sources and cancel vetoes are registered. Flows still reverse their own entries internally
with ``ledger.services.journal_reverse`` (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .exceptions import CorrectedByFlow
from .models import JournalEntry

# Sources of entries made by hand: these alone are reversed through a reversal request.
HAND_SOURCES = frozenset({"manual", "api"})


@dataclass(frozen=True)
class Correction:
    """Where a flow's entry is corrected: what to do (a sentence for people) and the page where
    it starts ("" when there is none to link to)."""

    message: str
    url: str = ""


CorrectionFinder = Callable[[JournalEntry], "Correction | None"]

_finders: dict[str, list[CorrectionFinder]] = {}


def register_correction(source: str, finder: CorrectionFinder) -> None:
    """Say where entries of ``source`` are corrected: ``finder(entry)`` returns a
    ``Correction`` (or ``None`` to let the next finder, or the general message, answer)."""
    found = _finders.setdefault(source, [])
    if finder not in found:
        found.append(finder)


def unregister_correction(source: str, finder: CorrectionFinder) -> None:
    if finder in _finders.get(source, []):
        _finders[source].remove(finder)


def is_hand_made(entry: JournalEntry) -> bool:
    return entry.source in HAND_SOURCES


def correction_for(entry: JournalEntry) -> Correction:
    """How a flow's entry is corrected (its flow's own answer, else a general one)."""
    for finder in tuple(_finders.get(entry.source, ())):
        correction = finder(entry)
        if correction is not None:
            return correction
    return Correction(
        _(
            "Entry no. %(seq)s was made by the %(source)s flow. It is corrected only through "
            "that flow, never reversed by hand."
        )
        % {"seq": entry.seq, "source": entry.source}
    )


def flow_refusal(entry: JournalEntry) -> CorrectedByFlow | None:
    """The refusal to reverse ``entry`` by hand, or ``None`` for an entry made by hand."""
    if is_hand_made(entry):
        return None
    correction = correction_for(entry)
    return CorrectedByFlow(str(correction.message), url=correction.url)


__all__ = [
    "HAND_SOURCES",
    "Correction",
    "correction_for",
    "flow_refusal",
    "is_hand_made",
    "register_correction",
    "unregister_correction",
]
