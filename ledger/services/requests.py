"""Four eyes on every manual entry and every reversal: one person asks, a second one decides.

A manual journal entry, and the reversal of an entry made by hand, is never posted by the one
person who wants it. It is an ``EntryRequest``:

* ``entry_request_submit`` / ``reversal_request_submit`` — the maker asks, with a reason and
  any documents (PDF, JPEG or PNG, recognised by their content). The lines are checked at once
  with the posting engine's own validation (``ledger.posting.prepare``: accounts, funds,
  balance, currencies, purposes...), the date against closed periods, and the entry's total
  against the manual-entry ceiling (``ledger.limits``), so the maker sees every error while
  typing, not the approver a day later. The maker's key makes a double click or a retry one
  request; the same key with other content is refused (``IdempotencyConflict``);
* ``entry_request_approve`` — a second person with ``ledger.approve_entryrequest`` approves:
  in one transaction under the books lock the entry is posted (``journal_post``, source
  ``manual``, naming maker, approver and reason) or the reversal (``journal_reverse``, the same),
  and the request is marked approved with its entry. Approving twice posts once;
* ``entry_request_reject`` (with a reason) and ``entry_request_withdraw`` (the maker only).

The maker never decides their own request (refused here, and by the database: a check
constraint on the request, and the ledger's guards on the posted entry). An entry made by a
flow is never reversed by hand: ``reversal_request_submit`` refuses it with the flow's own
correction (``ledger.corrections``). Every step is audited.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date as date_type
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from common.replay import mark_replayed
from common.uploads import UploadRefused, check_document

from .. import posting
from ..audit import AuditAction, audit
from ..corrections import flow_refusal
from ..exceptions import (
    FourEyes,
    IdempotencyConflict,
    InvalidInput,
    NotReversible,
    PermissionDenied,
    RequestDecided,
)
from ..limits import check_ceiling
from ..locks import lock_head
from ..models import (
    DocumentKind,
    EntryRequest,
    EntryRequestAttachment,
    JournalEntry,
    Period,
    PeriodStatus,
    RequestKind,
    RequestStatus,
)
from ..posting import EntrySpec, LineSpec
from ..posting.refusals import period_closed
from ._common import require_perm
from .journal import journal_post, journal_reverse, reversal_refusal_if_reversed

PERM_SUBMIT = "ledger.add_entryrequest"
PERM_APPROVE = "ledger.approve_entryrequest"
MAX_ATTACHMENTS = 10
# The key of the entry an approved request posts: one request, one posting, whatever happens.
POSTING_KEY = "entry-request:{pk}"
# Validation at submit asks "would this post if a second person approved it now?": the approver
# is not known yet, so the check names someone other than the maker (no row is written).
_SECOND_PERSON = -1


# --------------------------------------------------------------------------------------------
# lines as stored on the request
# --------------------------------------------------------------------------------------------
def _code(value) -> str:
    return value if isinstance(value, str) else value.code


def lines_to_json(lines: Sequence[LineSpec]) -> list[dict]:
    """The request's ``lines``: plain text, as the maker asked."""
    return [
        {
            "account": _code(line.account),
            "fund": _code(line.fund),
            "side": line.side,
            "amount": f"{line.amount.amount:.2f}"
            if isinstance(line.amount, Money)
            else str(line.amount),
            "currency": str(line.amount.currency) if isinstance(line.amount, Money) else "",
            "memo": line.memo or "",
        }
        for line in lines
    ]


def lines_from_json(rows: Sequence[dict]) -> list[LineSpec]:
    return [
        LineSpec(
            account=row["account"],
            fund=row["fund"],
            side=row["side"],
            amount=Money(Decimal(row["amount"]), row["currency"] or settings.DEFAULT_CURRENCY),
            memo=row.get("memo", ""),
        )
        for row in rows
    ]


def request_totals(request: EntryRequest) -> dict[str, Decimal]:
    """Total debits per currency of an entry request's lines (a reversal: of the entry)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    if request.kind == RequestKind.REVERSAL and request.reverses_id:
        for line in request.reverses.lines.all():
            if line.side == "D":
                totals[str(line.amount.currency)] += line.amount.amount
    for row in request.lines:
        if row["side"] == "D":
            totals[row["currency"]] += Decimal(row["amount"])
    return dict(totals)


# --------------------------------------------------------------------------------------------
# checks shared by submit and approve
# --------------------------------------------------------------------------------------------
def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Give the reason for this entry: the approver and the auditor read it.")
        )
    if len(reason) > 1000:
        raise InvalidInput(_("The reason is longer than 1,000 characters."))
    return reason


def _check_open(day: date_type) -> None:
    """Refuse a date in a closed period now, not at approval."""
    period = Period.objects.filter(start__lte=day, end__gte=day).first()
    if period is not None and period.status != PeriodStatus.OPEN:
        raise period_closed(period.code, day)


def check_manual_ceiling(lines: Sequence[LineSpec]) -> None:
    """The entry's total (its debits, per currency) within the manual-entry ceiling."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.side == "D" and isinstance(line.amount, Money):
            totals[str(line.amount.currency)] += line.amount.amount
    for currency, total in sorted(totals.items()):
        check_ceiling(DocumentKind.MANUAL_ENTRY, Money(total, currency))


def check_entry(
    *, date: date_type, lines: Sequence[LineSpec], memo: str, reason: str, maker_id
) -> None:
    """Everything that can be said about a manual entry before it is approved: the posting
    engine's validation, the period and the ceiling. Raises the first refusal."""
    posting.prepare(
        [
            EntrySpec(
                date=date,
                lines=lines,
                idempotency_key="entry-request:check",
                memo=memo,
                source="manual",
                made_by_id=maker_id,
                approved_by_id=_SECOND_PERSON,
                reason=reason or "-",
            )
        ]
    )
    _check_open(date)
    check_manual_ceiling(lines)


def check_attachment(upload: UploadedFile) -> str:
    """The document's real type (PDF, JPEG or PNG), or ``InvalidInput`` saying what is wrong
    (``common.uploads.check_document``: the one check of every document upload)."""
    try:
        return check_document(upload)
    except UploadRefused as exc:
        raise InvalidInput(str(exc)) from exc


def _check_attachments(uploads: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(
            _("At most %(n)s documents may back one request.") % {"n": MAX_ATTACHMENTS}
        )
    return [(upload, check_attachment(upload)) for upload in uploads]


def _save_attachments(request: EntryRequest, checked) -> list[EntryRequestAttachment]:
    saved = []
    for upload, content_type in checked:
        upload.seek(0)
        digest = _sha256(upload)
        attachment = EntryRequestAttachment(
            request=request,
            name=(upload.name or "document")[:200],
            content_type=content_type,
            size=upload.size,
            sha256=digest,
        )
        attachment.file.save(upload.name or "document", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _replay(key: str, wanted: dict) -> EntryRequest | None:
    """The request already made under ``key`` when it asked the same; ``IdempotencyConflict``
    when it asked something else; ``None`` when the key is new."""
    existing = EntryRequest.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    same = all(getattr(existing, field) == value for field, value in wanted.items())
    if not same:
        raise IdempotencyConflict(
            _(
                "The key %(key)s was already used for request no. %(id)s with different "
                "content. Nothing new was asked; use a new key for a new request."
            )
            % {"key": key, "id": existing.pk}
        )
    return mark_replayed(existing)


def _create(fields: dict, checked_attachments, actor) -> EntryRequest:
    with transaction.atomic():
        request = EntryRequest.objects.create(**fields)
        saved = _save_attachments(request, checked_attachments)
        audit(
            actor=actor,
            action=AuditAction.ENTRY_REQUEST_SUBMIT,
            obj=request,
            kind=request.kind,
            reverses_seq=request.reverses.seq if request.reverses_id else None,
            attachments=[a.sha256 for a in saved],
        )
    return request


def _create_once(key: str, wanted: dict, fields: dict, checked, actor) -> EntryRequest:
    """Create the request, or answer a retry that raced us past ``_replay`` with the first."""
    try:
        return _create(fields, checked, actor)
    except IntegrityError:
        existing = _replay(key, wanted)
        if existing is None:
            raise
        return existing


# --------------------------------------------------------------------------------------------
# the maker
# --------------------------------------------------------------------------------------------
def entry_request_submit(
    *,
    date: date_type,
    lines: Sequence[LineSpec],
    reason: str,
    idempotency_key: str,
    actor,
    memo: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> EntryRequest:
    """Ask for a manual entry. Checked now as it would be posted; posted only when a second
    person approves it. The same key with the same content returns the first request."""
    require_perm(actor, PERM_SUBMIT)
    _require_person(actor)
    reason = _required_reason(reason)
    memo = (memo or "").strip()
    rows = lines_to_json(lines)
    wanted = {
        "kind": RequestKind.ENTRY,
        "date": date,
        "memo": memo,
        "reason": reason,
        "lines": rows,
        "made_by_id": actor.pk,
    }
    existing = _replay(idempotency_key, wanted)
    if existing is not None:
        return existing
    check_entry(date=date, lines=lines, memo=memo, reason=reason, maker_id=actor.pk)
    checked = _check_attachments(attachments)
    return _create_once(
        idempotency_key,
        wanted,
        {**wanted, "made_by": actor, "idempotency_key": idempotency_key},
        checked,
        actor,
    )


def reversal_request_submit(
    *,
    entry: JournalEntry,
    reason: str,
    idempotency_key: str,
    actor,
    date: date_type | None = None,
    memo: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> EntryRequest:
    """Ask for the reversal of an entry made by hand (dated ``date``, today by default). An
    entry made by a flow is refused with the way to correct it through that flow."""
    require_perm(actor, PERM_SUBMIT)
    _require_person(actor)
    entry = JournalEntry.objects.select_related("period").get(pk=entry.pk)
    refusal = flow_refusal(entry)
    if refusal is not None:
        raise refusal
    reason = _required_reason(reason)
    day = date or timezone.localdate()
    memo = (memo or "").strip() or _("Reversal of entry %(seq)s") % {"seq": entry.seq}
    wanted = {
        "kind": RequestKind.REVERSAL,
        "date": day,
        "memo": memo,
        "reason": reason,
        "reverses_id": entry.pk,
        "made_by_id": actor.pk,
    }
    existing = _replay(idempotency_key, wanted)
    if existing is not None:
        return existing
    _check_reversible(entry)
    pending = EntryRequest.objects.filter(
        reverses=entry, status=RequestStatus.PENDING, kind=RequestKind.REVERSAL
    ).first()
    if pending is not None:
        raise NotReversible(
            _("A reversal of entry %(seq)s is already waiting for approval (request no. %(id)s).")
            % {"seq": entry.seq, "id": pending.pk}
        )
    _check_open(day)
    checked = _check_attachments(attachments)
    return _create_once(
        idempotency_key,
        wanted,
        {**wanted, "made_by": actor, "idempotency_key": idempotency_key},
        checked,
        actor,
    )


def entry_request_attach(
    *, request: EntryRequest, uploads: Sequence[UploadedFile], actor
) -> list[EntryRequestAttachment]:
    """Add documents to one's own pending request."""
    require_perm(actor, PERM_SUBMIT)
    with transaction.atomic():
        request = EntryRequest.objects.select_for_update().get(pk=request.pk)
        if request.made_by_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the person who made a request adds documents to it."))
        _require_pending(request)
        if request.attachments.count() + len(uploads) > MAX_ATTACHMENTS:
            raise InvalidInput(
                _("At most %(n)s documents may back one request.") % {"n": MAX_ATTACHMENTS}
            )
        checked = _check_attachments(uploads)
        saved = _save_attachments(request, checked)
        audit(
            actor=actor,
            action=AuditAction.ENTRY_REQUEST_ATTACH,
            obj=request,
            attachments=[a.sha256 for a in saved],
        )
    return saved


def entry_request_withdraw(*, request: EntryRequest, actor) -> EntryRequest:
    """The maker takes back their pending request. Withdrawing again changes nothing."""
    with transaction.atomic():
        request = EntryRequest.objects.select_for_update().get(pk=request.pk)
        if request.made_by_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the person who made a request may withdraw it."))
        if request.status == RequestStatus.WITHDRAWN:
            return request
        _require_pending(request)
        request.status = RequestStatus.WITHDRAWN
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_at"])
        audit(actor=actor, action=AuditAction.ENTRY_REQUEST_WITHDRAW, obj=request)
    return request


# --------------------------------------------------------------------------------------------
# the second person
# --------------------------------------------------------------------------------------------
def entry_request_approve(*, request: EntryRequest, actor, note: str = "") -> EntryRequest:
    """Approve and post, in one transaction under the books lock. Approving an approved request
    again (a double click, a retry) returns it; nothing is posted twice."""
    require_perm(actor, PERM_APPROVE)
    _require_person(actor)
    with transaction.atomic():
        lock_head()  # first, always (docs/architecture.md, the lock order)
        request = EntryRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == RequestStatus.APPROVED:
            return request
        _require_pending(request)
        _require_second_person(request, actor)
        key = POSTING_KEY.format(pk=request.pk)
        if request.kind == RequestKind.ENTRY:
            lines = lines_from_json(request.lines)
            check_manual_ceiling(lines)  # the ceiling may have been lowered since
            entry = journal_post(
                date=request.date,
                lines=lines,
                idempotency_key=key,
                memo=request.memo,
                source="manual",
                made_by_id=request.made_by_id,
                approved_by_id=actor.pk,
                reason=request.reason,
                actor=actor,
            )
        else:
            refusal = flow_refusal(request.reverses)
            if refusal is not None:
                raise refusal
            entry = journal_reverse(
                entry=request.reverses,
                date=request.date,
                memo=request.memo,
                idempotency_key=key,
                made_by_id=request.made_by_id,
                approved_by_id=actor.pk,
                reason=request.reason,
                actor=actor,
            )
        request.status = RequestStatus.APPROVED
        request.entry = entry
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = (note or "").strip()[:1000]
        request.save(update_fields=["status", "entry", "decided_by", "decided_at", "decision_note"])
        audit(
            actor=actor,
            action=AuditAction.ENTRY_REQUEST_APPROVE,
            obj=request,
            entry_seq=entry.seq,
        )
    return request


def entry_request_reject(*, request: EntryRequest, actor, reason: str) -> EntryRequest:
    """Refuse a pending request, saying why (the maker reads it). Nothing is posted."""
    require_perm(actor, PERM_APPROVE)
    _require_person(actor)
    note = (reason or "").strip()
    if not note:
        raise InvalidInput(_("Say why the request is rejected: its maker reads it."))
    with transaction.atomic():
        request = EntryRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == RequestStatus.REJECTED and request.decided_by_id == actor.pk:
            return request
        _require_pending(request)
        _require_second_person(request, actor)
        request.status = RequestStatus.REJECTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note[:1000]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit(actor=actor, action=AuditAction.ENTRY_REQUEST_REJECT, obj=request, reason=note)
    return request


# --------------------------------------------------------------------------------------------
def _require_person(actor) -> None:
    if getattr(actor, "pk", None) is None:
        raise FourEyes(_("Manual entries and reversals are asked and decided by people."))


def _require_pending(request: EntryRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise RequestDecided(
            _("Request no. %(id)s is already %(status)s; nothing was changed.")
            % {"id": request.pk, "status": request.get_status_display()}
        )


def _require_second_person(request: EntryRequest, actor) -> None:
    if request.made_by_id == actor.pk:
        raise FourEyes(
            _(
                "You made request no. %(id)s yourself: a second person with the right to "
                "approve must decide it."
            )
            % {"id": request.pk}
        )


def _check_reversible(entry: JournalEntry) -> None:
    reversal_refusal_if_reversed(entry)


__all__ = [
    "MAX_ATTACHMENTS",
    "check_attachment",
    "check_entry",
    "check_manual_ceiling",
    "entry_request_approve",
    "entry_request_attach",
    "entry_request_reject",
    "entry_request_submit",
    "entry_request_withdraw",
    "lines_from_json",
    "lines_to_json",
    "request_totals",
    "reversal_request_submit",
]
