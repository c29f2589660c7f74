"""How payouts take part in decisions of the apps below it (registered in ``apps.py``).

* **Cancelling a final award** (``approvals.services.case_cancel``) is refused while the award
  has a live payment (``LIVE_STATUSES``): pending in a batch, sent to the bank, or paid. What a
  finance office expects, case by case:

  - *in a batch awaiting approval* (draft): refused until that batch is discarded. Taking one
    payment out of a batch the supervisor may be checking would change what they approve; the
    officer discards the batch (its other awards are owed again) and builds a new one after
    the cancellation;
  - *in an approved batch* or *sent to the bank*: refused. Nothing is added to or removed from
    an approved batch, and money may already be on its way; if the bank reports the payment
    failed, the award can be cancelled then (a failed payment is not live);
  - *paid*: refused. The money has left the fund; reversing the award would leave awards
    payable in debit. Recovering money paid in error is a separate, booked operation.

  The veto runs inside the cancellation's transaction, after the ledger's posting lock (which
  building, approving and booking a batch also take), so the answer cannot go stale before
  the award is reversed.

* **Correcting a payout's entry** (``ledger.corrections``): the journal's reverse button and the
  API send the user to the payment's batch, or the entitlement's cycle, instead of reversing.
* **Closing a period** (``ledger.periods_open_items``): payout batches still in draft are listed
  on the closing page.
* **Changing a bank account** (``approvals.services.bank_account_change``): the payments pending
  or sent to it are counted (``account_payments_in_flight``); any, and the change waits for a
  second person.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.corrections import Correction
from ledger.periods_open_items import OpenItem

from .models import (
    IN_FLIGHT_STATUSES,
    LIVE_STATUSES,
    AccountOwner,
    BatchStatus,
    Entitlement,
    Payment,
    PaymentStatus,
    PayoutBatch,
    Recovery,
)


def account_payments_in_flight(household, person) -> int:
    """Payments pending or sent to the account of ``person`` (their own), or to the default
    account of ``household`` when ``person`` is ``None``: the account each was built with, as
    long as the holder still has it."""
    if person is not None:
        payments = Payment.objects.filter(
            payee_id=person.pk,
            account_owner=AccountOwner.PERSON,
            account_hash=person.bank_account_hash,
        )
    else:
        payments = Payment.objects.filter(
            household_id=household.pk,
            account_owner=AccountOwner.HOUSEHOLD,
            account_hash=household.bank_account_hash,
        )
    return payments.filter(status__in=IN_FLIGHT_STATUSES).count()


def award_payment_veto(case) -> str | None:
    """Why a final award may not be cancelled now, or ``None`` when no payment holds it."""
    payment = (
        Payment.objects.filter(case_id=case.pk, status__in=LIVE_STATUSES)
        .select_related("batch")
        .order_by("-id")
        .first()
    )
    if payment is None:
        return None
    where = {
        "number": case.number,
        "batch": f"PB{payment.batch_id}",
        "ref": payment.reference,
    }
    if payment.status == PaymentStatus.PAID:
        return _(
            "Award %(number)s was paid on %(date)s (payment %(ref)s in batch %(batch)s): the "
            "money has left the fund, so the award cannot be cancelled. If it was paid in "
            "error, recover the money from the household and book the refund."
        ) % {**where, "date": timezone.localtime(payment.paid_at).date().isoformat()}
    if payment.status == PaymentStatus.SENT:
        return (
            _(
                "Award %(number)s is in batch %(batch)s, sent to the bank (payment %(ref)s): money "
                "may be on its way to the household. Wait for the bank's result; if the payment "
                "fails, the award can be cancelled then."
            )
            % where
        )
    if payment.batch.status == BatchStatus.DRAFT:
        return (
            _(
                "Award %(number)s is in payout batch %(batch)s, which awaits approval (payment "
                "%(ref)s). Discard that batch first (its other awards are owed again and go into "
                "a new batch), then cancel the award."
            )
            % where
        )
    return (
        _(
            "Award %(number)s is in approved payout batch %(batch)s (payment %(ref)s), which goes "
            "to the bank as approved and cannot be changed. Wait for the bank's result; if the "
            "payment fails, the award can be cancelled then."
        )
        % where
    )


def payout_correction(entry) -> Correction | None:
    payment = Payment.objects.filter(entry=entry).select_related("batch").first()
    if payment is not None:
        return Correction(
            _(
                "Entry no. %(seq)s books payment %(ref)s of batch %(batch)s as paid by the bank. "
                "It is not reversed by hand: a payment is corrected through its batch (the "
                "bank's result file; a failed payment is reissued in a new batch)."
            )
            % {"seq": entry.seq, "ref": payment.reference, "batch": payment.batch},
            reverse("payouts:batch", args=[payment.batch_id]),
        )
    entitlement = Entitlement.objects.filter(entry=entry).select_related("cycle").first()
    if entitlement is not None:
        return Correction(
            _(
                "Entry no. %(seq)s books an entitlement of cycle %(cycle)s. It is not reversed "
                "by hand: an entitlement is corrected through its cycle and the beneficiary's "
                "enrolment."
            )
            % {"seq": entry.seq, "cycle": entitlement.cycle.code},
            reverse("payouts:cycles"),
        )
    return Correction(
        _(
            "Entry no. %(seq)s was booked from a bank result file (a bank charge). It is not "
            "reversed by hand: it is corrected through the payout batch it came with."
        )
        % {"seq": entry.seq},
        reverse("payouts:batches"),
    )


def recovery_correction(entry) -> Correction | None:
    """A recovery's entries (its opening, refunds, write-off) are corrected on its page."""
    from django.db.models import Q

    recovery = (
        Recovery.objects.filter(Q(entry=entry) | Q(write_off_entry=entry) | Q(refunds__entry=entry))
        .distinct()
        .first()
    )
    if recovery is None:
        return None
    return Correction(
        _(
            "Entry no. %(seq)s belongs to recovery RC%(id)s (money paid in error). It is not "
            "reversed by hand: the recovery is corrected on its page (a refund booked, or what "
            "cannot be recovered written off by a second person)."
        )
        % {"seq": entry.seq, "id": recovery.pk},
        reverse("payouts:recovery", args=[recovery.pk]),
    )


def person_recovery_flags(person_ids) -> dict[int, str]:
    """approvals.hooks: a line for each person still owing money paid in error."""
    from .selectors import open_recoveries

    flags = {}
    for person_id, found in open_recoveries(list(person_ids)).items():
        flags[person_id] = _("owes back %(owed)s paid in error (%(labels)s)") % {
            "owed": ", ".join(f"{r.currency} {r.owed:,}" for r in found),
            "labels": ", ".join(r.label for r in found),
        }
    return flags


def draft_batches(period) -> list[OpenItem]:
    """Payout batches built by the end of ``period`` and still in draft (not approved)."""
    count = PayoutBatch.objects.filter(
        status=BatchStatus.DRAFT, built_at__date__lte=period.end
    ).count()
    return [
        OpenItem(
            _("payout batches still in draft, not yet approved"),
            count,
            reverse("payouts:batches") + "?status=draft",
        )
    ]
