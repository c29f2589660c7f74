"""A failed payment reissued to the corrected account (issue 14): the reissue takes the payee's
account as approved now, never the one that failed; the failed line stays as it was (failed,
then marked reissued, never paid); one reissue only, also when two officers build at once.

A batch built before a correction (e.g. a reissue retried to the old account) is refused at
approval once the account changes, so the old account cannot be paid by an approved batch.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from approvals import services as approvals
from approvals.models import AccountChangeStatus
from disbursement import services
from disbursement.exceptions import InvalidState, NothingToPay
from disbursement.models import BatchStatus, Payment, PaymentStatus
from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund
from ledger.verification import verify_ledger

from .util import bank, csv_bytes, payable, read_csv, result_rows

OLD = "6228480000000000001"
NEW = "6228487777777777777"


def _fail_first(relief, people, layout) -> Payment:
    """Build, approve and export a batch of the three awards; the bank pays two and fails the
    first (account closed). Returns the failed payment."""
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    failed_ref = payments[0].reference
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(payments, failed={failed_ref})),
        filename="r1.csv",
        actor=people.officer,
    )
    failed = Payment.objects.get(reference=failed_ref)
    assert failed.status == PaymentStatus.FAILED and failed.account_last4 == OLD[-4:]
    return failed


def _frozen(payment: Payment) -> tuple:
    payment = Payment.objects.get(pk=payment.pk)
    return (
        payment.account_hash,
        payment.account_last4,
        payment.amount,
        payment.entry_id,
        payment.bank_txn_id,
        payment.result_import_id,
        payment.failure_reason,
    )


def test_a_failed_payment_is_reissued_once_to_the_corrected_account(
    final_cases, relief, people, layout
):
    # given a payment that failed to the household's closed account
    failed = _fail_first(relief, people, layout)
    before = _frozen(failed)
    household = failed.household

    # when the case worker corrects the household's account (nothing in flight: applied now)
    change = approvals.bank_account_change(
        household=household,
        bank_name="农业银行",
        account=NEW,
        reason="原账户已销户，户主提供新卡",
        actor=people.worker,
    )
    assert change.status == AccountChangeStatus.APPLIED

    # and an officer builds the next batch
    batch = services.batch_build(program=relief, actor=people.officer2)

    # then it holds exactly the reissue, to the new account, for the award's full amount
    reissue = Payment.objects.get(batch=batch)
    assert reissue.reissue_of_id == failed.pk and reissue.case_id == failed.case_id
    assert reissue.account_last4 == NEW[-4:] and reissue.account_hash != failed.account_hash
    assert reissue.amount == failed.amount

    # and one reissue only: nothing is left to build, and a second reissue row is refused
    with pytest.raises(NothingToPay):
        services.batch_build(program=relief, actor=people.officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin = Payment.objects.get(pk=reissue.pk)
        twin.pk = None
        twin.reference = "PB-twin"
        twin.reissue_of = failed
        twin.save()

    # when the batch is approved, exported and paid
    services.batch_approve(batch=batch, actor=people.supervisor)
    export = services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    rows = read_csv(export.content)
    assert [r[0] for r in rows[1:]] == [NEW]  # the old account is not in the file
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows([reissue])),
        filename="r2.csv",
        actor=people.officer,
    )

    # then the failed line is as it was (its account, amount, no booking), only marked
    # reissued; the award is paid exactly once; the books verify
    failed.refresh_from_db()
    assert failed.status == PaymentStatus.REISSUED and _frozen(failed) == before
    assert Payment.objects.filter(case=failed.case, status=PaymentStatus.PAID).count() == 1
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == Decimal("10000.00") - Decimal("3000.00")
    report = verify_ledger()
    assert report.ok, report.problems


def test_a_reissue_built_to_the_old_account_is_refused_once_the_account_is_corrected(
    final_cases, relief, people, layout
):
    # given a failed payment retried to the same account (the failure looked temporary)
    failed = _fail_first(relief, people, layout)
    draft = services.batch_build(program=relief, actor=people.officer, retry_unchanged=True)
    retry = Payment.objects.get(batch=draft)
    assert retry.reissue_of_id == failed.pk and retry.account_last4 == OLD[-4:]

    # when the case worker corrects the account: a payment to it is pending, so the change
    # waits for a second person
    change = approvals.bank_account_change(
        household=failed.household,
        bank_name="农业银行",
        account=NEW,
        reason="原账户已销户",
        actor=people.worker,
    )
    assert change.status == AccountChangeStatus.PENDING

    # then the draft cannot be approved while the change waits, nor after it is approved
    with pytest.raises(InvalidState, match="changed after batch"):
        services.batch_approve(batch=draft, actor=people.supervisor)
    approvals.bank_account_change_approve(change=change, actor=people.village_rev)
    with pytest.raises(InvalidState, match=retry.reference):
        services.batch_approve(batch=draft, actor=people.supervisor)
    draft.refresh_from_db()
    failed.refresh_from_db()
    assert draft.status == BatchStatus.DRAFT and failed.status == PaymentStatus.FAILED

    # when the draft is discarded and the batch built again
    services.batch_discard(batch=draft, reason="账户已更正，重新生成", actor=people.officer)
    rebuilt = services.batch_build(program=relief, actor=people.officer)

    # then the reissue goes to the approved account, and the batch is approved
    reissue = Payment.objects.get(batch=rebuilt)
    assert reissue.reissue_of_id == failed.pk and reissue.account_last4 == NEW[-4:]
    services.batch_approve(batch=rebuilt, actor=people.supervisor)
    failed.refresh_from_db()
    assert failed.status == PaymentStatus.REISSUED


def test_a_payee_renamed_after_the_build_stops_the_approval(final_cases, relief, people):
    # given a draft batch
    batch = services.batch_build(program=relief, actor=people.officer)
    payment = Payment.objects.filter(batch=batch).order_by("id").first()

    # when the payee's name is corrected in the registry (bank matches name and account)
    payment.payee.__class__.objects.filter(pk=payment.payee_id).update(name="张一明")

    # then approving the batch is refused, naming the payment
    with pytest.raises(InvalidState, match=payment.reference):
        services.batch_approve(batch=batch, actor=people.supervisor)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(2))
def test_two_officers_building_at_once_reissue_once(run, relief, people, layout, world, request):
    # given (committed for real: each thread has its own connection) a failed payment whose
    # account was corrected
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)
    request.getfixturevalue("final_cases")
    failed = _fail_first(relief, people, layout)
    approvals.bank_account_change(
        household=failed.household,
        bank_name="农业银行",
        account=NEW,
        reason="原账户已销户",
        actor=people.worker,
    )

    # when two officers build a batch at the same moment
    barrier = threading.Barrier(2)
    outcomes: list = []

    def build(officer):
        try:
            barrier.wait()
            outcomes.append(services.batch_build(program=relief, actor=officer))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build, args=(o,)) for o in (people.officer, people.officer2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    # then one built the reissue and the other found nothing left to pay
    batches = [o for o in outcomes if not isinstance(o, Exception)]
    refusals = [o for o in outcomes if isinstance(o, Exception)]
    assert len(batches) == 1 and len(refusals) == 1, outcomes
    assert isinstance(refusals[0], NothingToPay)
    reissues = Payment.objects.filter(reissue_of=failed)
    assert reissues.count() == 1 and reissues.get().account_last4 == NEW[-4:]
    assert Payment.objects.filter(case=failed.case).exclude(pk=failed.pk).count() == 1
