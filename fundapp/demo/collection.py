"""More of the demo's money in, through the collection services (the receipt books are made by
``books``): unit and person donors, donations with their receipts (one paying part of a pledge), a cash deposit, cash
left waiting, an allocation with its settlement receipt, an overdue partly paid pledge and a
future one, a receipt voided by the supervisor, and WeChat Pay / Alipay donations with one WeChat
settlement (its fee to bank charges; one Alipay gift left waiting in its clearing account).

Order: runs after ``books.load_books`` (its entries are dated in this month, last month being
closed there) and before the cases and payouts, whose fund balances include this money.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from fundapp import roles
from ledger.collection import services as collection
from ledger.collection.models import Donation, Donor, Pledge
from ledger.models import JournalEntry

from .base import KEY_PREFIX, cny, this_month
from .books import HOSPITAL_CODE

# WeChat Pay's settlement file for two of the demo's gifts (0.6% fee), as the merchant platform
# exports it (Chinese headers).
WECHAT_SETTLEMENT = """交易日期,商户单号,交易金额,手续费,结算金额
{day},4200002026120700001,500.00,3.00,497.00
{day},4200002026120700002,88.00,0.53,87.47
"""


def load_collection(users) -> dict[str, object]:
    """Record the demo's money in; returns the number of donations and pledges, and of journal
    entries so far (``entries``: the count the command's summary prints)."""
    today = timezone.localdate()
    officer = users[roles.FINANCE_OFFICER]
    supervisor = users[roles.FINANCE_SUPERVISOR]

    def this(days_ago: int) -> date:
        return this_month(today, days_ago)

    units = [Donor.objects.get(credit_code=HOSPITAL_CODE)] + [
        collection.donor_create(kind="unit", name=name, credit_code=code, actor=officer)
        for name, code in [
            ("县第一中学", "12410000MB00000023"),
            ("豫丰农业发展有限公司", "91410000MA0000003Y"),
        ]
    ]
    people = [
        collection.donor_create(kind="person", name="张建国", phone="13800000001", actor=officer),
        collection.donor_create(kind="person", name="李秀英", anonymous=True, actor=officer),
    ]

    def give(key, donor, amount, method, day, fund="RELIEF", pledge=None, ref=""):
        return collection.donation_record(
            donor=donor,
            fund=fund,
            amount=cny(amount),
            method=method,
            channel_ref=ref,
            received_on=day,
            idempotency_key=KEY_PREFIX + key,
            actor=officer,
            pledge=pledge,
        )

    pledge_open = collection.pledge_create(
        donor=units[2],
        fund="RELIEF",
        amount=cny("10000.00"),
        pledged_on=this(8),
        due_date=this(8) + timedelta(days=3),
        note="县委常委会现场认捐 / Pledged at the county meeting",
        actor=officer,
    )
    collection.pledge_create(
        donor=units[1],
        fund="REWARD",
        amount=cny("3000.00"),
        pledged_on=today,
        due_date=today + timedelta(days=30),
        actor=officer,
    )
    give("c-hospital", units[0], "5000.00", "bank", this(7))
    give("c-school", units[1], "2400.00", "cheque", this(6), fund="REWARD")
    give("c-firm-part", units[2], "4000.00", "bank", this(5), pledge=pledge_open)
    give("c-resident", people[0], "300.00", "cash", this(5))
    give("c-anonymous", people[1], "200.00", "cash", this(4))
    wrong = give("c-resident-typo", people[0], "3000.00", "cash", this(2))
    collection.cash_deposit_record(
        fund="RELIEF",
        amount=cny("300.00"),
        deposited_on=this(3),
        idempotency_key=KEY_PREFIX + "c-deposit",
        bank_slip="BOC-20260001",
        actor=officer,
    )
    collection.allocation_record(
        kind="departmental",
        source_name="县卫生健康委员会",
        source_credit_code="12410000MB00000049",
        fund="RELIEF",
        amount=cny("8000.00"),
        method="bank",
        received_on=this(3),
        document_no="卫健〔2026〕12号",
        idempotency_key=KEY_PREFIX + "c-allocation",
        actor=officer,
    )
    request = collection.receipt_void_request(
        receipt=wrong.receipt, reason="金额录错，应为300元 / Amount keyed wrong", actor=officer
    )
    collection.receipt_void_approve(request=request, actor=supervisor)
    _load_channels(give, people, officer, this)
    return {
        "donations": Donation.objects.count(),
        "pledges": Pledge.objects.count(),
        "entries": JournalEntry.objects.count(),
    }


def _load_channels(give, people, officer, this) -> None:
    """Donations by WeChat Pay and Alipay (each with the channel's transaction reference) and
    one WeChat settlement: two gifts settled to the bank with their fee, one waiting."""
    # Into the unrestricted fund: the channel's fee is a bank charge of the fund that receives
    # the gift, and the relief fund's money bears no bank charges in the demo.
    wechat_day = this(4)
    for key, donor, amount, method, day, ref in [
        ("c-wechat-1", people[0], "500.00", "wechat", wechat_day, "4200002026120700001"),
        ("c-wechat-2", people[1], "88.00", "wechat", wechat_day, "4200002026120700002"),
        ("c-alipay-1", people[0], "66.00", "alipay", this(2), "2026120722001400001"),
    ]:
        give(key, donor, amount, method, day, fund="GENERAL", ref=ref)
    collection.channel_settlement_import(
        channel="wechat",
        settled_on=this(3) if this(3) >= wechat_day else wechat_day,
        content=WECHAT_SETTLEMENT.format(day=wechat_day.isoformat()).encode("utf-8"),
        filename="微信支付结算单.csv",
        actor=officer,
    )
