"""Amounts in Chinese financial capitals (大写金额) for receipts.

cn2an does the conversion (it matched every case of our table); this wrapper only fixes the
input form: a Decimal with two places, never a float, and refuses what a receipt cannot carry.
"""

from decimal import Decimal

import cn2an
from djmoney.money import Money

CENT = Decimal("0.01")


def amount_in_capitals(amount: Decimal | Money) -> str:
    """Decimal("10010.50") -> "壹万零壹拾元伍角"; Decimal("10") -> "壹拾元整"."""
    value = amount.amount if isinstance(amount, Money) else Decimal(amount)
    if value < 0:
        raise ValueError("a receipt amount is never negative")
    if value != value.quantize(CENT):
        raise ValueError("a receipt amount has at most two decimal places")
    return cn2an.an2cn(f"{value.quantize(CENT):f}", "rmb")
