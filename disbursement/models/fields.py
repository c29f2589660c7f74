"""The two field shapes every payout model repeats: an amount of money and a user who did
something.

``money_field`` is two decimals up to 18 digits in the site's default currency (the ledger's
shape, so amounts move between payouts and the books unchanged); ``user_fk`` points to a user
and protects the row (a user who built, approved or imported something is never deleted from
under it), with no reverse accessor on the user unless one is asked for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from djmoney.models.fields import MoneyField


def money_field(**kwargs) -> MoneyField:
    return MoneyField(
        max_digits=18, decimal_places=2, default_currency=settings.DEFAULT_CURRENCY, **kwargs
    )


def user_fk(**kwargs) -> models.ForeignKey:
    kwargs.setdefault("related_name", "+")
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, **kwargs)
