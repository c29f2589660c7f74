"""Cash deposits: cash on hand taken to the bank (1002 Dr / 1001 Cr), never more than the fund
holds in cash, since cash on hand leaves only for the bank."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from ... import chart
from ...models import Account, DocumentKind, Fund
from ...selectors import account_balance
from ..dberrors import refusals_translated
from ..exceptions import CollectionError, InsufficientCash
from ..models import CashDeposit
from ._books import AuditAction, LineSpec, audit, check_ceiling, journal_post, lock_head, require
from ._common import fund_money, open_fund, same_or_conflict


def cash_deposit_record(
    *,
    fund: Fund | str,
    amount: Money,
    deposited_on: date,
    idempotency_key: str,
    actor,
    bank_slip: str = "",
) -> CashDeposit:
    """Move cash on hand to the bank (1002 Dr / 1001 Cr). Never more than the fund holds in cash."""
    require(actor, "ledger.add_cashdeposit")
    fund_obj = open_fund(fund)
    money = fund_money(amount, fund_obj, _("The deposit"))
    check_ceiling(DocumentKind.DEPOSIT, money)
    if not idempotency_key:
        raise CollectionError(_("An idempotency key is required."))
    with transaction.atomic():
        lock_head()
        existing = CashDeposit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return same_or_conflict(
                existing,
                {"fund_id": fund_obj.pk, "amount": money, "deposited_on": deposited_on},
                idempotency_key,
            )
        on_hand = account_balance(account=Account.objects.get(code=chart.CASH), fund=fund_obj).get(
            str(money.currency), Money(0, money.currency)
        )
        if money > on_hand:
            raise InsufficientCash(
                _("Fund %(fund)s has only %(cash)s in cash on hand; it cannot deposit %(amount)s.")
                % {"fund": fund_obj.code, "cash": on_hand, "amount": money}
            )
        entry = journal_post(
            date=deposited_on,
            lines=[
                LineSpec(chart.BANK, fund_obj, "D", money),
                LineSpec(chart.CASH, fund_obj, "C", money),
            ],
            idempotency_key=f"deposit:{idempotency_key}",
            memo=_("Cash deposited to the bank") + (f" ({bank_slip})" if bank_slip else ""),
            source="deposit",
            actor=actor,
        )
        with refusals_translated(_("Cash deposit")):
            deposit = CashDeposit.objects.create(
                fund=fund_obj,
                amount=money,
                deposited_on=deposited_on,
                bank_slip=bank_slip,
                entry=entry,
                idempotency_key=idempotency_key,
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
        audit(actor=actor, action=AuditAction.CASH_DEPOSIT, obj=deposit)
    return deposit
