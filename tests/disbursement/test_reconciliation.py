"""The reconciliation says exactly where a batch's sums differ, payment by payment (one aggregate
query and one listing query, on SQLite and PostgreSQL alike)."""

from decimal import Decimal

from disbursement import selectors, services
from disbursement.models import Payment
from ledger.models import JournalEntry

from .util import csv_bytes, result_rows


def _closed_batch(people, relief, layout, *, failed_first=False):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    failed = {payments[0].reference} if failed_first else set()
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(
            result_rows(payments, failed=failed, charge={payments[1].reference: "1.50"})
        ),
        filename="r.csv",
        actor=people.officer,
    )
    batch.refresh_from_db()
    return batch, payments


def test_a_clean_batch_agrees_with_every_sum(final_cases, people, relief, layout):
    batch, _payments = _closed_batch(people, relief, layout, failed_first=True)
    rec = selectors.batch_reconciliation(batch)
    assert rec.agrees, rec.differences
    assert (rec.payments_count, rec.results_count, rec.paid_count, rec.waiting_count) == (
        3,
        3,
        2,
        0,
    )
    assert rec.payments_total == rec.file_total == rec.results_total == Decimal("3000.00")
    assert rec.paid_total == rec.results_paid_total == rec.ledger_total == Decimal("2000.00")
    assert rec.failed_total == Decimal("1000.00") and rec.charges_total == Decimal("1.50")
    assert rec.waiting_total == Decimal("0.00")


def test_a_batch_waiting_for_results_counts_what_waits(final_cases, people, relief, layout):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    rec = selectors.batch_reconciliation(batch)
    assert rec.agrees, rec.differences
    assert (rec.waiting_count, rec.waiting_total) == (3, Decimal("3000.00"))
    assert rec.results_count == 0 and rec.ledger_total == Decimal("0.00")


def test_differences_are_listed_payment_by_payment(final_cases, people, relief, layout):
    # given a closed batch whose first payment failed and the others were paid
    batch, payments = _closed_batch(people, relief, layout, failed_first=True)
    first, second = payments[0].reference, payments[1].reference
    # when, going around the services, the second's reported amount is changed and the failed
    # one is pointed at a payment entry (neither is a field the guards hold fixed)
    Payment.objects.filter(pk=payments[1].pk).update(reported_amount=Decimal("999.50"))
    entry = JournalEntry.objects.get(idempotency_key=f"pay:{payments[2].pk}")
    Payment.objects.filter(pk=payments[0].pk).update(entry=entry)

    # then the reconciliation names both payments and the sums that no longer agree
    rec = selectors.batch_reconciliation(batch)
    assert not rec.agrees
    assert rec.results_total == Decimal("2999.50")
    assert rec.ledger_total == Decimal("3000.00")  # the failed one now shows 1,000 paid
    assert f"{first}: failed, but the ledger shows 1000.00 paid." in rec.differences
    assert f"{second}: the bank reported 999.50, the payment is 1000.00." in rec.differences
    assert any("the payments add up to CNY 3,000.00" in d for d in rec.differences)
    assert any("awards-payable movement CNY 3,000.00 differ" in d for d in rec.differences)

    # and with a shorter list, the rest is counted
    short = selectors.batch_reconciliation(batch, max_listed=1)
    assert f"{first}: failed, but the ledger shows 1000.00 paid." in short.differences
    assert f"{second}: the bank reported 999.50, the payment is 1000.00." not in short.differences
    assert short.differences[-1] == "… and 1 more payments."
