"""Donations: issue the donation receipt, post the gift naming it (bank or cash against donation
income, in the fund), then write the donation row, in one transaction under the books lock (income
only with its document; the database holds donation = receipt = income line).

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
from ...models import DocumentKind, Fund
from ..dberrors import refusals_translated
from ..exceptions import ChannelRefTaken, CollectionError, PledgeError, WrongReceiptType
from ..models import (
    Donation,
    Donor,
    DonorKind,
    Pledge,
    PledgeKind,
    ReceiptStatus,
    ReceiptType,
)
from ._books import AuditAction, audit, check_ceiling, lock_head, require
from ._common import clean_channel_ref, debit_account, fund_money, open_fund, same_or_conflict
from .receipts import receipt_issue_and_post


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
    channel_ref: str = ""


def _validate_donation(data: DonationInput) -> tuple[Fund, Money]:
    fund = open_fund(data.fund)
    amount = fund_money(data.amount, fund, _("The donation"))
    check_ceiling(DocumentKind.DONATION, amount)
    debit_account(data.method, channels=True)
    clean_channel_ref(data.method, data.channel_ref)
    if not isinstance(data.received_on, date):
        raise CollectionError(_("The date received is required."))
    if data.received_on > timezone.localdate():
        raise CollectionError(_("The date received cannot be in the future."))
    if not data.idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    if data.pledge is not None:
        if data.pledge.kind == PledgeKind.CONTRIBUTION:
            raise WrongReceiptType(
                _(
                    "That pledge is a mandated contribution: it is paid by an allocation with a "
                    "settlement receipt, never with a donation receipt. Record an allocation."
                )
            )
        if data.pledge.donor_id != data.donor.pk:
            raise PledgeError(_("That pledge was made by another donor."))
        if data.pledge.fund_id != fund.pk:
            raise PledgeError(
                _("That pledge is for fund %(fund)s.") % {"fund": data.pledge.fund.code}
            )
        if data.pledge.written_off:
            raise PledgeError(_("That pledge was written off; record the donation without it."))
        if str(data.pledge.amount.currency) != str(amount.currency):
            raise PledgeError(
                _("That pledge is in %(cur)s.") % {"cur": data.pledge.amount.currency}
            )
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
                "channel_ref": clean_channel_ref(data.method, data.channel_ref),
            },
            data.idempotency_key,
        )
    channel_ref = clean_channel_ref(data.method, data.channel_ref)
    if channel_ref:
        # Under the books lock every donation is recorded one at a time, so this check holds
        # against two at once; a voided donation's reference may be recorded again (corrected).
        taken = (
            Donation.objects.filter(method=data.method, channel_ref=channel_ref)
            .exclude(receipt__status=ReceiptStatus.VOID)
            .select_related("receipt__book")
            .first()
        )
        if taken is not None:
            raise ChannelRefTaken(
                _(
                    "The %(channel)s transaction %(ref)s is already recorded (receipt "
                    "%(code)s); one payment is one donation."
                )
                % {
                    "channel": taken.get_method_display(),
                    "ref": channel_ref,
                    "code": taken.receipt.code,
                }
            )
    donor = data.donor
    receipt = receipt_issue_and_post(
        type=ReceiptType.DONATION,
        fund=fund,
        amount=amount,
        debit=debit_account(data.method, channels=True),
        income_account=chart.DONATION_INCOME,
        payer_name=donor.name,
        payer_credit_code=donor.credit_code,
        payer_is_person=donor.kind == DonorKind.PERSON,
        payer_anonymous=donor.anonymous,
        project=data.project or fund.name_zh,
        issued_on=data.received_on,
        idempotency_key=f"donation:{data.idempotency_key}",
        memo=_("Donation from %(donor)s") % {"donor": donor.name},
        source="donation",
        actor=actor,
    )
    with refusals_translated(_("Donation with receipt %(code)s") % {"code": receipt.code}):
        return Donation.objects.create(
            donor=donor,
            fund=fund,
            amount=amount,
            method=data.method,
            channel_ref=channel_ref,
            received_on=data.received_on,
            project=data.project,
            pledge=data.pledge,
            entry=receipt.entry,
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
    channel_ref: str = "",
) -> Donation:
    """Record a donation: issue its donation receipt, post it naming the receipt (bank or cash
    against donation income, in the fund), write the donation, in one transaction. A pledge it
    pays must promise a donation (a mandated contribution is paid by ``allocation_record``).
    WeChat Pay, Alipay and POS donations (``CHANNEL_METHODS``) carry the channel's transaction
    reference and land in the channel's clearing account until the channel settles them
    (``channel_settlement_import``)."""
    require(actor, "ledger.add_donation")
    data = DonationInput(
        donor, fund, amount, method, received_on, idempotency_key, project, pledge, channel_ref
    )
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
