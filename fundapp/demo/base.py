"""What every demo module shares: the key prefix that marks the demo's own postings, amounts in
the default currency, and the rule for dating this month's entries.

Imports no other demo module, so any of them can use it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from djmoney.money import Money

# Every donation, allocation and deposit the demo records carries an idempotency key with this
# prefix: it is how a second run sees that the demo is already loaded.
KEY_PREFIX = "demo:"


def cny(amount: str) -> Money:
    """``amount`` (a decimal string) in the default currency."""
    return Money(Decimal(amount), settings.DEFAULT_CURRENCY)


def this_month(today: date, days_ago: int) -> date:
    """``days_ago`` days before ``today``, but never before the 1st of this month: last month's
    period is closed by the demo, so this month's entries spread over the days already past."""
    return max(today.replace(day=1), today - timedelta(days=days_ago))
