"""Donations: post the gift (bank or cash against donation income, in the fund) and issue its
donation receipt, in one transaction under the books lock.

The lock is taken first (the global lock order: chain head, then receipt book rows by pk); the
idempotency key is checked under it, so a double-submitted form or a retried API call with the
same key returns the first donation and the same key with different content is refused.
``donation_record_locked`` is the body without the lock, for a caller that holds it already
(the bulk import records many rows under one lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ... import chart
from ...models import Fund
from ..exceptions import CollectionError, PledgeError
from ..models import Donation, Donor, DonorKind, Pledge, ReceiptType
from ._books import AuditAction, LineSpec, audit, journal_post, lock_head, require
from ._common import debit_account, fund_money, open_fund, same_or_conflict
from .receipts import receipt_issue


@dataclass(frozen=True)
class DonationInput:
    donor: Donor
    fund: Fund | str
    amount: Money
    method: str
    received_on: date
    idempotency_key: str
    project: str = ""
    pledge: Pledge | None = None


def _validate_donation(data: DonationInput) -> tuple[Fund, Money]:
    fund = open_fund(data.fund)
    amount = fund_money(data.amount, fund, _("The donation"))
    debit_account(data.method)
    if not isinstance(data.received_on, date):
        raise CollectionError(_("The date received is required."))
    if data.received_on > timezone.localdate():
        raise CollectionError(_("The date received cannot be in the future."))
    if not data.idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    if data.pledge is not None:
        if data.pledge.donor_id != data.donor.pk:
            raise PledgeError(_("That pledge was made by another donor."))
        if data.pledge.fund_id != fund.pk:
            raise PledgeError(
                _("That pledge is for fund %(fund)s.") % {"fund": data.pledge.fund.code}
            )
        if data.pledge.written_off:
            raise PledgeError(_("That pledge was written off; record the donation without it."))
    return fund, amount


def donation_record_locked(data: DonationInput, fund: Fund, amount: Money, actor) -> Donation:
    """The body of ``donation_record``, for a caller that holds the books lock (``lock_head``)
    and has checked the row (``fund`` open, ``amount`` valid in a currency it holds)."""
    existing = Donation.objects.filter(idempotency_key=data.idempotency_key).first()
    if existing is not None:
        return same_or_conflict(
            existing,
            {
                "donor_id": data.donor.pk,
                "fund_id": fund.pk,
                "amount": amount,
                "method": data.method,
                "received_on": data.received_on,
            },
            data.idempotency_key,
        )
    donor = data.donor
    entry = journal_post(
        date=data.received_on,
        lines=[
            LineSpec(debit_account(data.method), fund, "D", amount),
            LineSpec(chart.DONATION_INCOME, fund, "C", amount),
        ],
        idempotency_key=f"donation:{data.idempotency_key}",
        memo=_("Donation from %(donor)s") % {"donor": donor.name},
        source="donation",
        actor=actor,
    )
    receipt = receipt_issue(
        type=ReceiptType.DONATION,
        entry=entry,
        fund=fund,
        amount=amount,
        payer_name=donor.name,
        payer_credit_code=donor.credit_code,
        payer_is_person=donor.kind == DonorKind.PERSON,
        payer_anonymous=donor.anonymous,
        project=data.project or fund.name_zh,
        issued_on=data.received_on,
        actor=actor,
    )
    return Donation.objects.create(
        donor=donor,
        fund=fund,
        amount=amount,
        method=data.method,
        received_on=data.received_on,
        project=data.project,
        pledge=data.pledge,
        entry=entry,
        receipt=receipt,
        idempotency_key=data.idempotency_key,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def donation_record(
    *,
    donor: Donor,
    fund: Fund | str,
    amount: Money,
    method: str,
    received_on: date,
    idempotency_key: str,
    actor,
    project: str = "",
    pledge: Pledge | None = None,
) -> Donation:
    """Record a donation: post it (bank or cash against donation income, in the fund) and issue
    its donation receipt, in one transaction."""
    require(actor, "ledger.add_donation")
    data = DonationInput(donor, fund, amount, method, received_on, idempotency_key, project, pledge)
    fund_obj, money = _validate_donation(data)
    with transaction.atomic():
        lock_head()
        donation = donation_record_locked(data, fund_obj, money, actor)
        audit(
            actor=actor,
            action=AuditAction.DONATION_RECORD,
            obj=donation,
            receipt=donation.receipt.code,
        )
    return donation
