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
* **Accounts in use.** Before a bank account (a person's own, or a household's default) is
  changed, every registered counter is asked how many payments to that account are pending or
  sent (``account_payments_in_flight``). When any is, the change needs a second person's
  approval (``approvals.services.bank_account_change``). Disbursement counts its payments.
* **Public status facts.** The public status page (``selectors.case_status_public``) shows the
  end of a case once it is paid. Approvals does not know payments: each registered source is
  asked for a case's public facts — a list of ``{"label", "text", "paid_on"}`` rows, worded in
  the active language and holding only what the page may show (dates, amounts, an account's
  last four digits, masked names). Disbursement registers the payment of the award and, for a
  recurring program, the cycles paid to the case's beneficiaries.
* **Person flags.** The household page flags members that an app above has something to say
  about (disbursement: a person who still owes money paid in error, an open recovery). Each
  registered source gets the person ids and returns ``{person id: text}`` in the active
  language; ``person_flags`` merges them.
* **Final awards.** When a case becomes final (``services.case_finalise``), every registered
  listener is called with the case inside the same transaction, after the award is booked and
  under the same locks. Disbursement enrols the beneficiaries of a final case of a recurring
  program: a final, reviewed and posted case is the only way into a recurring program. A
  listener that raises refuses the finalisation (nothing is written).
* **Objection look-ups.** The public objection status page (``selectors.objection_status_public``)
  finds a tracking code among objections to cases; objections filed in an app above (to the
  rows of disbursement's annual confirmation) are found through each registered source, asked
  with the code and returning the same public dict (status, label, reply, filed at) or None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Case, Household, Person

CancelVeto = Callable[["Case"], "str | None"]
AccountUse = Callable[["Household", "Person | None"], int]
StatusSource = Callable[["Case"], "list[dict]"]
FinalListener = Callable[["Case"], None]

_final_listeners: list[FinalListener] = []
ObjectionLookup = Callable[[str], "dict | None"]
_objection_lookups: list[ObjectionLookup] = []


def register_objection_lookup(source: ObjectionLookup) -> None:
    """Ask ``source(tracking_code)`` on the public objection status page (registered once)."""
    if source not in _objection_lookups:
        _objection_lookups.append(source)


def objection_status_elsewhere(tracking_code: str) -> dict | None:
    """The first registered source's public status of ``tracking_code``, or None."""
    for source in tuple(_objection_lookups):
        found = source(tracking_code)
        if found:
            return found
    return None


_account_uses: list[AccountUse] = []

_cancel_vetoes: list[CancelVeto] = []
_status_sources: list[StatusSource] = []
PersonFlags = Callable[[list[int]], "dict[int, str]"]
_person_flag_sources: list[PersonFlags] = []


def register_person_flags(source: PersonFlags) -> None:
    """Ask ``source(person_ids)`` for flags on people (the household page; registered once)."""
    if source not in _person_flag_sources:
        _person_flag_sources.append(source)


def person_flags(person_ids) -> dict[int, list[str]]:
    """Every registered source's flags, by person id (people without any are absent)."""
    ids = list(person_ids)
    flags: dict[int, list[str]] = {}
    if not ids:
        return flags
    for source in tuple(_person_flag_sources):
        for person_id, text in (source(ids) or {}).items():
            flags.setdefault(person_id, []).append(str(text))
    return flags


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


def register_account_use(counter: AccountUse) -> None:
    """Ask ``counter(household, person)`` how many payments to the account of ``person`` (or,
    when ``None``, to the household's default account) are pending or sent."""
    if counter not in _account_uses:
        _account_uses.append(counter)


def unregister_account_use(counter: AccountUse) -> None:
    if counter in _account_uses:
        _account_uses.remove(counter)


def account_payments_in_flight(household: Household, person: Person | None) -> int:
    """The payments pending or sent to the account, as the registered counters count them."""
    return sum(int(counter(household, person) or 0) for counter in tuple(_account_uses))


def register_status_source(source: StatusSource) -> None:
    """Ask ``source(case)`` for the public facts of a case on the status page (once)."""
    if source not in _status_sources:
        _status_sources.append(source)


def public_status_facts(case: Case) -> list[dict]:
    """Every registered source's public facts about ``case``, in registration order."""
    facts: list[dict] = []
    for source in tuple(_status_sources):
        facts.extend(source(case) or [])
    return facts


def register_final_listener(listener: FinalListener) -> None:
    """Call ``listener(case)`` inside every finalisation of a case (registered once)."""
    if listener not in _final_listeners:
        _final_listeners.append(listener)


def case_became_final(case: Case) -> None:
    """Tell every registered listener that ``case`` is final (same transaction)."""
    for listener in tuple(_final_listeners):
        listener(case)


__all__ = [
    "ObjectionLookup",
    "objection_status_elsewhere",
    "register_objection_lookup",
    "FinalListener",
    "case_became_final",
    "register_final_listener",
    "AccountUse",
    "PersonFlags",
    "person_flags",
    "register_person_flags",
    "CancelVeto",
    "StatusSource",
    "account_payments_in_flight",
    "register_account_use",
    "unregister_account_use",
    "cancel_refusal",
    "public_status_facts",
    "register_cancel_veto",
    "register_status_source",
    "unregister_cancel_veto",
]
