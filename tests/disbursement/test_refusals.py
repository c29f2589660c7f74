"""Bad input gets a clear error and changes nothing: a result file with a wrong column, an
unknown reference, a different amount, a duplicate line or a status the layout does not define;
approving one's own batch; exporting an unapproved batch; a batch that would take more than the
fund has; a payment of a different amount."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from djmoney.money import Money

from disbursement import services
from disbursement.exceptions import (
    BankFileRejected,
    InsufficientFunds,
    InvalidState,
    NotAllowed,
    NothingToPay,
)
from disbursement.models import BatchStatus, Payment, PayoutBatch
from tests.approvals.factories import drain, fund_money

from .conftest import finalise
from .util import HEADER, audit_count, bank, csv_bytes, payable, result_rows, snapshot


@pytest.fixture
def sent_batch(final_cases, people, relief, layout):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    batch.refresh_from_db()
    return batch


def _rows(batch):
    return result_rows(Payment.objects.filter(batch=batch).order_by("id"))


def _wrong_column(rows):
    return csv_bytes(
        rows, header=["流水号", "状态", "银行流水号", "金额(元)", "失败原因", "手续费"]
    )


def _unknown_reference(rows):
    rows[1][0] = "PB999-1"
    return csv_bytes(rows)


def _different_amount(rows):
    rows[0][3] = "999.00"
    return csv_bytes(rows)


def _duplicate_line(rows):
    return csv_bytes([*rows, list(rows[0])])


def _undefined_status(rows):
    rows[2][1] = "处理中"
    return csv_bytes(rows)


@pytest.mark.parametrize(
    ("make_file", "code", "says"),
    [
        (_wrong_column, "wrong_column", "The file has no column “金额”"),
        (_unknown_reference, "unknown_reference", "reference “PB999-1” is not a payment of batch"),
        (_different_amount, "amount_mismatch", "reports 999.00 but the payment is 1000.00"),
        (_duplicate_line, "duplicate_line", "appears again (first on line 2)"),
        (_undefined_status, "undefined_status", "status “处理中” is not defined by layout"),
    ],
)
def test_a_bad_result_file_is_refused_whole_and_books_nothing(
    make_file, code, says, sent_batch, people, layout
):
    # given an exported batch and a result file with one bad line (the others are good)
    content = make_file(_rows(sent_batch))
    before, bank_before = snapshot(), bank("RELIEF")

    # when it is imported
    with pytest.raises(BankFileRejected) as caught:
        services.results_import(
            batch=sent_batch, layout=layout, content=content, filename="r.csv", actor=people.officer
        )

    # then the error names the problem and nothing at all was booked, not even the good lines
    assert [p["code"] for p in caught.value.problems] == [code]
    assert says in caught.value.problems[0]["message"]
    assert "nothing was booked" in str(caught.value)
    assert snapshot() == before and bank("RELIEF") == bank_before


def test_a_correct_file_after_a_refused_one_is_accepted(sent_batch, people, layout):
    # given a refused file
    rows = _rows(sent_batch)
    with pytest.raises(BankFileRejected):
        services.results_import(
            batch=sent_batch,
            layout=layout,
            content=_different_amount([list(r) for r in rows]),
            filename="r.csv",
            actor=people.officer,
        )
    # when the bank's corrected file comes, then it is booked
    imp = services.results_import(
        batch=sent_batch,
        layout=layout,
        content=csv_bytes(rows),
        filename="r2.csv",
        actor=people.officer,
    )
    assert imp.paid_count == 3 and payable("RELIEF") == Decimal("0.00")


def test_a_second_file_contradicting_the_first_is_refused(sent_batch, people, layout):
    # given a file reporting everything paid
    rows = _rows(sent_batch)
    services.results_import(
        batch=sent_batch,
        layout=layout,
        content=csv_bytes(rows),
        filename="a.csv",
        actor=people.officer,
    )
    before = snapshot()
    # when another file says one of them failed, then it is refused as a conflict
    rows[0][1], rows[0][2] = "失败", ""
    with pytest.raises(BankFileRejected) as caught:
        services.results_import(
            batch=sent_batch,
            layout=layout,
            content=csv_bytes(rows),
            filename="b.csv",
            actor=people.officer,
        )
    assert caught.value.problems[0]["code"] == "conflict"
    assert snapshot() == before
    # and a different file repeating the same facts books nothing more
    same = csv_bytes(_rows(sent_batch)) + b"\r\n"
    imp = services.results_import(
        batch=sent_batch, layout=layout, content=same, filename="c.csv", actor=people.officer
    )
    assert (imp.paid_count, imp.already_count) == (0, 3)
    assert snapshot()[0] == before[0]


def test_approving_ones_own_batch_is_refused(final_cases, people, relief):
    # given a batch built by someone who also holds the supervisor role
    batch = services.batch_build(program=relief, actor=people.both)
    # when they approve it, then it is refused and the batch stays a draft
    with pytest.raises(NotAllowed, match="You built batch .* so you may not approve it"):
        services.batch_approve(batch=batch, actor=people.both)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.approved_by is None
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(
            status="approved", approved_by=people.both, approved_at=batch.built_at
        )


def test_an_officer_cannot_approve_and_a_supervisor_cannot_build(final_cases, people, relief):
    with pytest.raises(NotAllowed, match="approve_payoutbatch"):
        batch = services.batch_build(program=relief, actor=people.officer)
        services.batch_approve(batch=batch, actor=people.officer2)
    with pytest.raises(NotAllowed, match="build_payoutbatch"):
        services.batch_build(program=relief, actor=people.supervisor)


def test_exporting_an_unapproved_batch_is_refused(final_cases, people, relief, layout):
    # given a draft batch
    batch = services.batch_build(program=relief, actor=people.officer)
    before, audits = snapshot(), audit_count()
    # when it is exported, then it is refused and nothing is marked sent or logged
    with pytest.raises(InvalidState, match="only an approved batch goes to the bank"):
        services.batch_export(batch=batch, layout=layout, actor=people.officer)
    assert snapshot() == before and audit_count() == audits
    assert not batch.exports.exists()
    # and the database refuses to mark its payments sent
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Payment.objects.filter(batch=batch).update(status="sent")


def _drain(amount, day, key):
    """Money leaves the bank around the payout path (``tests.approvals.factories.drain``)."""
    drain(amount, "RELIEF", day)


def test_a_batch_exceeding_the_funds_money_is_refused(people, relief, world, make_households):
    # given CNY 3,000 at bank, awards of CNY 2,000 (cycle 2026) in an approved batch not yet
    # paid, an award of CNY 1,000 (cycle 2027) owed, and CNY 600 gone from the bank since
    fund_money(3000, "RELIEF")
    households = make_households(3)
    finalise(relief, households[:2], people, world, cycle="2026")
    finalise(relief, households[2:], people, world, cycle="2027")
    first = services.batch_build(program=relief, cycle="2026", actor=people.officer)
    services.batch_approve(batch=first, actor=people.supervisor)
    _drain(600, first.built_at.date(), "test:charges")
    before = snapshot()

    # when a batch of the 2027 award is built
    with pytest.raises(InsufficientFunds) as caught:
        services.batch_build(program=relief, cycle="2027", actor=people.officer2)

    # then the message gives what is needed, held, committed and free, and nothing was built
    message = str(caught.value)
    assert "it needs CNY 1,000.00, the bank holds CNY 2,400.00" in message
    assert "CNY 2,000.00 of that is already committed to approved batches" in message
    assert "CNY 400.00 is available for payouts" in message
    assert snapshot() == before
    assert PayoutBatch.objects.count() == 1


def test_approval_checks_the_money_again(final_cases, people, relief):
    # given a draft batch of CNY 3,000 and the bank then drained to CNY 2,000
    batch = services.batch_build(program=relief, actor=people.officer)
    _drain(8000, batch.built_at.date(), "test:drain")
    # when it is approved, then it is refused
    with pytest.raises(InsufficientFunds, match="the bank holds CNY 2,000.00"):
        services.batch_approve(batch=batch, actor=people.supervisor)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_a_payment_of_a_different_amount_is_refused_by_the_database(final_cases, people, relief):
    # given a draft batch, from which the payment of one award is taken out
    batch = services.batch_build(program=relief, actor=people.officer)
    payment = Payment.objects.get(batch=batch, case=final_cases[0])
    template = dict(
        batch=batch,
        case=final_cases[0],
        household=payment.household,
        payee=payment.payee,
        payee_id_enc=payment.payee_id_enc,
        payee_name=payment.payee_name,
        account_enc=payment.account_enc,
        account_hash=payment.account_hash,
        account_last4=payment.account_last4,
        owed_since=payment.owed_since,
    )
    payment.delete()
    # when a payment of another amount is written around the services, then it is refused
    for amount in (Decimal("999.99"), Decimal("1000.01")):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            Payment.objects.bulk_create(
                [Payment(**template, amount=Money(amount, "CNY"), reference=f"X-{amount}")]
            )
    # and an existing payment's amount cannot be changed
    other = Payment.objects.filter(batch=batch).first()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Payment.objects.filter(pk=other.pk).update(amount=Money(1, "CNY"))
    # while the exact amount is accepted
    Payment.objects.bulk_create([Payment(**template, amount=Money(1000, "CNY"), reference="X-ok")])
    assert Payment.objects.filter(batch=batch).count() == 3


def test_a_discarded_batch_frees_its_awards(final_cases, people, relief):
    batch = services.batch_build(program=relief, actor=people.officer)
    with pytest.raises(NothingToPay):
        services.batch_build(program=relief, actor=people.officer)  # nothing left: all batched
    services.batch_discard(batch=batch, reason="wrong period", actor=people.officer)
    assert services.batch_build(program=relief, actor=people.officer).count == 3


def test_results_for_a_batch_never_sent_are_refused(final_cases, people, relief, layout):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    with pytest.raises(InvalidState, match="has not been sent to the bank"):
        services.results_import(
            batch=batch,
            layout=layout,
            content=csv_bytes(_rows(batch)),
            filename="r.csv",
            actor=people.officer,
        )


def test_header_constant_matches_the_layout(layout):
    assert set(HEADER) == set(layout.result_columns.values())
