"""Payout batches after building (``build``): approve (a supervisor who did not build it),
discard a draft, and export the bank payment file.

Lock order, as everywhere: the ledger's chain head first (``ledger.locks.lock_head``: every
service that checks money and then books or commits it takes it), then the batch row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed
from djmoney.money import Money

from approvals import crypto
from approvals.models import AccountChangeStatus, BankAccountChange
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head

from ..bankfiles import write_payment_file
from ..exceptions import (
    ExportFileAltered,
    ExportFileUnavailable,
    InvalidInput,
    InvalidState,
    LayoutMisconfigured,
    NotAllowed,
    StoredNumberAltered,
)
from ..models import (
    AccountOwner,
    BankLayout,
    BankResultImport,
    BatchStatus,
    ExportFormat,
    ExportLog,
    Payment,
    PaymentStatus,
    PayoutBatch,
)
from ._common import (
    NO_PROGRESS,
    ZERO,
    Progress,
    check_payout_cover,
    export_dir,
    require_perm,
    required_text,
    without_jit,
)

PERM_BUILD = "disbursement.build_payoutbatch"
PERM_APPROVE = "disbursement.approve_payoutbatch"
PERM_EXPORT = "disbursement.export_payoutbatch"
INSERT_CHUNK = 5000


def batch_label(batch: PayoutBatch) -> str:
    """The batch as people name it (``PB<id>``), in messages and payment references."""
    return f"PB{batch.pk}"


def save_batch(batch: PayoutBatch) -> None:
    """Save a batch whose status moved, refusing when someone else moved it first."""
    try:
        batch.save()
    except ConcurrentTransition as exc:
        raise InvalidState(
            _("Batch %(batch)s was changed by someone else a moment ago; reload it.")
            % {"batch": batch_label(batch)}
        ) from exc


# --------------------------------------------------------------------------------------------
# approve, discard
# --------------------------------------------------------------------------------------------
def _lock_batch(batch: PayoutBatch) -> PayoutBatch:
    return (
        PayoutBatch.objects.select_for_update(of=("self",)).select_related("fund").get(pk=batch.pk)
    )


def stale_payments(batch: PayoutBatch):
    """The batch's payments whose copy of the payee no longer matches the registry: the account
    it was built with is not where the payee would be paid now (their own account changed or
    removed, a household default changed, or the payee got an account of their own), the
    payee's name changed, or a change of the account awaits a second person's approval. Paying
    them would send money (a reissue above all) to an account already corrected."""
    waiting = BankAccountChange.objects.filter(status=AccountChangeStatus.PENDING)
    return Payment.objects.filter(batch=batch).filter(
        Q(account_owner=AccountOwner.PERSON) & ~Q(account_hash=F("payee__bank_account_hash"))
        | Q(account_owner=AccountOwner.HOUSEHOLD)
        & (~Q(payee__bank_account_enc="") | ~Q(account_hash=F("household__bank_account_hash")))
        | ~Q(payee_name=Substr(F("payee__name"), 1, 50))
        | Exists(waiting.filter(person_id=OuterRef("payee_id")))
        | Exists(waiting.filter(person__isnull=True, household_id=OuterRef("household_id")))
    )


def batch_approve(*, batch: PayoutBatch, actor) -> PayoutBatch:
    """A supervisor who did not build the batch approves it: from now on nothing is added or
    removed, failed payments it reissues are marked reissued, and its money counts as committed.
    The fund's cover is checked again (money may have moved since the build), and so is every
    payee's account: a batch with a payment to an account corrected since the build
    (``stale_payments``) is refused, to be discarded and built again (each payment then takes
    the account approved now)."""
    require_perm(actor, PERM_APPROVE)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A batch is approved by a person: name the finance supervisor."))
    with transaction.atomic():
        lock_head()
        batch = _lock_batch(batch)
        if batch.built_by_id == actor.pk:
            raise NotAllowed(
                _(
                    "You built batch %(batch)s, so you may not approve it: another finance "
                    "supervisor must (maker-checker)."
                )
                % {"batch": batch_label(batch)}
            )
        if not can_proceed(batch.approve):
            raise InvalidState(
                _("Batch %(batch)s is %(status)s: only a batch awaiting approval is approved.")
                % {"batch": batch_label(batch), "status": BatchStatus(batch.status).label}
            )
        check_payout_cover(
            fund=batch.fund,
            currency=str(batch.total.currency),
            amount=batch.total.amount,
            exclude_batch=batch,
        )
        # Under the chain head: an account change approved after this check waits for the
        # batch (its payments are then in flight, and the change needs a second person).
        stale = list(stale_payments(batch).order_by("id")[:5])
        if stale:
            raise InvalidState(
                _(
                    "The bank account or name of a payee changed after batch %(batch)s was "
                    "built (%(refs)s): discard the batch and build it again, so that each "
                    "payment goes to the account approved now."
                )
                % {
                    "batch": batch_label(batch),
                    "refs": ", ".join(f"{p.reference} {p.payee_name}" for p in stale),
                }
            )
        batch.approve(actor, timezone.now())
        save_batch(batch)
        reissued = Payment.objects.filter(
            pk__in=Payment.objects.filter(batch=batch, reissue_of__isnull=False).values(
                "reissue_of_id"
            ),
            status=PaymentStatus.FAILED,
        ).update(status=PaymentStatus.REISSUED)
        audit(
            actor=actor,
            action=AuditAction.BATCH_APPROVE,
            obj=batch,
            total=str(batch.total.amount),
            reissued=reissued,
        )
    return batch


def batch_discard(*, batch: PayoutBatch, reason: str, actor) -> PayoutBatch:
    """Throw away a draft batch (its awards are owed again and go into a later batch)."""
    require_perm(actor, PERM_BUILD)
    reason = required_text(reason, _("The reason for discarding"))
    with transaction.atomic():
        lock_head()
        batch = _lock_batch(batch)
        if not can_proceed(batch.discard):
            raise InvalidState(
                _("Batch %(batch)s is %(status)s: only a draft batch can be discarded.")
                % {"batch": batch_label(batch), "status": BatchStatus(batch.status).label}
            )
        removed, _detail = Payment.objects.filter(batch=batch).delete()
        batch.discard(reason)
        save_batch(batch)
        audit(
            actor=actor, action=AuditAction.BATCH_DISCARD, obj=batch, reason=reason, removed=removed
        )
    return batch


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------
@dataclass
class ExportResult:
    log: ExportLog
    content: bytes
    filename: str


def check_exportable(batch: PayoutBatch) -> None:
    if batch.status not in (BatchStatus.APPROVED, BatchStatus.EXPORTED):
        raise InvalidState(
            _(
                "Batch %(batch)s is %(status)s: only an approved batch goes to the bank. A "
                "finance supervisor who did not build it must approve it first."
            )
            % {"batch": batch_label(batch), "status": BatchStatus(batch.status).label}
        )
    if BankResultImport.objects.filter(batch=batch).exists():
        raise InvalidState(
            _(
                "The bank's results for batch %(batch)s are already being imported; sending "
                "the file again could pay someone twice. Failed payments are reissued in a new "
                "batch."
            )
            % {"batch": batch_label(batch)}
        )


def batch_export(
    *,
    batch: PayoutBatch,
    layout: BankLayout,
    fmt: str = ExportFormat.CSV,
    actor,
    progress: Progress = NO_PROGRESS,
) -> ExportResult:
    """The bank payment file of an approved batch in the bank's layout (CSV or Excel).

    Whole account numbers (and the payees' ID numbers, when the layout has an ``id_number``
    column) are decrypted only into the file's bytes, which are returned and not kept; the export is logged (who, when, batch, layout, sha256, rows, total) and the batch's
    payments are marked sent. Exporting again (a lost file) is allowed until the bank's results
    are imported, and is logged again.
    """
    require_perm(actor, PERM_EXPORT)
    if fmt not in ExportFormat.values:
        raise InvalidInput(_("Export as csv or xlsx."))
    problems = layout.configuration_errors()
    if problems:
        raise LayoutMisconfigured(" ".join(problems))
    batch = PayoutBatch.objects.get(pk=batch.pk)
    check_exportable(batch)
    # The payments of an approved batch cannot change (database guards), so the file is written
    # outside the transaction and the progress is visible while it is.
    memo = batch.program.code
    columns = [field for field, _header in layout.export_columns]
    with_id = "id_number" in columns  # decrypted only when the layout asks for it
    progress.start(batch.count, _("Writing the bank file"))
    total = ZERO

    def rows():
        nonlocal total
        qs = Payment.objects.filter(
            batch=batch, status__in=[PaymentStatus.PENDING, PaymentStatus.SENT]
        ).order_by("id")
        fields = (
            "reference",
            "payee_name",
            "account_enc",
            "account_hash",
            "amount",
            "amount_currency",
            "bank_name",
            "payee_id_enc" if with_id else "reference",
            "payee__id_number_hash" if with_id else "reference",
        )
        for i, (ref, name, enc, acc_hash, amount, cur, bank, id_enc, id_hash) in enumerate(
            qs.values_list(*fields).iterator(chunk_size=INSERT_CHUNK), start=1
        ):
            total += amount
            if i % INSERT_CHUNK == 0:
                progress.step(i)
            # The ciphertexts may be re-encrypted by a key rotation (the guards let them change);
            # what they hold is pinned by the hashes, checked here before a number is written.
            account = crypto.decrypt(enc)
            if crypto.lookup_hash("bank", account) != acc_hash:
                raise StoredNumberAltered()
            id_number = crypto.decrypt(id_enc) if with_id else ""
            if with_id and crypto.lookup_hash("id", id_number) != id_hash:
                raise StoredNumberAltered()
            yield {
                "reference": ref,
                "holder": name,
                "id_number": id_number,
                "account": account,
                "amount": f"{amount:.2f}",
                "currency": cur,
                "bank_name": bank,
                "memo": memo,
            }

    content, count = write_payment_file(layout, rows(), fmt)
    digest = hashlib.sha256(content).hexdigest()
    filename = f"PB{batch.pk}-{timezone.localtime():%Y%m%d%H%M%S}.{fmt}"
    with transaction.atomic():
        without_jit()
        batch = _lock_batch(batch)
        check_exportable(batch)
        sent = Payment.objects.filter(batch=batch, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.SENT
        )
        batch.mark_exported(timezone.now())
        save_batch(batch)
        log = ExportLog.objects.create(
            batch=batch,
            layout=layout,
            format=fmt,
            sha256=digest,
            rows=count,
            total=Money(total, batch.total.currency),
            filename=filename,
            columns=columns,
            exported_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(
            actor=actor,
            action=AuditAction.BATCH_EXPORT,
            obj=batch,
            export=log.pk,
            sha256=digest,
            rows=count,
            total=str(total),
            format=fmt,
            layout=layout.name,
            columns=columns,
            marked_sent=sent,
        )
    progress.step(count)
    return ExportResult(log=log, content=content, filename=filename)


def export_file(*, log: ExportLog, actor) -> bytes:
    """The bank file an export wrote, for download: only from the export folder, only if it
    still matches the sha256 logged when it was written, and audited (it holds whole account
    numbers). Screens and the API both serve it through here."""
    require_perm(actor, PERM_EXPORT)
    folder = export_dir().resolve()
    path = Path(log.file_path).resolve() if log.file_path else None
    if path is None or not path.is_relative_to(folder) or not path.is_file():
        raise ExportFileUnavailable(
            _(
                "The file of export %(id)s is not kept here; export batch PB%(batch)s again "
                "(allowed until the bank's results are imported)."
            )
            % {"id": log.pk, "batch": log.batch_id}
        )
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != log.sha256:
        raise ExportFileAltered(
            _(
                "The stored file %(name)s does not match the fingerprint logged when it was "
                "written; it was not sent. Export the batch again and tell the supervisor."
            )
            % {"name": log.filename}
        )
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditAction.BATCH_EXPORT_DOWNLOAD,
            obj=log.batch,
            export=log.pk,
            sha256=log.sha256,
        )
    return content
