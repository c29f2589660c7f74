"""What the public status page may say of a case's money (``approvals.hooks``'s status facts,
registered in ``DisbursementConfig.ready``).

Only what DOMAIN.md lets a public page show: dates, amounts, the last four digits of the
account paid into, and names masked as the program's notices mask them. For a recurring
program, each year's annual confirmation outcome of the case's beneficiaries (continued, new or
stopped — never the reasons), once the list is posted, and the cycles paid to them.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.crypto import mask_bank_account, mask_name
from ledger.templatetags.money import format_money

from ..models import ConfirmationRow, ConfirmationStatus, Entitlement, Payment, PaymentStatus
from ..models.entitlements import RECURRING_CATEGORIES


def _day(moment) -> str:
    return timezone.localdate(moment).isoformat()


def _payment_text(payment: Payment | None) -> tuple[str, object]:
    """What to say of the latest payment of an award or entitlement, and its paid day."""
    if payment is None:
        return _("not paid yet"), None
    if payment.status == PaymentStatus.PAID:
        paid_on = timezone.localdate(payment.paid_at)
        text = _("paid on %(date)s: %(amount)s to the account %(account)s") % {
            "date": paid_on.isoformat(),
            "amount": format_money(payment.amount),
            "account": mask_bank_account(payment.account_last4) or "—",
        }
        return text, paid_on
    if payment.status == PaymentStatus.SENT:
        sent = payment.batch.exported_at
        return (
            _("being paid: sent to the bank on %(date)s") % {"date": _day(sent)}
            if sent
            else _("being paid: sent to the bank")
        ), None
    if payment.status == PaymentStatus.PENDING:
        return _("in a payout batch waiting for approval"), None
    return _("the bank could not pay it; it will be paid again"), None


def _latest(payments) -> dict[int, Payment]:
    latest: dict[int, Payment] = {}
    for payment in payments:
        key = payment.case_id or payment.entitlement_id
        if key not in latest or payment.pk > latest[key].pk:
            latest[key] = payment
    return latest


def case_payment_facts(case) -> list[dict]:
    """The award's payment, once the case is final; for a recurring program, each cycle of
    the case's beneficiaries."""
    facts: list[dict] = []
    if case.state == "final":
        payments = Payment.objects.filter(case=case).select_related("batch").order_by("id")
        payment = _latest(payments).get(case.pk)
        text, paid_on = _payment_text(payment)
        facts.append({"award": True, "label": _("Payment"), "text": text, "paid_on": paid_on})
    program = case.program
    if program.category in RECURRING_CATEGORIES:
        people = list(case.members.all()) or [p for p in case.household.people.all() if p.is_head]
        facts.extend(confirmation_facts(program, people))
        entitlements = list(
            Entitlement.objects.filter(enrolment__program=program, enrolment__person__in=people)
            .select_related("cycle", "enrolment__person")
            .order_by("cycle__code", "enrolment__person_id")
        )
        latest = _latest(
            Payment.objects.filter(entitlement__in=entitlements).select_related("batch")
        )
        for ent in entitlements:
            text, paid_on = _payment_text(latest.get(ent.pk))
            name = mask_name(ent.enrolment.person.name, program.name_masking)
            facts.append(
                {
                    "award": False,
                    "label": _("Cycle %(cycle)s") % {"cycle": ent.cycle.code},
                    "text": _("%(name)s: %(payment)s") % {"name": name, "payment": text}
                    if name
                    else text,
                    "paid_on": paid_on,
                }
            )
    return facts


CONFIRMATION_TEXT = {
    "continued": gettext_lazy("confirmed: the award continues this year"),
    "new": gettext_lazy("confirmed: newly included this year"),
    "stopped": gettext_lazy("not confirmed: no award this year"),
}


def confirmation_facts(program, people) -> list[dict]:
    """Each posted annual confirmation's outcome for ``people`` in ``program`` (masked names)."""
    rows = (
        ConfirmationRow.objects.filter(
            confirmation__program=program,
            confirmation__status__in=[ConfirmationStatus.ON_NOTICE, ConfirmationStatus.APPROVED],
            person__in=people,
        )
        .select_related("confirmation__cycle", "person")
        .order_by("confirmation__cycle__code", "person_id")
    )
    mode = "hide" if program.sensitive else program.name_masking
    facts = []
    for row in rows:
        name = mask_name(row.person.name, mode)
        text = str(CONFIRMATION_TEXT[row.outcome])
        facts.append(
            {
                "award": False,
                "label": _("Annual confirmation %(cycle)s")
                % {"cycle": row.confirmation.cycle.code},
                "text": _("%(name)s: %(outcome)s") % {"name": name, "outcome": text}
                if name
                else text,
                "paid_on": None,
            }
        )
    return facts
