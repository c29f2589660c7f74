"""Builders for approvals tests: a small county, staff in it, valid ID numbers, programs with
tiers, households, money in a fund, and cases driven to a given state through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from djmoney.money import Money
from stdnum.cn import ric

from approvals import services
from approvals.models import Program, ProgramTier, Region, StaffProfile
from approvals.services import PersonSpec
from ledger import chart
from ledger.models import Fund
from ledger.services import LineSpec, journal_post

_seq = itertools.count(1)
_keys = itertools.count(1)


def cny(amount) -> Money:
    return Money(Decimal(str(amount)), "CNY")


def id_number(birth: str = "19800101", *, male: bool = True, region: str = "110105") -> str:
    """A valid, unique 18-character resident ID number (GB 11643 check character)."""
    n = next(_seq) % 500
    seq = 2 * n + (1 if male else 0)  # the 17th digit's parity is the sex
    body = f"{region}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # it expects a placeholder check char


@dataclass
class World:
    county: Region
    town_a: Region
    town_b: Region
    village_a1: Region
    village_a2: Region
    village_b1: Region


def make_world() -> World:
    county = Region.objects.create(code="320102000000", name="玄武区", level="county")
    town_a = Region.objects.create(
        code="320102001000", name="梅园街道", level="township", parent=county
    )
    town_b = Region.objects.create(
        code="320102002000", name="新街口街道", level="township", parent=county
    )
    return World(
        county=county,
        town_a=town_a,
        town_b=town_b,
        village_a1=Region.objects.create(
            code="320102001001", name="梅园一村", level="village", parent=town_a
        ),
        village_a2=Region.objects.create(
            code="320102001002", name="梅园二村", level="village", parent=town_a
        ),
        village_b1=Region.objects.create(
            code="320102002001", name="新街一村", level="village", parent=town_b
        ),
    )


def make_staff(make_user, role: str, region: Region, username: str | None = None, *more_roles):
    Group.objects.get_or_create(name=role)
    user = make_user(role, *more_roles, username=username)
    StaffProfile.objects.create(user=user, region=region)
    return user


THREE_TIERS = [
    ("村委会", "Village committee", "village", None),
    ("乡镇", "Township", "township", None),
    ("县", "County", "county", None),
]


def make_program(
    *,
    code: str = "RELIEF1",
    fund: str = "RELIEF",
    category: str = "one_off_relief",
    amount_rule: str = "per_household",
    amount=None,
    cap=None,
    tiers=THREE_TIERS,
    **extra,
) -> Program:
    if amount_rule != "requested" and amount is None:
        amount = cny(1000)
    program = Program.objects.create(
        code=code,
        name_zh=f"项目{code}",
        name_en=f"Program {code}",
        category=category,
        fund=Fund.objects.get(code=fund),
        amount_rule=amount_rule,
        amount=amount,
        cap=cap,
        notice_authority="玄武区民政局",
        objection_phone="025-12345678",
        objection_address="玄武区民政局101室",
        **extra,
    )
    for order, (zh, en, level, min_amount) in enumerate(tiers, start=1):
        ProgramTier.objects.create(
            program=program,
            order=order,
            name_zh=zh,
            name_en=en,
            region_level=level,
            min_amount=min_amount,
        )
    return program


def fund_money(amount, fund: str = "RELIEF", day: date | None = None):
    """Money at the fund's bank, as an opening balance: an approved manual entry by two test
    users (Dr 1002 / Cr 3102 restricted net assets, or 3101 in an unrestricted fund). Income is
    credited only with its receipt, through the donation service, which these tests of cases and
    payouts do not need."""
    money = cny(amount)
    fund_obj = Fund.objects.get(code=fund)
    users = get_user_model().objects
    return journal_post(
        date=day or date.today(),
        lines=[
            LineSpec(chart.BANK, fund, "D", money),
            LineSpec(
                chart.RESTRICTED_NET_ASSETS
                if fund_obj.restricted
                else chart.UNRESTRICTED_NET_ASSETS,
                fund,
                "C",
                money,
            ),
        ],
        idempotency_key=f"test-opening:{next(_keys)}",
        actor=None,
        memo="money in",
        made_by=users.get_or_create(username="test-maker")[0],
        approved_by=users.get_or_create(username="test-approver")[0],
        reason="test money into the fund, approved",
    )


def drain(amount, fund: str = "RELIEF", day: date | None = None):
    """Money leaves the fund's bank outside the payout path, whatever the fund has promised:
    the latest ``fund_money`` entry of the fund is found mistaken and reversed (reversals
    restore an earlier state, so no available-money check applies), and the rest of it is put
    back. A plain spending entry could not do it: no posting takes available money below zero."""
    from ledger.models import JournalEntry
    from ledger.services import journal_reverse

    entry = (
        JournalEntry.objects.filter(
            idempotency_key__startswith="test-opening:",
            lines__fund__code=fund,
            reversed_by__isnull=True,
        )
        .order_by("-seq")
        .distinct()
        .first()
    )
    held = entry.lines.get(side="D").amount.amount
    users = get_user_model().objects
    journal_reverse(
        entry=entry,
        actor=None,
        date=day or date.today(),
        memo="mistaken money in",
        made_by=users.get_or_create(username="test-maker")[0],
        approved_by=users.get_or_create(username="test-approver")[0],
        reason="test: the money left the bank",
    )
    rest = held - Decimal(str(amount))
    if rest > 0:
        fund_money(rest, fund, day)


def make_household(actor, village: Region, *, members: int = 1, head_name: str = "张小明", **kw):
    people = [PersonSpec(name=head_name, id_number=id_number(), relation="head")]
    for i in range(1, members):
        people.append(
            PersonSpec(name=f"成员{i}", id_number=id_number("20100101"), relation="child")
        )
    return services.household_register(
        region=village,
        address=kw.pop("address", "梅园一村8号"),
        people=people,
        actor=actor,
        phone=kw.pop("phone", "13800000000"),
        bank_name="农业银行",
        bank_account=kw.pop("bank_account", "6228480012345678901"),
        **kw,
    )
