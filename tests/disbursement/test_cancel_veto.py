"""Cancelling a final award while payouts hold on to it.

Approvals does not import disbursement (arrows point down); disbursement registers a cancel
veto (``approvals.hooks``) in its ``ready()``. The table: where the award's latest payment is
-> whether the county reviewer may cancel the award, and what the refusal tells them to do."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from approvals import hooks
from approvals import services as approvals
from approvals.exceptions import AwardInPayment
from approvals.models import Case, CaseState
from disbursement import services
from disbursement.exceptions import NothingToPay
from disbursement.hooks import award_payment_veto
from disbursement.models import Payment, PaymentStatus
from ledger.models import JournalEntry

from .util import csv_bytes, payable, result_rows

ROOT = Path(__file__).resolve().parents[2]


def _batch(relief, people):
    return services.batch_build(program=relief, actor=people.officer)


def _approved(relief, people):
    batch = _batch(relief, people)
    return services.batch_approve(batch=batch, actor=people.supervisor)


def _sent(relief, people, layout):
    batch = _approved(relief, people)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    return batch


def _reported(relief, people, layout, *, failed_first: bool):
    batch = _sent(relief, people, layout)
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    failed = {payments[0].reference} if failed_first else set()
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed=failed)),
        filename="r.csv",
        actor=people.officer,
    )
    return batch


def _state(case) -> tuple:
    case.refresh_from_db()
    return case.state, case.cancel_entry_id, JournalEntry.objects.count()


# (where the first award's payment is, refused?, what the message says)
TABLE = [
    ("draft", True, "which awaits approval"),
    ("approved", True, "approved payout batch"),
    ("sent", True, "sent to the bank"),
    ("paid", True, "was paid on"),
    ("failed", False, ""),
    ("no batch", False, ""),
]


@pytest.mark.parametrize(("where", "refused", "says"), TABLE)
def test_cancel_is_refused_while_the_award_is_being_paid(
    where, refused, says, final_cases, people, relief, layout
):
    # given a final award whose payment is at that stage
    case = final_cases[0]
    if where == "draft":
        _batch(relief, people)
    elif where == "approved":
        _approved(relief, people)
    elif where == "sent":
        _sent(relief, people, layout)
    elif where in ("paid", "failed"):
        _reported(relief, people, layout, failed_first=where == "failed")
    before = _state(case)
    owed = payable("RELIEF")

    # when the deciding tier cancels it
    if refused:
        with pytest.raises(AwardInPayment) as caught:
            approvals.case_cancel(case=case, actor=people.county_rev, reason="重复申报")
        # then it is refused, naming the batch and what to do, and nothing changed
        assert caught.value.code == "award_in_payment" and caught.value.status == 409
        message = str(caught.value)
        assert says in message and case.number in message and "PB" in message
        assert _state(case) == before
        assert payable("RELIEF") == owed
    else:
        approvals.case_cancel(case=case, actor=people.county_rev, reason="重复申报")
        # then the award is cancelled and its entry reversed: nothing of it is owed any more
        case.refresh_from_db()
        assert case.state == CaseState.CANCELLED and case.cancel_entry_id
        assert payable("RELIEF") == owed - Decimal("1000.00")


def test_cancel_after_the_draft_batch_is_discarded_and_the_award_stays_out(
    final_cases, people, relief
):
    # given an award in a batch awaiting approval: cancelling is refused
    case = final_cases[0]
    batch = _batch(relief, people)
    with pytest.raises(AwardInPayment, match="Discard that batch first"):
        approvals.case_cancel(case=case, actor=people.county_rev, reason="重复申报")

    # when the officer discards the batch, the award can be cancelled
    services.batch_discard(batch=batch, reason="一户重复申报", actor=people.officer)
    approvals.case_cancel(case=case, actor=people.county_rev, reason="重复申报")

    # then the next batch pays only the other two awards
    again = _batch(relief, people)
    assert sorted(Payment.objects.filter(batch=again).values_list("case_id", flat=True)) == sorted(
        c.pk for c in final_cases[1:]
    )


def test_a_failed_then_cancelled_award_is_never_reissued(final_cases, people, relief, layout):
    # given the bank failed the first award's payment, the other two were paid
    _reported(relief, people, layout, failed_first=True)
    case = final_cases[0]
    assert Payment.objects.get(case=case).status == PaymentStatus.FAILED

    # when the award is cancelled (the household was found ineligible)
    approvals.case_cancel(case=case, actor=people.county_rev, reason="核查不符合条件")

    # then there is nothing left to pay: the cancelled award is not reissued
    with pytest.raises(NothingToPay):
        services.batch_build(program=relief, actor=people.officer, retry_unchanged=True)
    assert payable("RELIEF") == Decimal("0.00")


def test_the_api_answers_the_refusal_as_a_conflict(final_cases, people, relief):
    case = final_cases[0]
    _batch(relief, people)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people.county_rev)

    response = client.post(
        f"/api/approvals/cases/{case.pk}/cancel/", {"reason": "重复申报"}, format="json"
    )

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "award_in_payment"
    assert "Discard that batch first" in body["message"]
    assert Case.objects.get(pk=case.pk).state == CaseState.FINAL


def test_the_veto_is_registered_by_disbursement_not_imported_by_approvals():
    # the hook is filled when the apps load
    assert award_payment_veto in hooks._cancel_vetoes
    # and no module of approvals imports disbursement
    above = {"disbursement"}
    offenders = []
    for path in (ROOT / "approvals").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in above
            ]
    assert offenders == []


@pytest.mark.parametrize("path", ["update", "raw"])
def test_the_database_refuses_to_cancel_an_award_with_a_live_payment(
    path, final_cases, people, relief, layout
):
    # given an award sent to the bank, and the services' veto bypassed entirely
    from django.db import DatabaseError, IntegrityError, connection, transaction

    _sent(relief, people, layout)
    case = final_cases[0]
    before = _state(case)

    # when its state is set to cancelled underneath the services
    with (
        pytest.raises((IntegrityError, DatabaseError), match="not cancelled"),
        transaction.atomic(),
    ):
        if path == "update":
            Case.objects.filter(pk=case.pk).update(state=CaseState.CANCELLED)
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE approvals_case SET state = 'cancelled' WHERE id = %s", [case.pk]
                )

    # then nothing changed
    assert _state(case) == before
