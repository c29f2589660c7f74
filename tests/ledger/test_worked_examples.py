"""Worked examples: whole accounting stories of the fund, told as given / when / then, each ending
with the trial balance and ``verify_ledger`` (after django-hordak's tests/test_worked_examples.py).
"""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from ledger import selectors, services, verification
from ledger.models import Account, Balance, Fund, JournalEntry
from ledger.services import EntrySpec, LineSpec

from .factories import explained, four_eyes, four_eyes_ids, transfer

D = Decimal


def balance(code: str, fund: str | None = None, currency: str = "CNY") -> Decimal:
    """Balance of an account on its normal side (zero when it has none)."""
    account = Account.objects.get(code=code)
    found = selectors.account_balance_normal(
        account=account, fund=Fund.objects.get(code=fund) if fund else None
    )
    return found.get(currency, Money(0, currency)).amount


def snapshot() -> dict:
    return {
        (b.account.code, b.fund.code, b.currency): b.balance
        for b in Balance.objects.select_related("account", "fund")
    }


def nonzero(snap: dict) -> dict:
    return {k: v for k, v in snap.items() if v != 0}


def position(fund: str, currency: str = "CNY") -> selectors.FundPosition:
    (found,) = [
        p
        for p in selectors.fund_position(fund=Fund.objects.get(code=fund))
        if p.currency == currency
    ]
    return found


def assert_books_are_sound() -> None:
    trial = selectors.trial_balance()
    assert trial.balanced, trial.totals
    for debit, credit in trial.totals.values():
        assert debit == credit
    # entries posted by hand here: their documents (receipts, awards, payments) are stood in for
    with explained(*JournalEntry.objects.all()):
        report = verification.verify_ledger()
    assert report.ok, [p.message for p in report.problems]


def test_a_cash_donation_is_banked_awarded_and_paid(officer):
    day = date(2025, 6, 2)

    # given a county department donates 5,000.00 in cash to the relief fund
    donation = transfer("1001", "3101", "5000.00", day=day, actor=officer, memo="donation")
    # then the cash is on hand, the income recorded, nothing yet at the bank
    assert balance("1001", "RELIEF") == D("5000.00")
    assert balance("3101", "RELIEF") == D("5000.00")
    pos = position("RELIEF")
    assert (pos.cash_on_hand, pos.cash_at_bank, pos.available) == (D("5000.00"), 0, D("5000.00"))

    # when the cash is deposited at the bank (cash must not be spent on the spot)
    transfer("1002", "1001", "5000.00", day=day, actor=officer, memo="deposit")
    # then it is at the bank and available, and no cash is left on hand
    assert balance("1001", "RELIEF") == 0
    assert balance("1002", "RELIEF") == D("5000.00")
    pos = position("RELIEF")
    assert (pos.cash_on_hand, pos.cash_at_bank, pos.awards_payable, pos.available) == (
        0,
        D("5000.00"),
        0,
        D("5000.00"),
    )

    # when an award of 1,200.00 to a family becomes final
    transfer("5101", "2201", "1200.00", day=day, actor=officer, memo="award")
    # then it is owed: the bank still holds everything, but less is available
    assert balance("5101", "RELIEF") == D("1200.00")
    assert balance("2201", "RELIEF") == D("1200.00")
    pos = position("RELIEF")
    assert (pos.cash_at_bank, pos.awards_payable, pos.available) == (
        D("5000.00"),
        D("1200.00"),
        D("3800.00"),
    )
    before_payment = snapshot()

    # when the award is paid from the bank
    payment = transfer("2201", "1002", "1200.00", day=day, actor=officer, memo="payment")
    # then nothing is owed and the bank is lower by the award, in full
    assert balance("2201", "RELIEF") == 0
    assert balance("1002", "RELIEF") == D("3800.00")
    pos = position("RELIEF")
    assert (pos.cash_at_bank, pos.awards_payable, pos.available) == (D("3800.00"), 0, D("3800.00"))

    # and the trial balance: debits 1002 3800 + 5101 1200 = credits 4101 5000
    trial = selectors.trial_balance()
    assert trial.totals == {"CNY": (D("5000.00"), D("5000.00"))}
    assert {(r.account.code, r.debit, r.credit) for r in trial.rows} == {
        ("1002", D("3800.00"), 0),
        ("5101", D("1200.00"), 0),
        ("3101", 0, D("5000.00")),
    }
    assert_books_are_sound()

    # when the payment turns out to have bounced and is reversed
    reversal = services.journal_reverse(**four_eyes(), entry=payment, actor=officer, date=day)
    # then every balance is what it was before the payment
    assert reversal.reverses == payment
    assert snapshot() == before_payment
    assert position("RELIEF").awards_payable == D("1200.00")
    assert_books_are_sound()

    # and the donation's entry is still there, unchanged, in the statement of cash
    statement = selectors.account_statement(
        account=Account.objects.get(code="1001"), currency="CNY", newest_first=False
    )
    assert [row.line.entry.seq for row in statement.rows] == [donation.seq, 2]
    assert [row.balance for row in statement.rows] == [D("5000.00"), D("0.00")]


def test_two_funds_and_two_currencies_keep_separate_balanced_books(officer):
    day = date(2025, 6, 3)
    # given the general fund also holds US dollars
    Fund.objects.filter(code="GENERAL").update(currencies=["CNY", "USD"])

    # when the county allocates 20,000.00 to the reward fund, and an overseas donor gives
    # USD 1,000.00 to the general fund, both straight into the bank
    transfer("1002", "3102", "20000.00", fund="REWARD", day=day, actor=officer)
    transfer("1002", "3101", "1000.00", fund="GENERAL", currency="USD", day=day, actor=officer)
    # and one entry accrues two awards from the reward fund and bank charges from the general
    # fund in both currencies: each fund and currency balances on its own
    services.journal_post(
        **four_eyes(),
        date=day,
        idempotency_key="cycle-2025-06",
        actor=officer,
        memo="reward cycle June and bank charges",
        lines=[
            LineSpec("5102", "REWARD", "D", Money("960.00", "CNY")),
            LineSpec("5102", "REWARD", "D", Money("960.00", "CNY")),
            LineSpec("2201", "REWARD", "C", Money("1920.00", "CNY")),
            LineSpec("5201", "GENERAL", "D", Money("15.00", "USD")),
            LineSpec("1002", "GENERAL", "C", Money("15.00", "USD")),
        ],
    )
    # and the reward awards are paid in one batch
    services.journal_post_many(
        actor=officer,
        entries=[
            EntrySpec(
                **four_eyes_ids(),
                date=day,
                idempotency_key=f"pay-{n}",
                lines=[
                    LineSpec("2201", "REWARD", "D", Money("960.00", "CNY")),
                    LineSpec("1002", "REWARD", "C", Money("960.00", "CNY")),
                ],
            )
            for n in (1, 2)
        ],
    )

    # then each fund's position is its own, per currency
    reward = position("REWARD")
    assert (reward.cash_at_bank, reward.awards_payable, reward.available) == (
        D("18080.00"),
        0,
        D("18080.00"),
    )
    general_usd = position("GENERAL", "USD")
    assert (general_usd.cash_at_bank, general_usd.available) == (D("985.00"), D("985.00"))
    assert position("GENERAL", "CNY").cash_at_bank == 0
    assert position("RELIEF").cash_at_bank == 0
    # and the bank account across funds is reported per currency, never added across them
    assert selectors.account_balance(account=Account.objects.get(code="1002")) == {
        "CNY": Money("18080.00", "CNY"),
        "USD": Money("985.00", "USD"),
    }
    # and the trial balance totals are equal per currency, for all funds and for each fund
    assert selectors.trial_balance().totals == {
        "CNY": (D("20000.00"), D("20000.00")),
        "USD": (D("1000.00"), D("1000.00")),
    }
    for code in ("REWARD", "GENERAL"):
        assert selectors.trial_balance(fund=Fund.objects.get(code=code)).balanced
    assert_books_are_sound()

    # when the June cycle is posted again (a retry) and then reversed
    before_reversal = snapshot()
    cycle = services.journal_post(
        **four_eyes(),
        date=day,
        idempotency_key="cycle-2025-06",
        actor=officer,
        memo="reward cycle June and bank charges",
        lines=[
            LineSpec("5102", "REWARD", "D", Money("960.00", "CNY")),
            LineSpec("5102", "REWARD", "D", Money("960.00", "CNY")),
            LineSpec("2201", "REWARD", "C", Money("1920.00", "CNY")),
            LineSpec("5201", "GENERAL", "D", Money("15.00", "USD")),
            LineSpec("1002", "GENERAL", "C", Money("15.00", "USD")),
        ],
    )  # a retry: returns the same entry
    assert cycle.seq == 3
    services.journal_reverse(**four_eyes(), entry=cycle, actor=officer, date=day)
    # then exactly the cycle's own effect is undone: its expenses are gone, the bank charge is
    # back in the USD bank balance, and the payable shows the payments made against it
    after = snapshot()
    changed = {k for k in after if after[k] != before_reversal[k]}
    assert changed == {
        ("5102", "REWARD", "CNY"),
        ("2201", "REWARD", "CNY"),
        ("5201", "GENERAL", "USD"),
        ("1002", "GENERAL", "USD"),
    }
    assert after[("5102", "REWARD", "CNY")] == 0
    assert after[("5201", "GENERAL", "USD")] == 0
    assert position("GENERAL", "USD").cash_at_bank == D("1000.00")
    assert balance("2201", "REWARD") == D("-1920.00")
    assert_books_are_sound()


@pytest.mark.parametrize("reverse_order", [False, True], ids=["oldest first", "newest first"])
def test_reversing_a_whole_story_leaves_every_balance_at_zero(db, reverse_order):
    day = date(2025, 6, 4)
    # given the cash donation story
    story = [
        transfer("1001", "3101", "300.00", day=day),
        transfer("1002", "1001", "300.00", day=day),
        transfer("5101", "2201", "120.00", day=day),
        transfer("2201", "1002", "120.00", day=day),
    ]
    # when every entry is reversed
    for entry in reversed(story) if reverse_order else story:
        services.journal_reverse(**four_eyes(), entry=entry, actor=None, date=day)
    # then every account of every fund is back at zero, and the books are sound
    assert nonzero(snapshot()) == {}
    assert selectors.trial_balance().rows == []
    assert_books_are_sound()
