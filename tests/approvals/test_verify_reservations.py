"""verify_ledger reconciles reservations with the cases they hold money for (issue 12), on both
engines: a reservation deleted or lowered underneath every guard is found, naming the case."""

import pytest
from django.utils import translation

from approvals.models import Reservation
from ledger.verification import verify_ledger
from tests.tamper import findings, has, raw, underneath


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def on_notice(new_case, drive):
    case = drive(new_case(), "on_notice")
    report = verify_ledger()
    assert report.ok, report.problems
    return case


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_deleted_reservation_of_a_case_on_notice_is_found(on_notice):
    with underneath():
        raw("DELETE FROM approvals_reservation WHERE case_id = %s", [on_notice.pk])
        found = findings()
    assert has(
        found, "reservation_mismatch", "reservations are none", document=f"case {on_notice.number}"
    )


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_lowered_reservation_is_found(on_notice):
    with underneath():
        raw("UPDATE approvals_reservation SET amount = 1 WHERE case_id = %s", [on_notice.pk])
        found = findings()
    assert has(found, "reservation_mismatch", "1.00", document=f"case {on_notice.number}")


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_final_case_still_holding_money_is_found(new_case, drive):
    case = drive(new_case(), "final")
    assert not Reservation.objects.filter(case=case, active=True).exists()
    with underneath():
        raw(
            "UPDATE approvals_reservation SET active = %s, released_at = NULL WHERE case_id = %s",
            [True, case.pk],
        )
        found = findings()
    assert has(found, "reservation_mismatch", "still holds an active reservation")
