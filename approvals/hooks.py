"""Hooks through which apps above approvals take part in its decisions.

Arrows point down (ARCHITECTURE.md): approvals never imports the apps built on it. An app that
must be asked before approvals changes something registers a function here from its
``AppConfig.ready()``; approvals calls every registered function at the right moment.

* **Cancel vetoes.** Before a final award is cancelled (its award entry reversed), every
  registered veto is asked, inside the cancellation's transaction, after the ledger's posting
  lock and the case's row lock are taken (so a payout batch cannot be built, approved or
  booked for the award in between). A veto returns ``None`` to let the cancellation go ahead, or
  a message saying why not and what to do instead; the first message refuses the cancellation
  (``approvals.exceptions.AwardInPayment``, 409) and nothing is written. Disbursement uses it
  so an award cannot be cancelled while money for it may be on its way, or has been paid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Case

CancelVeto = Callable[["Case"], "str | None"]

_cancel_vetoes: list[CancelVeto] = []


def register_cancel_veto(veto: CancelVeto) -> None:
    """Ask ``veto(case)`` before every cancellation of a final award (registered once)."""
    if veto not in _cancel_vetoes:
        _cancel_vetoes.append(veto)


def unregister_cancel_veto(veto: CancelVeto) -> None:
    if veto in _cancel_vetoes:
        _cancel_vetoes.remove(veto)


def cancel_refusal(case: Case) -> str | None:
    """The first veto's message, or ``None`` when no registered veto objects."""
    for veto in tuple(_cancel_vetoes):
        message = veto(case)
        if message:
            return str(message)
    return None


__all__ = ["CancelVeto", "cancel_refusal", "register_cancel_veto", "unregister_cancel_veto"]
