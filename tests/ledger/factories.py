"""Factories and small helpers for ledger tests."""

import itertools
from datetime import date
from decimal import Decimal

import factory
from djmoney.money import Money

from ledger import services
from ledger.models import Account, Fund
from ledger.services import LineSpec


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:03d}")
    type = "asset"
    normal_side = "D"
    name_zh = factory.LazyAttribute(lambda o: f"科目{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Account {o.code}")


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"F{n:03d}")
    name_zh = factory.LazyAttribute(lambda o: f"基金{o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Fund {o.code}")
    restricted = False
    purposes = factory.LazyFunction(list)
    currencies = factory.LazyFunction(lambda: ["CNY"])


def cny(amount) -> Money:
    return Money(Decimal(str(amount)), "CNY")


_keys = itertools.count(1)


def transfer(
    debit: str,
    credit: str,
    amount,
    *,
    fund="RELIEF",
    key=None,
    day=None,
    actor=None,
    memo="",
    currency="CNY",
):
    """Post a two-line entry: debit one account, credit another, in one fund."""
    money = Money(Decimal(str(amount)), currency)
    return services.journal_post(
        date=day or date.today(),
        lines=[LineSpec(debit, fund, "D", money), LineSpec(credit, fund, "C", money)],
        idempotency_key=key or f"test:{next(_keys)}",
        actor=actor,
        memo=memo,
    )
