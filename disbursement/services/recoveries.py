"""Money paid in error comes back: a recovery proposed by one person and decided by another,
refunds booked against it, a write-off by a second person.

The books, through the recovery flow (entries of source ``recovery``, never manual entries, so
they are corrected only here, ``disbursement.hooks.payout_correction``):

* opening: recoveries receivable (1221) Dr / the program's expense account Cr, in the paying
  fund. The expense account itself is credited, not a contra-expense account: money paid in
  error was never a relief or reward payment, so the purpose's expense in 业务活动表 must shrink
  by it (民间非营利组织会计制度 books a recovered expense against the expense), and the
  line keeps the purpose the restricted fund allows (the same account the award debited);
* a refund: bank (1002) Dr / 1221 Cr. Refunds are not income (no receipt); each gets a refund
  slip number. Refunds go to the bank only: cash on hand leaves only for the bank by a deposit
  whose documents are donations, so a refund paid in cash is paid in at the bank's counter and
  recorded as such (``RefundMethod.COUNTER``);
* a write-off: the expense account Dr / 1221 Cr for what is still owed: the loss stands as the
  purpose's expense.

None of the three lowers a fund's available money (bank + cash − awards payable − reservations),
so no available check is needed; the ledger checks purposes as for every line.

Lock order, as everywhere: the chain head (``lock_head``) first, then the recovery row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed
from djmoney.money import Money

from approvals.models import region_covers
from approvals.selectors import staff_region
from ledger import chart
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head
from ledger.posting import LineSpec
from ledger.services import journal_post

from ..exceptions import IdempotencyConflict, InvalidInput, InvalidState, NotAllowed, OverRefund
from ..models import (
    LIVE_RECOVERY,
    Payment,
    PaymentStatus,
    Recovery,
    RecoveryReason,
    RecoveryRefund,
    RecoveryStatus,
    RefundMethod,
)
from ._common import CENT, money_text, require_perm, required_text

PERM_PROPOSE = "disbursement.add_recovery"
PERM_DECIDE = "disbursement.approve_recovery"
PERM_REFUND = "disbursement.add_recoveryrefund"
PERM_WRITE_OFF = "disbursement.write_off_recovery"
SOURCE = "recovery"


def recovery_label(recovery: Recovery) -> str:
    return f"RC{recovery.pk}"


def _amount(value, currency: str, what: str) -> Money:
    """A positive amount with at most two decimals, as Money in ``currency``."""
    raw = value.amount if isinstance(value, Money) else value
    try:
        amount = Decimal(str(raw))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidInput(
            _("%(what)s must be a positive amount with at most two decimals.") % {"what": what}
        )
    return Money(amount, currency)


def _require_region(actor, household) -> None:
    own = staff_region(actor)
    if not region_covers(own, household.region):
        raise NotAllowed(
            _("This person's household lies outside your region; staff of its region act on it.")
        )


def _save(recovery: Recovery) -> None:
    try:
        recovery.save()
    except ConcurrentTransition as exc:
        raise InvalidState(
            _("Recovery %(rc)s was changed by someone else a moment ago; reload it.")
            % {"rc": recovery_label(recovery)}
        ) from exc


def _lock(recovery: Recovery) -> Recovery:
    return (
        Recovery.objects.select_for_update(of=("self",))
        .select_related("fund", "payment", "person")
        .get(pk=recovery.pk)
    )


def refunded_total(recovery: Recovery) -> Decimal:
    """What the person has paid back so far."""
    from ..selectors import recovery_refunded

    return recovery_refunded(recovery)


# --------------------------------------------------------------------------------------------
# propose, open, reject
# --------------------------------------------------------------------------------------------
def recovery_propose(
    *,
    payment: Payment,
    amount,
    reason_code: str,
    reason_text: str,
    idempotency_key: str,
    actor,
    decision_text: str = "",
    decision_reference: str = "",
) -> Recovery:
    """Propose to recover (part of) a paid payment from its payee. Nothing is booked until a
    second person decides it (``recovery_open``). The same key with the same payment, amount and
    reason returns the first proposal; with anything else it is refused."""
    require_perm(actor, PERM_PROPOSE)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A recovery is proposed by a person (four eyes): name them."))
    key = required_text(idempotency_key, _("The submit key"))
    if reason_code not in RecoveryReason.values:
        raise InvalidInput(_("Choose the reason from the list."))
    reason_text = required_text(reason_text, _("What happened"))
    currency = str(payment.amount.currency)
    money = _amount(amount, currency, _("The amount to recover"))
    with transaction.atomic():
        existing = Recovery.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if (
                existing.payment_id == payment.pk
                and existing.amount == money
                and existing.reason_code == reason_code
            ):
                return existing
            raise IdempotencyConflict()
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("batch__program", "batch__fund", "household__region", "payee")
            .get(pk=payment.pk)
        )
        _require_region(actor, payment.household)
        if payment.status != PaymentStatus.PAID:
            raise InvalidState(
                _(
                    "Payment %(ref)s is %(status)s: only money the bank paid out is recovered. "
                    "A failed payment is still owed and is reissued instead."
                )
                % {"ref": payment.reference, "status": PaymentStatus(payment.status).label}
            )
        if money.amount > payment.amount.amount:
            raise InvalidInput(
                _("At most the payment's amount, %(amount)s, is recovered.")
                % {"amount": money_text(payment.amount.amount, currency)}
            )
        live = Recovery.objects.filter(payment=payment, status__in=LIVE_RECOVERY).first()
        if live is not None:
            raise InvalidState(
                _("Payment %(ref)s already has recovery %(rc)s (%(status)s).")
                % {
                    "ref": payment.reference,
                    "rc": recovery_label(live),
                    "status": RecoveryStatus(live.status).label,
                }
            )
        program = payment.batch.program
        recovery = Recovery(
            payment=payment,
            person=payment.payee,
            program=program,
            fund=payment.batch.fund,
            expense_account=program.expense_account,
            amount=money,
            reason_code=reason_code,
            reason_text=reason_text,
            decision_text=(decision_text or "").strip(),
            decision_reference=(decision_reference or "").strip(),
            created_by=actor,
            idempotency_key=key,
        )
        recovery.save()
        audit(
            actor=actor,
            action=AuditAction.RECOVERY_PROPOSE,
            obj=recovery,
            payment=payment.reference,
            person=payment.payee_id,
            amount=str(money.amount),
            reason=reason_code,
        )
    return recovery


def _decider(recovery: Recovery, actor) -> None:
    require_perm(actor, PERM_DECIDE)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A recovery is decided by a person (four eyes): name them."))
    if recovery.created_by_id == actor.pk:
        raise NotAllowed(
            _(
                "You proposed recovery %(rc)s, so you may not decide it: another person with the "
                "right must (four eyes)."
            )
            % {"rc": recovery_label(recovery)}
        )


def recovery_open(
    *, recovery: Recovery, decision_text: str, actor, decision_reference: str = ""
) -> Recovery:
    """A second person decides to recover: the receivable is booked (1221 Dr / expense Cr)."""
    _decider(recovery, actor)
    decision_text = required_text(decision_text, _("The decision"))
    with transaction.atomic():
        lock_head()
        recovery = _lock(recovery)
        _decider(recovery, actor)
        if not can_proceed(recovery.open):
            raise InvalidState(
                _("Recovery %(rc)s is %(status)s: only a proposed recovery is decided.")
                % {"rc": recovery_label(recovery), "status": recovery.get_status_display()}
            )
        _require_region(actor, recovery.payment.household)
        today = timezone.localdate()
        entry = journal_post(
            date=today,
            lines=[
                LineSpec(chart.RECOVERIES_RECEIVABLE, recovery.fund, "D", recovery.amount),
                LineSpec(recovery.expense_account, recovery.fund, "C", recovery.amount),
            ],
            idempotency_key=f"recovery:{recovery.pk}",
            actor=None,  # the flow books it; the audit event names who decided
            memo=_("Recovery %(rc)s of payment %(ref)s")
            % {"rc": recovery_label(recovery), "ref": recovery.payment.reference},
            source=SOURCE,
        )
        recovery.decision_text = decision_text
        if decision_reference:
            recovery.decision_reference = decision_reference.strip()
        recovery.open(actor, timezone.now(), entry)
        _save(recovery)
        audit(
            actor=actor,
            action=AuditAction.RECOVERY_OPEN,
            obj=recovery,
            entry_seq=entry.seq,
            amount=str(recovery.amount.amount),
        )
    return recovery


def recovery_reject(*, recovery: Recovery, decision_text: str, actor) -> Recovery:
    """A second person decides not to recover (with the reason); nothing is booked."""
    _decider(recovery, actor)
    decision_text = required_text(decision_text, _("The decision"))
    with transaction.atomic():
        recovery = _lock(recovery)
        if not can_proceed(recovery.reject):
            raise InvalidState(
                _("Recovery %(rc)s is %(status)s: only a proposed recovery is decided.")
                % {"rc": recovery_label(recovery), "status": recovery.get_status_display()}
            )
        _require_region(actor, recovery.payment.household)
        recovery.decision_text = decision_text
        recovery.reject(actor, timezone.now())
        _save(recovery)
        audit(actor=actor, action=AuditAction.RECOVERY_REJECT, obj=recovery)
    return recovery


# --------------------------------------------------------------------------------------------
# refunds, write-off
# --------------------------------------------------------------------------------------------
def refund_record(
    *,
    recovery: Recovery,
    amount,
    idempotency_key: str,
    actor,
    received_on: date | None = None,
    method: str = RefundMethod.BANK,
    bank_reference: str = "",
    note: str = "",
) -> tuple[RecoveryRefund, bool]:
    """Book money paid back against an open recovery (bank Dr / 1221 Cr), at most what is still
    owed; settles the recovery when nothing is left. Returns ``(refund, replayed)``: the same key
    with the same recovery, amount, day and method returns the first refund (``replayed``);
    with anything else it is refused."""
    require_perm(actor, PERM_REFUND)
    if not getattr(actor, "pk", None):
        raise NotAllowed(_("A refund is recorded by a person: name them."))
    key = required_text(idempotency_key, _("The submit key"))
    money = _amount(amount, str(recovery.amount.currency), _("The refund"))
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise InvalidInput(_("The day the money came back cannot be in the future."))
    if method not in RefundMethod.values:
        raise InvalidInput(_("Choose how the money was paid back from the list."))
    with transaction.atomic():
        lock_head()
        existing = RecoveryRefund.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if (
                existing.recovery_id == recovery.pk
                and existing.amount == money
                and existing.received_on == received_on
                and existing.method == method
            ):
                return existing, True
            raise IdempotencyConflict()
        recovery = _lock(recovery)
        _require_region(actor, recovery.payment.household)
        if recovery.status != RecoveryStatus.OPEN:
            raise InvalidState(
                _("Recovery %(rc)s is %(status)s: refunds are booked only against an open one.")
                % {"rc": recovery_label(recovery), "status": recovery.get_status_display()}
            )
        refunded = refunded_total(recovery)
        owed = recovery.amount.amount - refunded
        currency = str(recovery.amount.currency)
        if money.amount > owed:
            raise OverRefund(
                _(
                    "Recovery %(rc)s still claims %(owed)s; a refund of %(amount)s is more. "
                    "Book at most what is still owed (anything paid beyond it is returned to "
                    "the person, not booked here)."
                )
                % {
                    "rc": recovery_label(recovery),
                    "owed": money_text(owed, currency),
                    "amount": money_text(money.amount, currency),
                }
            )
        n = recovery.refunds.count() + 1
        entry = journal_post(
            date=received_on,
            lines=[
                LineSpec(chart.BANK, recovery.fund, "D", money),
                LineSpec(chart.RECOVERIES_RECEIVABLE, recovery.fund, "C", money),
            ],
            idempotency_key=f"recovery-refund:{recovery.pk}:{n}",
            actor=None,
            memo=_("Refund %(n)s of recovery %(rc)s") % {"n": n, "rc": recovery_label(recovery)},
            source=SOURCE,
        )
        refund = RecoveryRefund.objects.create(
            recovery=recovery,
            number=f"RF{recovery.pk:05d}-{n:02d}",
            amount=money,
            received_on=received_on,
            method=method,
            bank_reference=(bank_reference or "").strip()[:64],
            note=(note or "").strip()[:500],
            entry=entry,
            recorded_by=actor,
            idempotency_key=key,
        )
        settled = money.amount == owed
        if settled:
            recovery.settle()
            _save(recovery)
        audit(
            actor=actor,
            action=AuditAction.RECOVERY_REFUND,
            obj=recovery,
            refund=refund.number,
            amount=str(money.amount),
            entry_seq=entry.seq,
            settled=settled,
        )
    return refund, False


def recovery_write_off(*, recovery: Recovery, reason: str, actor) -> Recovery:
    """Write off what is still owed (a second person, never the one who proposed it, with a
    reason): the expense account Dr / 1221 Cr."""
    require_perm(actor, PERM_WRITE_OFF)
    reason = required_text(reason, _("The reason for the write-off"))
    if not getattr(actor, "pk", None) or recovery.created_by_id == actor.pk:
        raise NotAllowed(
            _(
                "You proposed recovery %(rc)s, so you may not write it off: another person with "
                "the right must (four eyes)."
            )
            % {"rc": recovery_label(recovery)}
        )
    with transaction.atomic():
        lock_head()
        recovery = _lock(recovery)
        _require_region(actor, recovery.payment.household)
        if not can_proceed(recovery.write_off):
            raise InvalidState(
                _("Recovery %(rc)s is %(status)s: only an open recovery is written off.")
                % {"rc": recovery_label(recovery), "status": recovery.get_status_display()}
            )
        owed = recovery.amount.amount - refunded_total(recovery)
        left = Money(owed, recovery.amount.currency)
        entry = journal_post(
            date=timezone.localdate(),
            lines=[
                LineSpec(recovery.expense_account, recovery.fund, "D", left),
                LineSpec(chart.RECOVERIES_RECEIVABLE, recovery.fund, "C", left),
            ],
            idempotency_key=f"recovery-writeoff:{recovery.pk}",
            actor=None,
            memo=_("Write-off of recovery %(rc)s") % {"rc": recovery_label(recovery)},
            source=SOURCE,
        )
        recovery.write_off(actor, timezone.now(), reason, entry)
        _save(recovery)
        audit(
            actor=actor,
            action=AuditAction.RECOVERY_WRITE_OFF,
            obj=recovery,
            amount=str(owed),
            entry_seq=entry.seq,
        )
    return recovery


__all__ = [
    "SOURCE",
    "recovery_label",
    "recovery_open",
    "recovery_propose",
    "recovery_reject",
    "recovery_write_off",
    "refund_record",
]
