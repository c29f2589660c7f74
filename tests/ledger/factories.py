"""Factories and small helpers for ledger tests."""

import itertools
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import factory
from djmoney.money import Money

from ledger import services
from ledger.models import Account, Fund, JournalLine
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


@contextmanager
def explained(*entries):
    """The sub-ledger documents of hand-made entries, for ``verify_ledger``: while inside, every
    line of these entries on a controlled account (income, awards payable, cash credits) counts
    as claimed by a document, as the line was posted. Tests of the ledger's own checks post
    entries by hand, with no receipt, award or deposit behind them."""
    from collections import defaultdict

    from ledger import chart
    from ledger.verification import (
        Claim,
        register_balance_source,
        register_claim_source,
        unregister_balance_source,
        unregister_claim_source,
    )

    rows = list(
        JournalLine.objects.filter(entry__in=entries).values_list(
            "entry_id", "account__code", "fund_id", "amount_currency", "side", "amount",
            "entry__date",
        )
    )  # fmt: skip
    owed = defaultdict(Decimal)  # what these entries left in awards payable (credit positive)
    for _entry, account, fund_id, currency, side, amount, _day in rows:
        if account == chart.AWARDS_PAYABLE:
            owed[(fund_id, currency)] += amount if side == "C" else -amount

    def source(lo, hi):
        for entry_id, account, fund_id, currency, side, amount, day in rows:
            if lo <= entry_id < hi:
                yield Claim(entry_id, account, fund_id, currency, side, amount, "test", "test", day)

    def balance():
        return dict(owed)

    register_claim_source(source)
    register_balance_source(chart.AWARDS_PAYABLE, balance)
    try:
        yield
    finally:
        unregister_claim_source(source)
        unregister_balance_source(chart.AWARDS_PAYABLE, balance)
