"""The demo's postings straight into the books, through the public ledger services, dated
relative to today: donations in cash and by bank into RELIEF and REWARD, a budget allocation, a
cash deposit, awards accrued and paid, a bank charge, a mistaken entry and its reversal; and last
month's period closed after its three entries.

Order: runs right after ``users.load_users`` (the officer posts, the supervisor closes the
period) and before every other step, which all date their entries in this month because last
month is closed here.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from fundapp import roles
from ledger import chart, services
from ledger.models import Period
from ledger.services import LineSpec

from .base import KEY_PREFIX, cny, this_month


def load_books(users) -> dict[str, object]:
    """Post the demo's ledger entries and close last month; returns the closed period's code
    (``period``)."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    officer = users[roles.FINANCE_OFFICER]
    supervisor = users[roles.FINANCE_SUPERVISOR]

    def this(days_ago: int) -> date:
        return this_month(today, days_ago)

    def post(key: str, day: date, memo: str, fund: str, debit: str, credit: str, amount):
        return services.journal_post(
            date=day,
            lines=[
                LineSpec(debit, fund, "D", cny(amount)),
                LineSpec(credit, fund, "C", cny(amount)),
            ],
            idempotency_key=KEY_PREFIX + key,
            memo=memo,
            actor=officer,
        )

    # Last month: the first donations and a deposit, then the period is closed.
    post(
        "donation-cash-relief",
        last_month + timedelta(days=4),
        "县直机关干部现场捐款（现金） / On-the-spot cash donations, county offices",
        "RELIEF",
        chart.CASH,
        chart.DONATION_INCOME,
        "12600.00",
    )
    post(
        "deposit-cash-relief",
        last_month + timedelta(days=6),
        "现金存入银行 / Cash deposited at the bank",
        "RELIEF",
        chart.BANK,
        chart.CASH,
        "12600.00",
    )
    post(
        "donation-bank-reward",
        last_month + timedelta(days=9),
        "县人民医院转账捐赠 / Bank donation, county hospital",
        "REWARD",
        chart.BANK,
        chart.DONATION_INCOME,
        "20000.00",
    )
    closed = Period.objects.get(start__lte=last_month, end__gte=last_month)
    services.period_close(period=closed, actor=supervisor)

    # This month: more money in, awards accrued and paid, one correction.
    post(
        "donation-bank-relief",
        this(9),
        "县卫健委转账捐赠 / Bank donation, county health commission",
        "RELIEF",
        chart.BANK,
        chart.DONATION_INCOME,
        "30000.00",
    )
    post(
        "allocation-general",
        this(8),
        "县财政拨款 / County budget allocation",
        "GENERAL",
        chart.BANK,
        chart.ALLOCATION_INCOME,
        "50000.00",
    )
    post(
        "donation-cash-reward",
        this(7),
        "个人现金捐赠 / Cash donation from a resident",
        "REWARD",
        chart.CASH,
        chart.DONATION_INCOME,
        "1200.00",
    )
    mistake = post(
        "donation-bank-relief-typo",
        this(6),
        "乡镇企业转账捐赠（金额录错） / Bank donation, township firm (amount keyed wrong)",
        "RELIEF",
        chart.BANK,
        chart.DONATION_INCOME,
        "8000.00",
    )
    # The officer asks for the reversal; the supervisor approves it (four eyes).
    asked = services.reversal_request_submit(
        entry=mistake,
        date=this(5),
        memo="冲销：金额应为800元 / Reversal: the amount was 800",
        reason="金额录错，应为800元 / The amount was keyed wrong: it is 800",
        idempotency_key=KEY_PREFIX + "donation-bank-relief-typo-reversal",
        actor=officer,
    )
    services.entry_request_approve(request=asked, actor=supervisor)
    post(
        "donation-bank-relief-corrected",
        this(5),
        "乡镇企业转账捐赠（更正） / Bank donation, township firm (corrected)",
        "RELIEF",
        chart.BANK,
        chart.DONATION_INCOME,
        "800.00",
    )
    post(
        "award-accrued-relief",
        this(4),
        "困难家庭一次性救助（3户） / One-off relief, 3 households",
        "RELIEF",
        chart.RELIEF_EXPENSE,
        chart.AWARDS_PAYABLE,
        "6000.00",
    )
    post(
        "award-paid-relief",
        this(3),
        "救助款代发到户 / Relief paid to the households' bank accounts",
        "RELIEF",
        chart.AWARDS_PAYABLE,
        chart.BANK,
        "6000.00",
    )
    post(
        "bank-charge-relief",
        this(3),
        "代发手续费（基金承担） / Payment fee, borne by the fund",
        "RELIEF",
        chart.BANK_CHARGES,
        chart.BANK,
        "12.00",
    )
    post(
        "award-accrued-reward",
        this(2),
        "独生子女父母奖励扶助（2人） / Only-child parents' awards, 2 people",
        "REWARD",
        chart.REWARD_EXPENSE,
        chart.AWARDS_PAYABLE,
        "1920.00",
    )
    post(
        "award-paid-reward",
        this(1),
        "奖励扶助金发放 / Reward awards paid",
        "REWARD",
        chart.AWARDS_PAYABLE,
        chart.BANK,
        "1920.00",
    )
    return {"period": closed.code}
