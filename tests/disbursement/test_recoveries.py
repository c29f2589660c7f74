"""Money paid in error comes back (issue 11, point 10): a recovery proposed by one person and
decided by another books recoveries receivable (1221) against the program's expense; refunds,
partial or whole, never above what is still owed, retried safely; a write-off by a second
person. The database holds the refund rule and four eyes on both engines (raw SQL), and
``verify_ledger`` finds a receivable that drifted from the open recoveries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from djmoney.money import Money

from disbursement import selectors, services
from disbursement.exceptions import (
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    NotAllowed,
    OverRefund,
)
from disbursement.models import Payment, Recovery, RecoveryRefund, RecoveryStatus
from ledger import chart
from ledger import services as ledger
from ledger.corrections import flow_refusal
from ledger.models import AuditEvent, JournalEntry
from ledger.services import LineSpec
from ledger.verification import verify_ledger
from tests.tamper import findings, has, raw, underneath

from .util import balance, bank


def receivable(fund="RELIEF") -> Decimal:
    return balance(chart.RECOVERIES_RECEIVABLE, fund)


def state() -> tuple:
    return (
        JournalEntry.objects.count(),
        tuple(Recovery.objects.order_by("id").values_list("id", "status")),
        RecoveryRefund.objects.count(),
    )


# --------------------------------------------------------------------------------------------
# the whole story
# --------------------------------------------------------------------------------------------
def test_a_recovery_is_decided_booked_refunded_in_part_and_settled(paid_batch, people):
    payment = paid_batch.payments.order_by("id").first()
    expense_before = balance(chart.RELIEF_EXPENSE, "RELIEF")
    bank_before = bank("RELIEF")
    # given a proposal by the officer: nothing is booked yet
    recovery = services.recovery_propose(
        payment=payment,
        amount=Decimal("600.00"),
        reason_code="duplicate",
        reason_text="Paid twice: also paid by the township in cash",
        idempotency_key="k-1",
        actor=people.officer,
    )
    assert recovery.status == RecoveryStatus.PROPOSED
    assert recovery.person_id == payment.payee_id and recovery.fund.code == "RELIEF"
    assert receivable() == 0
    # when the supervisor decides it: 1221 Dr / 5101 Cr by the recovery flow
    recovery = services.recovery_open(
        recovery=recovery,
        decision_text="Recover the second payment",
        decision_reference="管委会 2026-3",
        actor=people.supervisor,
    )
    assert recovery.status == RecoveryStatus.OPEN and recovery.entry.source == "recovery"
    assert receivable() == Decimal("600.00")
    assert balance(chart.RELIEF_EXPENSE, "RELIEF") == expense_before - 600
    # and its entry is corrected only through the recovery, never by hand
    refusal = flow_refusal(recovery.entry)
    assert refusal is not None and f"/payouts/recoveries/{recovery.pk}/" in refusal.url
    assert selectors.open_recoveries([payment.payee_id])[payment.payee_id][0].owed == 600
    # a partial refund: bank Dr / 1221 Cr, with a refund slip number and no receipt
    refund, replayed = services.refund_record(
        recovery=recovery, amount=Decimal("250.00"), idempotency_key="r-1", actor=people.officer
    )
    assert not replayed and refund.number == f"RF{recovery.pk:05d}-01"
    assert refund.entry.income_receipt_id is None
    assert bank("RELIEF") == bank_before + 250
    assert receivable() == Decimal("350.00")
    assert selectors.recovery_balance(recovery) == Decimal("350.00")
    # the same refund sent again books nothing more
    entries = JournalEntry.objects.count()
    again, replayed = services.refund_record(
        recovery=recovery, amount=Decimal("250.00"), idempotency_key="r-1", actor=people.officer
    )
    assert replayed and again.pk == refund.pk and JournalEntry.objects.count() == entries
    # the rest settles it
    services.refund_record(
        recovery=recovery, amount=Decimal("350.00"), idempotency_key="r-2", actor=people.officer
    )
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.SETTLED
    assert receivable() == 0 and bank("RELIEF") == bank_before + 600
    assert selectors.open_recoveries([payment.payee_id]) == {}
    actions = set(
        AuditEvent.objects.filter(object_type="disbursement.recovery").values_list(
            "action", flat=True
        )
    )
    assert {"recovery.propose", "recovery.open", "recovery.refund"} <= actions
    report = verify_ledger()
    assert report.ok, report.problems


def test_a_refund_above_what_is_still_owed_is_refused(open_recovery, people):
    services.refund_record(
        recovery=open_recovery, amount=Decimal("500"), idempotency_key="a", actor=people.officer
    )
    before = state()
    with pytest.raises(OverRefund, match="still claims CNY 100.00"):
        services.refund_record(
            recovery=open_recovery,
            amount=Decimal("100.01"),
            idempotency_key="b",
            actor=people.officer,
        )
    assert state() == before


def test_the_same_key_for_another_refund_is_refused(open_recovery, people):
    services.refund_record(
        recovery=open_recovery, amount=Decimal("100"), idempotency_key="k", actor=people.officer
    )
    before = state()
    with pytest.raises(IdempotencyConflict):
        services.refund_record(
            recovery=open_recovery,
            amount=Decimal("200"),
            idempotency_key="k",
            actor=people.officer,
        )
    assert state() == before


def test_proposing_again_with_the_same_key_returns_the_first(paid_batch, people):
    payment = paid_batch.payments.order_by("id").first()
    kwargs = dict(
        payment=payment,
        amount=Decimal("100"),
        reason_code="other",
        reason_text="x",
        idempotency_key="same",
        actor=people.officer,
    )
    first = services.recovery_propose(**kwargs)
    assert services.recovery_propose(**kwargs).pk == first.pk
    with pytest.raises(IdempotencyConflict):
        services.recovery_propose(**{**kwargs, "amount": Decimal("200")})


# (who proposes, who decides) -> refused: four eyes, and the right to decide
@pytest.mark.parametrize(
    "maker, decider",
    [
        ("officer", "officer"),
        ("officer", "officer2"),
        ("both", "both"),
        ("supervisor", "supervisor"),
    ],
)
def test_a_recovery_is_not_decided_by_its_maker_nor_without_the_right(
    paid_batch, people, maker, decider
):
    payment = paid_batch.payments.order_by("id").first()
    recovery = services.recovery_propose(
        payment=payment,
        amount=100,
        reason_code="other",
        reason_text="x",
        idempotency_key="k",
        actor=getattr(people, maker),
    )
    before = state()
    for decide in (services.recovery_open, services.recovery_reject):
        with pytest.raises(NotAllowed):
            decide(recovery=recovery, decision_text="yes", actor=getattr(people, decider))
    assert state() == before


def test_a_recovery_is_written_off_by_a_second_person_with_a_reason(open_recovery, people):
    services.refund_record(
        recovery=open_recovery, amount=Decimal("100"), idempotency_key="a", actor=people.officer
    )
    expense = balance(chart.RELIEF_EXPENSE, "RELIEF")
    before = state()
    # the officer may not write off (no right, and they proposed it); no reason is refused
    with pytest.raises(NotAllowed):
        services.recovery_write_off(recovery=open_recovery, reason="gone", actor=people.officer)
    with pytest.raises(InvalidInput):
        services.recovery_write_off(recovery=open_recovery, reason=" ", actor=people.supervisor)
    assert state() == before
    # the supervisor (who did not propose it) writes off the 500 left
    recovery = services.recovery_write_off(
        recovery=open_recovery, reason="The person died without estate", actor=people.supervisor
    )
    assert recovery.status == RecoveryStatus.WRITTEN_OFF
    assert receivable() == 0
    assert balance(chart.RELIEF_EXPENSE, "RELIEF") == expense + 500
    with pytest.raises(InvalidState):
        services.refund_record(
            recovery=recovery, amount=Decimal("1"), idempotency_key="late", actor=people.officer
        )
    assert verify_ledger().ok


def test_what_cannot_be_recovered_is_refused(paid_batch, people, relief):
    payment = paid_batch.payments.order_by("id").first()
    base = dict(reason_code="other", reason_text="x", actor=people.officer)
    with pytest.raises(InvalidInput, match="At most the payment's amount"):
        services.recovery_propose(payment=payment, amount=1000.01, idempotency_key="a", **base)
    with pytest.raises(InvalidInput):
        services.recovery_propose(payment=payment, amount=0, idempotency_key="b", **base)
    with pytest.raises(InvalidInput):
        services.recovery_propose(
            payment=payment, amount=10, idempotency_key="c", **{**base, "reason_text": ""}
        )
    services.recovery_propose(payment=payment, amount=10, idempotency_key="d", **base)
    with pytest.raises(InvalidState, match="already has recovery"):
        services.recovery_propose(payment=payment, amount=10, idempotency_key="e", **base)


def test_a_recovery_of_another_region_is_refused(paid_batch, people, make_user, world):
    from tests.approvals.factories import make_staff

    other = make_staff(make_user, "finance_officer", world.town_b, "far")
    payment = paid_batch.payments.order_by("id").first()
    with pytest.raises(NotAllowed):
        services.recovery_propose(
            payment=payment,
            amount=10,
            reason_code="other",
            reason_text="x",
            idempotency_key="far",
            actor=other,
        )


# --------------------------------------------------------------------------------------------
# the database holds the rules (raw SQL, both engines)
# --------------------------------------------------------------------------------------------
def _refused(sql, params, says=""):
    with pytest.raises((IntegrityError, DatabaseError)) as caught, transaction.atomic():
        raw(sql, params)
    assert says in str(caught.value)


def _refund_sql(recovery, amount, n):
    return (
        "INSERT INTO disbursement_recoveryrefund (recovery_id, number, amount, amount_currency,"
        " received_on, method, bank_reference, note, entry_id, recorded_by_id, recorded_at,"
        " idempotency_key) VALUES (%s, %s, %s, 'CNY', %s, 'bank', '', '', %s, %s, %s, %s)",
        [
            recovery.pk,
            f"RAW-{n}",
            amount,
            date.today(),
            recovery.entry_id,
            recovery.created_by_id,
            date.today(),
            f"raw-{n}",
        ],
    )


def test_the_database_refuses_refunds_above_the_claim(open_recovery, people):
    services.refund_record(
        recovery=open_recovery, amount=Decimal("500"), idempotency_key="a", actor=people.officer
    )
    before = state()
    # given 100 still owed: a raw refund of 100.01 is refused, also as two of 60
    sql, params = _refund_sql(open_recovery, "100.01", 1)
    _refused(sql, params, "refunds never exceed")
    sql, params = _refund_sql(open_recovery, "60.00", 2)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        raw(sql, params)
        raw(*_refund_sql(open_recovery, "60.00", 3))
    assert state() == before
    # a refund is never changed nor deleted
    refund = RecoveryRefund.objects.get()
    _refused(
        "UPDATE disbursement_recoveryrefund SET amount = 1 WHERE id = %s",
        [refund.pk],
        "never changed",
    )
    _refused("DELETE FROM disbursement_recoveryrefund WHERE id = %s", [refund.pk], "never changed")
    # a recovery is not settled before it is fully refunded, nor its amount changed
    _refused(
        "UPDATE disbursement_recovery SET status = 'settled' WHERE id = %s",
        [open_recovery.pk],
        "settled only when",
    )
    _refused(
        "UPDATE disbursement_recovery SET amount = 500 WHERE id = %s",
        [open_recovery.pk],
        "never change",
    )
    assert state() == before


def test_the_database_refuses_a_refund_to_a_recovery_not_open(paid_batch, people):
    payment = paid_batch.payments.order_by("id").first()
    recovery = services.recovery_propose(
        payment=payment,
        amount=100,
        reason_code="other",
        reason_text="x",
        idempotency_key="k",
        actor=people.officer,
    )
    entry = JournalEntry.objects.order_by("-seq").first()
    sql, params = _refund_sql(recovery, "10.00", 1)
    params[4] = entry.pk
    _refused(sql, params, "open recovery")


def test_the_database_holds_four_eyes_and_the_payment_amount(open_recovery, paid_batch, people):
    # the decider is not the maker
    _refused(
        "UPDATE disbursement_recovery SET decided_by_id = created_by_id WHERE id = %s",
        [open_recovery.pk],
    )
    # a recovery above its payment's amount, or of a payment not paid, is refused
    second = paid_batch.payments.order_by("id")[1]
    cols = (
        "payment_id, person_id, program_id, fund_id, expense_account, amount, amount_currency,"
        " reason_code, reason_text, decision_text, decision_reference, status, created_by_id,"
        " created_at, idempotency_key"
    )
    values = [
        second.pk,
        second.payee_id,
        paid_batch.program_id,
        paid_batch.fund_id,
        "5101",
        "1000.01",
        "CNY",
        "other",
        "x",
        "",
        "",
        "proposed",
        people.officer.pk,
        date.today(),
        "raw-rc",
    ]
    sql = f"INSERT INTO disbursement_recovery ({cols}) VALUES ({', '.join(['%s'] * 15)})"  # noqa: S608
    _refused(sql, values, "at most its amount")
    assert Payment.objects.get(pk=second.pk).status == "paid"
    assert not Recovery.objects.filter(idempotency_key="raw-rc").exists()


# --------------------------------------------------------------------------------------------
# verify_ledger: the receivable equals the open recoveries, per fund
# --------------------------------------------------------------------------------------------
@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_verify_finds_a_receivable_that_drifted_from_the_recoveries(open_recovery):
    assert verify_ledger().ok
    # a refund row added underneath, without its entry: the recoveries say less is owed
    with underneath():
        raw(*_refund_sql(open_recovery, "100.00", 9))
        found = findings()
    assert has(found, "recoveries_outstanding", fund="RELIEF", account="1221")
    # a receivable booked by hand around the recoveries is found too
    with underneath():
        entry = ledger.journal_post(
            date=date.today(),
            lines=[
                LineSpec(chart.RECOVERIES_RECEIVABLE, "RELIEF", "D", Money(70, "CNY")),
                LineSpec(chart.RELIEF_EXPENSE, "RELIEF", "C", Money(70, "CNY")),
            ],
            idempotency_key="rc-by-hand",
            actor=None,
        )
        found = findings()
    assert has(found, "recovery_debit_unexplained", seq=entry.seq, fund="RELIEF")
    assert has(found, "recoveries_outstanding", "70.00", fund="RELIEF")


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_recovery_whose_entry_is_gone_is_named(open_recovery):
    with underneath():
        raw(
            "UPDATE disbursement_recovery SET amount = 500 WHERE id = %s",
            [open_recovery.pk],
        )
        found = findings()
    assert has(found, "recovery_receivable_missing", f"RC{open_recovery.pk}")
    assert has(found, "recovery_debit_unexplained", fund="RELIEF")
