"""What several of the collection's services check the same way: the fund money goes into, the
amount and its currency, the account a payment method debits, a repeated idempotency key."""

from __future__ import annotations

from django.utils.translation import gettext as _
from djmoney.money import Money

from common.replay import mark_replayed

from ... import chart
from ...exceptions import CurrencyNotHeld, IdempotencyConflict, UnknownFund
from ...models import Fund
from ..exceptions import CollectionError
from ..models import PaymentMethod
from ._books import check_amount


def open_fund(fund: Fund | str) -> Fund:
    """The fund (given or by code), refused when unknown or closed."""
    if isinstance(fund, Fund):
        fund = Fund.objects.filter(pk=fund.pk).first()
    else:
        fund = Fund.objects.filter(code=fund).first() if fund else None
    if fund is None:
        raise UnknownFund(_("There is no such fund."))
    if not fund.is_active:
        raise UnknownFund(
            _("Fund %(code)s is closed; it takes no more money.") % {"code": fund.code}
        )
    return fund


def fund_money(amount: Money, fund: Fund, what: str) -> Money:
    """A valid amount (the ledger's rules) in a currency the fund holds."""
    value, currency = check_amount(amount, what)
    if not fund.holds_currency(currency):
        raise CurrencyNotHeld(
            _("Fund %(fund)s does not hold %(cur)s; it holds %(held)s.")
            % {"fund": fund.code, "cur": currency, "held": ", ".join(fund.currencies or [])}
        )
    return Money(value, currency)


def same_or_conflict(existing, fields: dict, key: str):
    """The record already made under ``key`` if it has the same content (marked as a replay,
    ``common.replay``: the caller answers 200, not 201), else a conflict."""
    for name, value in fields.items():
        if getattr(existing, name) != value:
            raise IdempotencyConflict(
                _(
                    "The idempotency key %(key)s was already used to record something different "
                    "(%(field)s differs). Use a new key for a new record."
                )
                % {"key": key, "field": name}
            )
    return mark_replayed(existing)


def debit_account(method: str) -> str:
    """Cash lands in cash on hand; a transfer or a cheque at the bank."""
    if method not in PaymentMethod.values:
        raise CollectionError(_("The method must be bank transfer, cash or cheque."))
    return chart.CASH if method == PaymentMethod.CASH else chart.BANK
