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
from ..models import CHANNEL_METHODS, DIRECT_METHODS, PaymentMethod
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


def debit_account(method: str, *, channels: bool = False) -> str:
    """Cash lands in cash on hand; a transfer or a cheque at the bank; a WeChat Pay, Alipay or
    POS payment (``channels``: donations only) in the channel's clearing account, until the
    channel settles it to the bank."""
    if channels and method in CHANNEL_METHODS:
        return chart.CLEARING[method]
    if method not in DIRECT_METHODS:
        if channels:
            raise CollectionError(
                _("The method must be bank transfer, cash, cheque, WeChat Pay, Alipay or POS.")
            )
        raise CollectionError(_("The method must be bank transfer, cash or cheque."))
    return chart.CASH if method == PaymentMethod.CASH else chart.BANK


def clean_channel_ref(method: str, channel_ref: str) -> str:
    """The transaction reference a channel payment needs (and a direct one must not have)."""
    ref = (channel_ref or "").strip()
    if method in CHANNEL_METHODS:
        if not ref:
            raise CollectionError(
                _(
                    "A WeChat Pay, Alipay or POS donation needs the channel's transaction "
                    "reference (as on the payment record); the settlement is matched by it."
                )
            )
        if len(ref) > 64:
            raise CollectionError(_("The transaction reference has more than 64 characters."))
        if any(c.isspace() for c in ref):
            raise CollectionError(_("The transaction reference may not contain blanks."))
        return ref
    if ref:
        raise CollectionError(
            _("Only WeChat Pay, Alipay and POS donations carry a transaction reference.")
        )
    return ""
