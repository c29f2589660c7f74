"""The journal's public services: post one entry, post a batch, reverse an entry.

Each checks the actor's permission, then hands the entries to ``ledger.posting``: ``prepare``
validates everything before anything is written, and ``write`` posts under the single books
lock, answering retries by idempotency key (the same key with the same content returns the first
entry; with different content, ``IdempotencyConflict``). A batch is all or nothing. A posted
entry is never changed: a correction is its reversal, which points to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import posting
from ..audit import AuditAction, audit
from ..corrections import is_hand_made
from ..exceptions import AlreadyReversed, InvalidEntry, NotReversible
from ..locks import lock_head
from ..models import EntryStatus, JournalEntry, Side
from ..posting import EntrySpec, LineSpec
from ._common import require_perm


def journal_post(
    *,
    date: date,
    lines: Sequence[LineSpec],
    idempotency_key: str,
    actor,
    memo: str = "",
    source: str = "manual",
    made_by=None,
    approved_by=None,
    reason: str = "",
    income_receipt=None,
    income_receipt_id: int | None = None,
    made_by_id: int | None = None,
    approved_by_id: int | None = None,
) -> JournalEntry:
    """Post one balanced entry. The same key with the same content returns the first entry.

    A manual entry (``source="manual"``), and any entry naming two funds or more, needs
    ``made_by`` and a different ``approved_by`` (users) and a ``reason``: it comes from an
    approved entry request. Income is credited only with the receipt that documents it
    (``income_receipt``, or its id ``income_receipt_id``: the money-in flows). Users may be
    given as objects (``made_by``) or ids (``made_by_id``); a manual entry is posted only by the
    approval of an entry request (``ledger.services.requests``).
    """
    require_perm(actor, "ledger.add_journalentry")
    spec = EntrySpec(
        date=date,
        lines=lines,
        idempotency_key=idempotency_key,
        memo=memo,
        source=source,
        made_by_id=made_by_id if made_by_id is not None else _pk(made_by),
        approved_by_id=approved_by_id if approved_by_id is not None else _pk(approved_by),
        reason=reason or "",
        income_receipt_id=income_receipt_id
        if income_receipt_id is not None
        else _pk(income_receipt),
    )
    return posting.write(posting.prepare([spec]), actor)[0]


def _pk(obj) -> int | None:
    """The primary key of a model instance, or the id itself (None stays None)."""
    if obj is None or isinstance(obj, int):
        return obj
    return obj.pk


def journal_post_many(*, entries: Sequence[EntrySpec], actor) -> list[JournalEntry]:
    """Post many entries in one database transaction: all of them or none.

    The path for imports and payout batches. Entries are validated first; the first invalid one
    stops the batch before anything is written.
    """
    require_perm(actor, "ledger.add_journalentry")
    if not entries:
        return []
    if any(e.reverses is not None for e in entries):
        raise InvalidEntry(_("Reversals are posted with journal_reverse."))
    with posting.cyclic_gc_paused(len(entries)):
        prepared = posting.prepare(entries)
        with transaction.atomic():
            result = posting.write(prepared, actor)
            audit(
                actor=actor,
                action=AuditAction.JOURNAL_POST_MANY,
                object_type="ledger.journalentry",
                object_id=f"{result[0].seq}..{result[-1].seq}",
                count=len(result),
            )
    return result


def journal_reverse(
    *,
    entry: JournalEntry,
    actor,
    date: date | None = None,
    memo: str = "",
    idempotency_key: str = "",
    made_by=None,
    approved_by=None,
    reason: str = "",
    made_by_id: int | None = None,
    approved_by_id: int | None = None,
) -> JournalEntry:
    """Post the mirror image of ``entry``, pointing to it. An entry is reversed at most once;
    asking again (a double click, a retry) returns the same reversal.

    This is the flows' own reversal, never a screen's or the API's: the receipt void reverses
    its donation or allocation, the award cancellation its award, each inside its own
    transaction with its own records. A person reverses a hand-made entry only through a
    reversal request approved by a second person (``ledger.services.requests``), which passes
    ``made_by_id``, ``approved_by_id`` (different) and ``reason``; without them a hand-made
    entry (``ledger.corrections.HAND_SOURCES``) is refused here. The reversal keeps the
    source of the entry it reverses. Users may be given as objects or ids; the reversal of a
    manual entry or a reclassification needs its maker, a different approver and a reason."""
    require_perm(actor, "ledger.reverse_journalentry")
    made_by_id = made_by_id if made_by_id is not None else _pk(made_by)
    approved_by_id = approved_by_id if approved_by_id is not None else _pk(approved_by)
    with transaction.atomic():
        lock_head()
        entry = JournalEntry.objects.select_related("period").get(pk=entry.pk)
        if is_hand_made(entry) and not (
            made_by_id and approved_by_id and made_by_id != approved_by_id and reason.strip()
        ):
            raise NotReversible(
                _(
                    "Entry %(seq)s was made by hand: it is reversed only through a reversal "
                    "request, with a reason, approved by a second person."
                )
                % {"seq": entry.seq}
            )
        already = existing_reversal(entry)
        if already is not None:
            if not idempotency_key or already.idempotency_key == idempotency_key:
                return already
            raise _already_reversed(entry, already)
        lines = [
            LineSpec(
                account=line.account,
                fund=line.fund,
                side=Side.CREDIT if line.side == Side.DEBIT else Side.DEBIT,
                amount=line.amount,
                memo=line.memo,
            )
            for line in entry.lines.select_related("account", "fund").order_by("line_no")
        ]
        spec = EntrySpec(
            date=date or timezone.localdate(),
            lines=lines,
            idempotency_key=idempotency_key or f"reverse:{entry.seq}",
            memo=memo or _("Reversal of entry %(seq)s") % {"seq": entry.seq},
            source=entry.source,
            reverses=entry,
            made_by_id=made_by_id,
            approved_by_id=approved_by_id,
            reason=reason or "",
        )
        reversal = posting.write(posting.prepare([spec]), actor)[0]
        audit(actor=actor, action=AuditAction.JOURNAL_REVERSE, obj=entry, reversal_seq=reversal.seq)
        return reversal


def existing_reversal(entry: JournalEntry) -> JournalEntry | None:
    """The reversal ``entry`` already has, if any; refuses an entry that cannot be reversed at
    all (not posted, or itself a reversal). Shared by ``journal_reverse`` and the reversal
    requests, so both refuse alike."""
    if entry.status != EntryStatus.POSTED:
        raise NotReversible(
            _("Entry %(seq)s is not posted and cannot be reversed.") % {"seq": entry.seq}
        )
    if entry.reverses_id is not None:
        raise NotReversible(
            _("Entry %(seq)s is itself a reversal; post a new entry instead of reversing it.")
            % {"seq": entry.seq}
        )
    return JournalEntry.objects.filter(reverses=entry).first()


def _already_reversed(entry: JournalEntry, already: JournalEntry) -> AlreadyReversed:
    return AlreadyReversed(
        _("Entry %(seq)s was already reversed by entry %(rev)s.")
        % {"seq": entry.seq, "rev": already.seq}
    )


def reversal_refusal_if_reversed(entry: JournalEntry) -> None:
    """Refuse ``entry`` when it cannot be reversed or already has been (a new request for it)."""
    already = existing_reversal(entry)
    if already is not None:
        raise _already_reversed(entry, already)


__all__ = [
    "existing_reversal",
    "journal_post",
    "journal_post_many",
    "journal_reverse",
    "reversal_refusal_if_reversed",
]
