"""The payment rules hold for statements over many rows too (PostgreSQL checks them per statement,
with transition tables; SQLite per row): one bad row refuses the whole statement, on both
engines, with the same message."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from djmoney.money import Money

from disbursement import services
from disbursement.models import Payment, PayoutBatch

from .util import csv_bytes, result_rows


def _refused(action, says: str):
    with pytest.raises((IntegrityError, DatabaseError)) as caught, transaction.atomic():
        action()
    assert says in str(caught.value)


@pytest.fixture
def draft(final_cases, people, relief):
    return services.batch_build(program=relief, actor=people.officer)


def _copy(payment: Payment, **changes) -> Payment:
    fields = {
        f: getattr(payment, f)
        for f in (
            "batch_id",
            "case_id",
            "household_id",
            "payee_id",
            "payee_id_enc",
            "account_owner",
            "payee_name",
            "account_enc",
            "account_hash",
            "account_last4",
            "amount",
            "owed_since",
        )
    }
    return Payment(**{**fields, **changes})


def test_payments_of_a_draft_batch_are_not_sent(draft):
    _refused(
        lambda: Payment.objects.filter(batch=draft).update(status="sent"),
        "only payments of an approved batch are sent",
    )
    assert set(Payment.objects.filter(batch=draft).values_list("status", flat=True)) == {"pending"}


def test_a_new_payment_is_pending_and_for_the_award(draft, final_cases):
    payment = Payment.objects.get(batch=draft, case=final_cases[0])
    payment.delete()  # a draft's payment may be taken out
    _refused(
        lambda: Payment.objects.bulk_create([_copy(payment, reference="X-1", status="sent")]),
        "a new payment is pending",
    )
    _refused(
        lambda: Payment.objects.bulk_create(
            [_copy(payment, reference="X-2", amount=Money(999, "CNY"))]
        ),
        "exactly the amount of a final award",
    )
    Payment.objects.bulk_create([_copy(payment, reference="X-3")])
    assert Payment.objects.filter(batch=draft).count() == 3


def test_one_bad_row_refuses_the_whole_statement(draft, people, layout):
    services.batch_approve(batch=draft, actor=people.supervisor)
    services.batch_export(batch=draft, layout=layout, actor=people.officer)
    payments = list(Payment.objects.filter(batch=draft).order_by("id"))
    services.results_import(
        batch=draft,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed={payments[0].reference})),
        filename="r.csv",
        actor=people.officer,
    )
    # failed -> reissued is allowed for the failed one, but not paid -> reissued for the others
    _refused(
        lambda: Payment.objects.filter(batch=draft).update(status="reissued"),
        "payment status moves only",
    )
    # one payee changed among many unchanged rows
    _refused(
        lambda: Payment.objects.filter(batch=draft).update(
            payee_name=Payment.objects.filter(pk=payments[0].pk).values("payee_name")[:1]
        ),
        "never change",
    )
    # and a paid booking, however many rows the statement touches
    _refused(
        lambda: Payment.objects.filter(batch=draft, status="paid").update(bank_txn_id="X"),
        "the booking of a paid payment never changes",
    )
    assert Payment.objects.filter(batch=draft, status="paid").count() == 2


def test_a_delete_that_touches_an_approved_batch_is_refused_whole(draft, people):
    other = PayoutBatch.objects.create(
        program=draft.program,
        fund=draft.fund,
        total=Money(1, "CNY"),
        count=0,
        built_by=people.officer2,
    )
    assert other.status == "draft"
    services.batch_approve(batch=draft, actor=people.supervisor)
    _refused(
        lambda: Payment.objects.filter(batch__in=[draft, other]).delete(),
        "only while it is a draft",
    )
    assert Payment.objects.filter(batch=draft).count() == 3
