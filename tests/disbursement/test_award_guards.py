"""What the ledger trusts is held by the database (issue 12, point 4), on SQLite and PostgreSQL.

The issue's tampering, by raw SQL: ``UPDATE approvals_case SET amount = amount * 10`` on a final
unpaid award was accepted, and the normal payout path then paid ten times the booked award;
deleting an active reservation was accepted and the fund was over-committed later. Now a final
award's amount, currency, program and entry are frozen once booked (``approvals.award``), a
case's payment is checked against the award entry's credit to awards payable rather than the
case row (``disbursement.payment``), and reservations are never deleted and are released once
(``approvals.reservation``). Each refusal is proved by going around the ORM, with the state
unchanged after it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from approvals import services as approvals
from approvals.dbguards import AWARD
from approvals.models import Case, Reservation
from disbursement import services
from disbursement.models import Payment
from ledger import selectors
from ledger.exceptions import InsufficientFunds
from ledger.models import Fund, JournalEntry
from ledger.services import (
    LineSpec,
    entry_request_approve,
    entry_request_submit,
    reversal_request_submit,
)
from tests.approvals.factories import cny, fund_money

from .util import payable


def raw(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def refused(sql: str, params=(), says: str = "") -> None:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        raw(sql, params)
    assert says in str(caught.value)


def case_row(case: Case) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT amount, amount_currency, program_id, award_entry_id, state"
            " FROM approvals_case WHERE id = %s",
            [case.pk],
        )
        return cursor.fetchone()


def reservation_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, case_id, fund_id, amount, amount_currency, active, released_at"
            " FROM approvals_reservation ORDER BY id"
        )
        return cursor.fetchall()


def available(fund: str = "RELIEF") -> Decimal:
    positions = selectors.fund_position(fund=Fund.objects.get(code=fund))
    return {p.currency: p.available for p in positions}["CNY"]


# --------------------------------------------------------------------------------------------
# a final award is what the ledger booked
# --------------------------------------------------------------------------------------------
AWARD_SAYS = "a final award keeps the amount, currency, program and entry the ledger booked"


@pytest.mark.parametrize(
    "change",
    [
        "amount = amount * 10",
        "amount_currency = 'USD'",
        "award_entry_id = NULL",
        "award_entry_id = (SELECT max(id) FROM ledger_journalentry)",
        "program_id = (SELECT id FROM approvals_program WHERE code = 'REWARD1')",
    ],
)
def test_a_booked_award_never_changes_underneath(final_cases, reward, change):
    # given a final unpaid award, booked as owed
    case = final_cases[0]
    before = case_row(case)
    # when its amount, currency, entry or program is changed by raw SQL, it is refused
    refused(f"UPDATE approvals_case SET {change} WHERE id = %s", [case.pk], AWARD_SAYS)  # noqa: S608
    assert case_row(case) == before


def test_an_award_entry_is_set_only_to_what_booked_the_amount(final_cases, relief, people, world):
    # given a case still on file, and entries that are not its award: the money put into the
    # fund, and another case's award of another amount
    household = final_cases[0].household
    draft = approvals.case_file(
        program=relief, household=household, actor=people.worker, cycle="2027"
    )
    money_in = JournalEntry.objects.filter(memo="money in").first()
    other = final_cases[1].award_entry_id
    raw("UPDATE approvals_case SET amount = 999 WHERE id = %s", [draft.pk])
    before = case_row(draft)
    # when either is set as its award entry underneath, it is refused
    for entry_id in (money_in.pk, other):
        refused(
            "UPDATE approvals_case SET award_entry_id = %s WHERE id = %s",
            [entry_id, draft.pk],
            AWARD_SAYS,
        )
    assert case_row(draft) == before
    # and the award of the right amount, in the program's fund, is accepted
    raw("UPDATE approvals_case SET amount = 1000 WHERE id = %s", [draft.pk])
    assert (
        raw("UPDATE approvals_case SET award_entry_id = %s WHERE id = %s", [other, draft.pk]) == 1
    )


def test_a_program_keeps_its_fund_once_an_award_of_it_is_booked(final_cases, relief):
    refused(
        "UPDATE approvals_program SET fund_id = (SELECT id FROM ledger_fund WHERE code = 'GENERAL')"
        " WHERE id = %s",
        [relief.pk],
        "a program keeps its fund once one of its awards is booked",
    )
    relief.refresh_from_db()
    assert relief.fund.code == "RELIEF"


@pytest.mark.owner  # drops the award guard: the tables' owner's (tests/conftest.py)
def test_the_issue_an_award_raised_tenfold_is_never_paid_tenfold(final_cases, relief, people):
    # given the award guard itself taken away (the case row can then be raised underneath), and
    # money enough at the bank for ten times the award (the payout's own cover check passes)
    fund_money(100000, "RELIEF")
    case = final_cases[0]
    owed = payable("RELIEF")
    with transaction.atomic():
        AWARD.drop(connection)
        assert raw("UPDATE approvals_case SET amount = amount * 10 WHERE id = %s", [case.pk]) == 1
        # when the normal payout path builds a batch for the award, then the payment, checked
        # against the award entry (CNY 1,000 owed) rather than the case row, is refused
        with (
            pytest.raises(DatabaseError, match="exactly the amount of a final award"),
            transaction.atomic(),
        ):
            services.batch_build(program=relief, actor=people.officer)
        assert not Payment.objects.filter(case=case).exists()
        transaction.set_rollback(True)
    # and nothing was paid or owed differently
    assert payable("RELIEF") == owed
    assert set(AWARD.expected(connection)) == AWARD.installed(connection)


def test_the_issue_the_normal_path_pays_what_was_booked(final_cases, relief, people):
    # given the tampering refused, the batch pays each award what the ledger booked
    refused("UPDATE approvals_case SET amount = amount * 10 WHERE id = %s", [final_cases[0].pk])
    batch = services.batch_build(program=relief, actor=people.officer)
    amounts = sorted(p.amount.amount for p in Payment.objects.filter(batch=batch))
    assert amounts == [Decimal("1000.00")] * 3


def test_a_payment_for_more_than_the_award_entry_booked_is_refused(final_cases, relief, people):
    # given a draft batch with the three awards
    batch = services.batch_build(program=relief, actor=people.officer)
    payment = Payment.objects.filter(batch=batch).first()
    count = Payment.objects.count()
    # when it is replaced underneath by the same line for ten times the award
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM disbursement_payment WHERE id = %s", [payment.pk])
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    row.pop("id")
    row.update(reference="TENFOLD-1", amount=row["amount"] * 10)
    with (
        pytest.raises(DatabaseError, match="exactly the amount of a final award"),
        transaction.atomic(),
    ):
        raw("DELETE FROM disbursement_payment WHERE id = %s", [payment.pk])
        raw(
            f"INSERT INTO disbursement_payment ({', '.join(row)})"  # noqa: S608
            f" VALUES ({', '.join(['%s'] * len(row))})",
            list(row.values()),
        )
    # then it is refused, checked against the award entry
    assert Payment.objects.count() == count


# --------------------------------------------------------------------------------------------
# reservations: released once, never deleted
# --------------------------------------------------------------------------------------------
RESERVATION_SAYS = "a reservation is never deleted; it is released once"


@pytest.fixture
def on_notice(relief, people, world, make_households):
    """Two cases of CNY 1,000 on public notice, their money reserved in RELIEF (CNY 2,500 at
    bank: CNY 500 available)."""
    fund_money(2500, "RELIEF")
    fund_money(100, "GENERAL")
    cases = []
    for household in make_households(2):
        case = approvals.case_file(
            program=relief, household=household, actor=people.worker, cycle="2026"
        )
        case = approvals.case_submit(case=case, actor=people.worker)
        for reviewer in (people.village_rev, people.town_rev, people.county_rev):
            case = approvals.case_approve(case=case, actor=reviewer)
        cases.append(case)
    notice = approvals.notice_publish(
        program=relief, region=world.village_a1, cycle="2026", cases=cases, actor=people.town_rev
    )
    assert Reservation.objects.filter(active=True).count() == 2
    assert available() == Decimal("500.00")
    return cases, notice


def test_the_issue_an_active_reservation_is_never_deleted(on_notice):
    before = reservation_rows()
    reservation = Reservation.objects.filter(active=True).first()
    refused("DELETE FROM approvals_reservation WHERE id = %s", [reservation.pk], RESERVATION_SAYS)
    refused("DELETE FROM approvals_reservation", (), RESERVATION_SAYS)
    assert reservation_rows() == before
    # and the money stays reserved: the fund is not over-committed
    assert available() == Decimal("500.00")


@pytest.mark.parametrize(
    "change",
    [
        "amount = 1",
        "amount_currency = 'USD'",
        "fund_id = (SELECT id FROM ledger_fund WHERE code = 'GENERAL')",
        "case_id = (SELECT max(id) FROM approvals_case)",
        "created_at = created_at - INTERVAL '1 day'",
        "active = false",  # released without its time (the model's constraint) or reason
    ],
)
def test_an_active_reservation_keeps_its_case_fund_and_amount(on_notice, change):
    if "INTERVAL" in change and connection.vendor == "sqlite":
        change = "created_at = '2000-01-01 00:00:00'"
    before = reservation_rows()
    reservation = Reservation.objects.filter(active=True).order_by("id").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        raw(f"UPDATE approvals_reservation SET {change} WHERE id = %s", [reservation.pk])  # noqa: S608
    assert reservation_rows() == before


def test_a_reservation_is_released_once_and_never_comes_back(on_notice, relief):
    # given one reservation released the way the services do it
    reservation = Reservation.objects.filter(active=True).order_by("id").first()
    released = raw(
        "UPDATE approvals_reservation SET active = %s, released_at = %s, release_reason = 'final'"
        " WHERE id = %s",
        [False, timezone.now(), reservation.pk],
    )
    assert released == 1
    assert available() == Decimal("1500.00")
    before = reservation_rows()
    # when it is made active again, or its release rewritten, or deleted: refused
    for sql, params in [
        (
            "UPDATE approvals_reservation SET active = %s, released_at = NULL, release_reason = ''"
            " WHERE id = %s",
            [True, reservation.pk],
        ),
        (
            "UPDATE approvals_reservation SET released_at = %s WHERE id = %s",
            [timezone.now() + timedelta(days=1), reservation.pk],
        ),
        ("DELETE FROM approvals_reservation WHERE id = %s", [reservation.pk]),
    ]:
        refused(sql, params, RESERVATION_SAYS)
    assert reservation_rows() == before
    # and a reservation is never inserted already released
    refused(
        "INSERT INTO approvals_reservation (case_id, fund_id, amount, amount_currency, active,"
        " created_at, released_at, release_reason) SELECT case_id, fund_id, amount,"
        " amount_currency, %s, created_at, released_at, 'x' FROM approvals_reservation"
        " WHERE id = %s",
        [False, reservation.pk],
        RESERVATION_SAYS,
    )


def test_the_case_flow_still_releases_its_reservations(on_notice):
    # given the notice over, the cases become final: their reservations are released by the
    # services (one update each) and the awards are owed instead
    cases, notice = on_notice
    approvals.notices_close(today=notice.ends_on + timedelta(days=1))
    assert not Reservation.objects.filter(active=True).exists()
    assert Reservation.objects.filter(active=False, release_reason="final").count() == 2
    assert available() == Decimal("500.00")


# --------------------------------------------------------------------------------------------
# manual postings cannot spend reserved money
# --------------------------------------------------------------------------------------------
def test_a_manual_entry_cannot_spend_reserved_money(on_notice, people):
    # given CNY 2,000 of RELIEF's 2,500 reserved for the cases on notice
    request = entry_request_submit(
        date=timezone.localdate(),
        lines=[
            LineSpec("5201", "RELIEF", "D", cny("600.00")),
            LineSpec("1002", "RELIEF", "C", cny("600.00")),
        ],
        reason="office supplies",
        idempotency_key="spend-reserved",
        actor=people.officer,
    )
    # when a second person approves it, it is refused: only CNY 500 is available
    with pytest.raises(InsufficientFunds, match="RELIEF"):
        entry_request_approve(request=request, actor=people.supervisor)
    assert available() == Decimal("500.00")


def test_a_manual_reversal_cannot_take_reserved_money(on_notice, people):
    # given the CNY 2,500 put into RELIEF by a manual entry, CNY 2,000 of it reserved
    money_in = JournalEntry.objects.filter(memo="money in", lines__fund__code="RELIEF").first()
    request = reversal_request_submit(
        entry=money_in,
        date=timezone.localdate(),
        reason="keyed twice",
        idempotency_key="reverse-reserved",
        actor=people.officer,
    )
    # when a second person approves its reversal, it is refused: it would take money promised to
    # the cases on notice
    with pytest.raises(InsufficientFunds, match="RELIEF"):
        entry_request_approve(request=request, actor=people.supervisor)
    assert available() == Decimal("500.00")
    assert not JournalEntry.objects.filter(reverses=money_in).exists()
