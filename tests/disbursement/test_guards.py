"""The database holds the payout rules: going around the services (``.update()``,
``bulk_create``, ``.delete()``) is refused on SQLite and PostgreSQL alike."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from djmoney.money import Money

from disbursement import services
from disbursement.exceptions import NothingToPay
from disbursement.models import EnrolmentHistory, Entitlement, Payment, PayoutBatch

from .conftest import confirm, enrol
from .util import csv_bytes, result_rows


def _refused(action, says: str = ""):
    with pytest.raises((IntegrityError, DatabaseError)) as caught, transaction.atomic():
        action()
    assert says in str(caught.value)


@pytest.fixture
def approved(final_cases, people, relief):
    batch = services.batch_build(program=relief, actor=people.officer)
    return services.batch_approve(batch=batch, actor=people.supervisor)


def test_nothing_is_added_to_or_removed_from_an_approved_batch(approved, final_cases):
    payment = Payment.objects.filter(batch=approved).first()
    # removed
    _refused(lambda: Payment.objects.filter(pk=payment.pk).delete(), "only while it is a draft")
    # moved to another batch, or re-pointed at another award or account
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(case=final_cases[1]))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(account_hash="f" * 64))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(reference="PB0-0"))
    # and the batch cannot go back to draft to allow changes
    _refused(lambda: PayoutBatch.objects.filter(pk=approved.pk).update(status="draft"))
    _refused(lambda: PayoutBatch.objects.filter(pk=approved.pk).update(approved_by=None))
    fields = {
        f: getattr(payment, f)
        for f in ("household_id", "payee_name", "account_enc", "account_hash", "account_last4")
    }
    _refused(
        lambda: Payment.objects.bulk_create(
            [
                Payment(
                    batch=approved,
                    case=final_cases[0],
                    amount=payment.amount,
                    reference="EXTRA-1",
                    owed_since=payment.owed_since,
                    **fields,
                )
            ]
        ),
        says="only while it is a draft",  # the batch rule speaks before the unique index
    )
    assert Payment.objects.filter(batch=approved).count() == 3


def test_a_source_is_never_paid_twice(approved, final_cases, people, relief):
    # given an award with a live payment in an approved batch
    payment = Payment.objects.filter(batch=approved, case=final_cases[0]).get()
    other = services.batch_build  # a second batch finds nothing to pay
    with pytest.raises(NothingToPay):
        other(program=relief, actor=people.officer2)
    # and the database refuses a second live payment for the same award in a draft batch
    draft = PayoutBatch.objects.create(
        program=relief,
        fund=relief.fund,
        total=Money(1000, "CNY"),
        count=1,
        built_by=people.officer2,
    )
    _refused(
        lambda: Payment.objects.bulk_create(
            [
                Payment(
                    batch=draft,
                    case=final_cases[0],
                    household=payment.household,
                    payee_name="x",
                    account_enc="x",
                    account_hash="x" * 64,
                    account_last4="0001",
                    amount=payment.amount,
                    reference="TWICE-1",
                    owed_since=payment.owed_since,
                )
            ]
        )
    )


def test_payment_status_moves_only_forward(approved, people, layout):
    payment = Payment.objects.filter(batch=approved).first()
    # pending cannot jump to paid or failed
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(status="failed"))
    services.batch_export(batch=approved, layout=layout, actor=people.officer)
    services.results_import(
        batch=approved,
        layout=layout,
        content=csv_bytes(result_rows(Payment.objects.filter(batch=approved))),
        filename="r.csv",
        actor=people.officer,
    )
    payment.refresh_from_db()
    assert payment.status == "paid"
    # paid is final: never failed, reissued, back to sent, nor re-booked
    for status in ("sent", "failed", "reissued", "pending"):
        _refused(lambda s=status: Payment.objects.filter(pk=payment.pk).update(status=s))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(bank_txn_id="OTHER"))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(entry=None))
    # paid needs its entry, a date and a bank transaction (a CHECK)
    other = Payment.objects.filter(batch=approved).exclude(pk=payment.pk).first()
    assert other.status == "paid"


def test_a_sent_payment_cannot_be_marked_paid_without_its_booking(approved, people, layout):
    services.batch_export(batch=approved, layout=layout, actor=people.officer)
    payment = Payment.objects.filter(batch=approved).first()
    _refused(
        lambda: Payment.objects.filter(pk=payment.pk).update(
            status="paid", bank_txn_id="T1", paid_at=timezone.now()
        )
    )


def test_one_source_per_payment(approved, final_cases):
    _refused(lambda: Payment.objects.filter(batch=approved).update(case=None))  # no source at all


def test_entitlements_and_enrolment_history_are_fixed(people, reward, make_households):
    from tests.approvals.factories import fund_money

    fund_money(5000, "REWARD")
    household = make_households(1)[0]
    enrolment = enrol(reward, household.people.get(is_head=True))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)
    entitlement = Entitlement.objects.get()
    _refused(lambda: Entitlement.objects.filter(pk=entitlement.pk).update(amount=Money(1, "CNY")))
    _refused(lambda: Entitlement.objects.filter(pk=entitlement.pk).delete())
    # a second entitlement for the same enrolment and cycle, or one of another amount
    for amount in (1000, 999):
        _refused(
            lambda a=amount: Entitlement.objects.bulk_create(
                [
                    Entitlement(
                        cycle=cycle,
                        enrolment=enrolment,
                        program=reward,
                        household=household,
                        amount=Money(a, "CNY"),
                        entry=entitlement.entry,
                    )
                ]
            )
        )
    _refused(lambda: EnrolmentHistory.objects.update(reason="changed"))
    _refused(lambda: EnrolmentHistory.objects.all().delete())
