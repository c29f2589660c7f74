"""Reads of the books: balances (per fund, all funds, as of a date), trial balance, statements
with running balances, fund positions, the chart with balances, entry lists and totals."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from ledger import selectors, services
from ledger.models import Account, Fund
from ledger.services import LineSpec

from .factories import cny, four_eyes, transfer

D = Decimal
MAR, APR, MAY = date(2025, 3, 15), date(2025, 4, 15), date(2025, 5, 15)


def acc(code: str) -> Account:
    return Account.objects.get(code=code)


def fund(code: str) -> Fund:
    return Fund.objects.get(code=code)


@pytest.fixture
def books(db):
    """Given, over three months, donations to RELIEF and GENERAL banked, and an award paid."""
    Fund.objects.filter(code="GENERAL").update(currencies=["CNY", "USD"])
    transfer("1002", "3102", "1000.00", day=MAR, memo="donation from the county office")  # 1
    transfer("1002", "3102", "250.00", fund="GENERAL", day=MAR)  # 2
    transfer("5101", "2201", "400.00", day=APR, memo="award")  # 3
    transfer("2201", "1002", "400.00", day=MAY, memo="payment")  # 4
    transfer("1002", "3102", "80.00", fund="GENERAL", currency="USD", day=MAY)  # 5


def test_account_balance_per_fund_all_funds_and_currency(books):
    assert selectors.account_balance(account=acc("1002"), fund=fund("RELIEF")) == {
        "CNY": cny("600.00")
    }
    assert selectors.account_balance(account=acc("1002")) == {
        "CNY": cny("850.00"),
        "USD": Money("80.00", "USD"),
    }
    assert selectors.account_balance(account=acc("3101")) == {}


def test_account_balance_as_of_a_date(books):
    bank = acc("1002")
    # before anything was posted, every currency the account holds reads zero
    assert selectors.account_balance(account=bank, as_of=date(2025, 3, 1)) == {
        "CNY": cny("0.00"),
        "USD": Money("0.00", "USD"),
    }
    assert selectors.account_balance(account=bank, fund=fund("RELIEF"), as_of=APR) == {
        "CNY": cny("1000.00")
    }
    # the USD donation came in May: as of April the dollars read zero
    as_of_april = selectors.account_balance(account=bank, as_of=APR)
    assert as_of_april["CNY"] == cny("1250.00")
    assert as_of_april.get("USD", Money(0, "USD")) == Money("0.00", "USD")


def test_account_balance_normal_shows_credit_accounts_positive(books):
    assert selectors.account_balance(account=acc("3102"), fund=fund("RELIEF")) == {
        "CNY": cny("-1000.00")
    }
    assert selectors.account_balance_normal(account=acc("3102"), fund=fund("RELIEF")) == {
        "CNY": cny("1000.00")
    }


def test_trial_balance_totals_are_equal_per_currency(books):
    trial = selectors.trial_balance()
    assert trial.balanced
    assert trial.totals == {"CNY": (D("1250.00"), D("1250.00")), "USD": (D("80.00"), D("80.00"))}
    rows = {(r.account.code, r.currency): (r.debit, r.credit) for r in trial.rows}
    assert rows == {
        ("1002", "CNY"): (D("850.00"), 0),
        ("1002", "USD"): (D("80.00"), 0),
        ("3102", "CNY"): (0, D("1250.00")),
        ("3102", "USD"): (0, D("80.00")),
        ("5101", "CNY"): (D("400.00"), 0),
    }
    # accounts that net to zero (2201 after the payment) are left out
    assert ("2201", "CNY") not in rows


def test_trial_balance_for_one_fund_and_as_of_a_date(books):
    relief = selectors.trial_balance(fund=fund("RELIEF"))
    assert relief.totals == {"CNY": (D("1000.00"), D("1000.00"))}
    april = selectors.trial_balance(as_of=APR)
    assert april.balanced
    rows = {(r.account.code, r.currency): (r.debit, r.credit) for r in april.rows}
    assert rows[("2201", "CNY")] == (0, D("400.00"))
    assert ("1002", "USD") not in rows


def test_statement_of_one_fund_reads_the_running_balance_from_each_line(books):
    statement = selectors.account_statement(
        account=acc("1002"), currency="CNY", fund=fund("RELIEF"), newest_first=False
    )
    assert statement.count == 2
    assert [(r.debit, r.credit, r.balance) for r in statement.rows] == [
        (D("1000.00"), 0, D("1000.00")),
        (0, D("400.00"), D("600.00")),
    ]
    assert statement.closing == D("600.00")


def test_statement_across_funds_runs_from_the_stored_balance(books):
    statement = selectors.account_statement(account=acc("1002"), currency="CNY")
    # newest first: the payment, the GENERAL donation, the RELIEF donation
    assert [r.balance for r in statement.rows] == [D("850.00"), D("1250.00"), D("1000.00")]
    assert statement.closing == D("850.00")


def test_statement_pages_and_credit_accounts(db):
    # given 25 donations of 1.00 .. 25.00
    for n in range(1, 26):
        transfer("1002", "3102", f"{n}.00", day=MAR)
    income = acc("3102")
    first = selectors.account_statement(account=income, currency="CNY", page_size=10)
    last = selectors.account_statement(account=income, currency="CNY", page=3, page_size=10)
    # then page 1 holds the newest ten, on the income account's (credit) side
    assert (first.count, first.pages, len(first.rows), len(last.rows)) == (25, 3, 10, 5)
    assert first.rows[0].credit == D("25.00")
    assert first.rows[0].balance == D("325.00")  # 1 + 2 + ... + 25
    assert last.rows[-1].balance == D("1.00")
    # and a page past the end shows the last page
    assert (
        selectors.account_statement(account=income, currency="CNY", page=9, page_size=10).page == 3
    )


def test_fund_position_with_reservations_from_a_higher_app(books, monkeypatch):
    # given a higher app reports 150.00 reserved for awards under public notice in RELIEF
    monkeypatch.setattr(selectors, "_reservation_sources", [])
    selectors.register_reservation_source(
        lambda f: {"CNY": D("150.00")} if f.code == "RELIEF" else {}
    )
    transfer("5101", "2201", "100.00", day=MAY)
    transfer("1001", "3102", "30.00", day=MAY)
    (relief,) = selectors.fund_position(fund=fund("RELIEF"))
    # then available = bank + cash - payable - reserved
    assert (
        relief.cash_at_bank,
        relief.cash_on_hand,
        relief.awards_payable,
        relief.reserved,
        relief.available,
    ) == (D("600.00"), D("30.00"), D("100.00"), D("150.00"), D("380.00"))
    general = {p.currency: p for p in selectors.fund_position(fund=fund("GENERAL"))}
    assert set(general) == {"CNY", "USD"}
    assert general["USD"].available == D("80.00")
    assert {(p.fund.code, p.currency) for p in selectors.fund_positions()} >= {
        ("RELIEF", "CNY"),
        ("GENERAL", "USD"),
    }


def test_chart_with_balances_lists_every_account(books):
    rows = {r["account"].code: r["balances"] for r in selectors.chart_with_balances()}
    assert len(rows) == Account.objects.count()
    assert rows["3102"] == {"CNY": cny("1250.00"), "USD": Money("80.00", "USD")}
    assert rows["3101"] == {}
    relief = {
        r["account"].code: r["balances"] for r in selectors.chart_with_balances(fund=fund("RELIEF"))
    }
    assert relief["1002"] == {"CNY": cny("600.00")}


def test_entries_filters_and_totals(books):
    assert [e.seq for e in selectors.entries()] == [5, 4, 3, 2, 1]
    assert [e.seq for e in selectors.entries(date_from=APR, date_to=APR)] == [3]
    assert [e.seq for e in selectors.entries(account=acc("2201"))] == [4, 3]
    assert [e.seq for e in selectors.entries(fund=fund("GENERAL"))] == [5, 2]
    assert [e.seq for e in selectors.entries(text="county")] == [1]
    assert [e.seq for e in selectors.entries(source="import")] == []
    entry = services.journal_post(
        **four_eyes(),
        date=MAY,
        idempotency_key="two-currencies",
        actor=None,
        lines=[
            LineSpec("1002", "GENERAL", "D", cny("5.00")),
            LineSpec("3102", "GENERAL", "C", cny("5.00")),
            LineSpec("1002", "GENERAL", "D", Money("2.50", "USD")),
            LineSpec("3102", "GENERAL", "C", Money("2.50", "USD")),
        ],
    )
    assert selectors.entry_totals(entry) == {"CNY": cny("5.00"), "USD": Money("2.50", "USD")}
