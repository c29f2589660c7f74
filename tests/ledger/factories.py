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


def four_eyes() -> dict:
    """A maker and a different approver (two test users) and a reason: what a manual entry or a
    reclassification needs to post (an approved entry request, in the real flow)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    maker = users.get_or_create(username="test-maker")[0]
    approver = users.get_or_create(username="test-approver")[0]
    return {"made_by": maker, "approved_by": approver, "reason": "test entry, approved"}


# Income accounts are credited only by the money-in flows, with a receipt. A test that needs money
# in a fund gets it as an approved manual entry to net assets instead: unrestricted (3101) in an
# unrestricted fund, restricted (3102) in a restricted one.
INCOME = {"4101", "4201"}


def net_assets(code: str, fund) -> str:
    if code not in INCOME:
        return code
    fund_obj = fund if isinstance(fund, Fund) else Fund.objects.get(code=fund)
    return "3102" if fund_obj.restricted else "3101"


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
    source="manual",
):
    """Post a two-line entry: debit one account, credit another, in one fund. A manual one (the
    default) is made and approved by two test users; another ``source`` stands for a flow's
    entry. Income (4101, 4201) becomes net assets (``net_assets``)."""
    money = Money(Decimal(str(amount)), currency)
    return services.journal_post(
        date=day or date.today(),
        lines=[
            LineSpec(net_assets(debit, fund), fund, "D", money),
            LineSpec(net_assets(credit, fund), fund, "C", money),
        ],
        idempotency_key=key or f"test:{next(_keys)}",
        actor=actor,
        memo=memo,
        source=source,
        **(four_eyes() if source == "manual" else {}),
    )


def four_eyes_ids() -> dict:
    """``four_eyes()`` as the ids an ``EntrySpec`` takes."""
    found = four_eyes()
    return {
        "made_by_id": found["made_by"].pk,
        "approved_by_id": found["approved_by"].pk,
        "reason": found["reason"],
    }


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
