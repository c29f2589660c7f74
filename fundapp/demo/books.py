"""The demo's first money, every yuan through the collection services (no hand-made entry: income
is booked only with its receipt), dated relative to today; and last month's period closed.

Last month: the seed's own scene — county staff give on the spot, in cash, each a donor with a
donation receipt, and the cash is deposited at the bank two days later; the county hospital
gives to REWARD by bank. The supervisor then closes the month.

This month: the county charity federation gives to RELIEF by bank, the county budget allocates
to GENERAL (with its settlement receipt: budget money never gets a donation receipt), a resident
gives cash to REWARD (left waiting at the cash desk), and a township firm's bank donation keyed
wrong is voided with its receipt (asked by the officer, approved by the supervisor) and recorded
again with the right amount. Awards, their payments and the bank's fee are booked by the cases
and payouts flows (``cases``, ``payouts``), never by hand here.

Order: runs right after ``users.load_users`` and before every other step, which all date their
entries in this month because last month is closed here. It makes the receipt books the later
steps use.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from fundapp import roles
from ledger import services
from ledger.collection import services as collection
from ledger.models import Period

from .base import KEY_PREFIX, cny, this_month

HOSPITAL_CODE = "12410000MB00000010"

# 县直机关干部现场捐款: each member of staff a donor of their own, paying cash on the spot.
COUNTY_STAFF = [
    ("王建军", "3000.00"),
    ("李红梅", "2000.00"),
    ("张伟", "2600.00"),
    ("刘洋", "2000.00"),
    ("陈静", "1500.00"),
    ("赵磊", "1500.00"),
]


def load_books(users) -> dict[str, object]:
    """Record the demo's first money and close last month; returns the closed period's code
    (``period``)."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    officer = users[roles.FINANCE_OFFICER]
    supervisor = users[roles.FINANCE_SUPERVISOR]
    admin = users[roles.ADMINISTRATOR]

    def this(days_ago: int) -> date:
        return this_month(today, days_ago)

    def give(key, donor, amount, method, day, fund, project=""):
        return collection.donation_record(
            donor=donor,
            fund=fund,
            amount=cny(amount),
            method=method,
            received_on=day,
            idempotency_key=KEY_PREFIX + key,
            project=project,
            actor=officer,
        )

    collection.receipt_book_create(
        type="donation", series="豫财捐2026", first_number=1, last_number=500, actor=admin
    )
    collection.receipt_book_create(
        type="settlement", series="豫财结2026", first_number=1, last_number=200, actor=admin
    )

    # Last month: the county staff's cash on the spot, deposited two days later.
    on_the_spot = last_month + timedelta(days=4)
    total = cny("0.00")
    for n, (name, amount) in enumerate(COUNTY_STAFF, start=1):
        staff = collection.donor_create(kind="person", name=name, actor=officer)
        give(f"staff-{n}", staff, amount, "cash", on_the_spot, "RELIEF", "县直机关干部现场捐款")
        total += cny(amount)
    collection.cash_deposit_record(
        fund="RELIEF",
        amount=total,
        deposited_on=last_month + timedelta(days=6),
        idempotency_key=KEY_PREFIX + "staff-deposit",
        bank_slip="BOC-00000001",
        actor=officer,
    )
    hospital = collection.donor_create(
        kind="unit", name="县人民医院", credit_code=HOSPITAL_CODE, actor=officer
    )
    give("hospital", hospital, "20000.00", "bank", last_month + timedelta(days=9), "REWARD")
    closed = Period.objects.get(start__lte=last_month, end__gte=last_month)
    services.period_close(period=closed, actor=supervisor)

    # This month: more money in, one donation keyed wrong, voided and recorded again.
    charity = collection.donor_create(
        kind="unit", name="县慈善总会", credit_code="51410000MJ0000001D", actor=officer
    )
    give("charity", charity, "30000.00", "bank", this(9), "RELIEF")
    collection.allocation_record(
        kind="fiscal",
        source_name="县财政局",
        fund="GENERAL",
        amount=cny("50000.00"),
        method="bank",
        received_on=this(8),
        document_no="财预〔2026〕8号",
        idempotency_key=KEY_PREFIX + "allocation-general",
        actor=officer,
    )
    resident = collection.donor_create(kind="person", name="周大勇", actor=officer)
    give("resident-reward", resident, "1200.00", "cash", this(7), "REWARD")
    firm = collection.donor_create(
        kind="unit", name="城关镇建材有限公司", credit_code=_FIRM_CODE, actor=officer
    )
    wrong = give("firm-typo", firm, "8000.00", "bank", this(6), "RELIEF")
    request = collection.receipt_void_request(
        receipt=wrong.receipt, reason="金额录错，应为800元 / Amount keyed wrong: 800", actor=officer
    )
    collection.receipt_void_approve(request=request, actor=supervisor)
    give("firm", firm, "800.00", "bank", this(5), "RELIEF")
    return {"period": closed.code}


_FIRM_CODE = "91410000MA00000Q0E"
