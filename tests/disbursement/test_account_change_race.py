"""A bank account changed while a payout batch is being built (issue 11, point 5; PostgreSQL
only: real row locks, real concurrent connections).

Both take the ledger's lock first (``bank_account_change`` before it counts the payments in
flight, ``batch_build`` before it copies the accounts), so one waits for the other, and the
payment carries exactly one account:

* the batch first: its payment carries the old account, and the change, finding a payment
  pending to that account, waits for a second person (the household keeps the old account);
* the change first: it is applied (nothing was pending) and the payment carries the new one.

Never a mix (the name or account of one and the hash of the other), and never an account
changed under a pending payment without the second person. Each case is run with either side
starting first, the windows between reading and writing widened, and the batch then approved
by the supervisor (the second person approves the waiting change after that only). The test
commits for real (``transaction=True``); each thread closes its own connection.
"""

import threading
import time

import pytest
from django.db import connection

from approvals import crypto
from approvals import services as approvals
from approvals.exceptions import NotAllowed
from approvals.models import AccountChangeStatus, BankAccountChange, Household
from approvals.services import bankaccounts as bankaccounts_module
from disbursement import services
from disbursement.exceptions import InvalidState
from disbursement.models import Payment
from disbursement.services import build as build_module
from ledger.books import ensure_default_books
from ledger.models import Account, ChainHead, Fund
from tests.approvals.factories import fund_money

from .conftest import finalise

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NEW_ACCOUNT = "6228480099990000123"


@pytest.fixture(autouse=True)
def _books(db):
    ensure_default_books(Account, Fund)
    ChainHead.objects.get_or_create(pk=1)


def _slowly(real):
    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.6)
        return result

    return slow


@pytest.mark.parametrize("lead", ["batch", "change", "batch", "change"])
def test_an_account_change_racing_a_batch_build_never_mixes_accounts(
    lead, people, relief, world, make_households, monkeypatch
):
    # given a final relief award to a household with its default account
    fund_money(10000, "RELIEF")
    fund_money(100, "GENERAL")
    (household,) = make_households(1)
    (case,) = finalise(relief, [household], people, world)
    old_hash = Household.objects.get(pk=household.pk).bank_account_hash
    new_hash = crypto.lookup_hash("bank", NEW_ACCOUNT)
    assert old_hash and old_hash != new_hash

    # widen both windows: after counting the payments in flight, after inserting the payments
    monkeypatch.setattr(
        bankaccounts_module,
        "account_payments_in_flight",
        _slowly(bankaccounts_module.account_payments_in_flight),
    )
    monkeypatch.setattr(build_module, "_insert_payments", _slowly(build_module._insert_payments))

    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name, call, delay):
        try:
            barrier.wait()
            time.sleep(delay)
            outcomes[name] = call()
        except BaseException as exc:  # reported by the assertions below
            outcomes[name] = exc
        finally:
            connection.close()

    def build():
        return services.batch_build(program=relief, actor=people.officer)

    def change():
        return approvals.bank_account_change(
            household=household,
            bank_name="中国农业银行",
            account=NEW_ACCOUNT,
            reason="换卡 / new card",
            actor=people.worker,
        )

    threads = [
        threading.Thread(target=run, args=("batch", build, 0 if lead == "batch" else 0.2)),
        threading.Thread(target=run, args=("change", change, 0 if lead == "change" else 0.2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not isinstance(outcomes["batch"], BaseException), outcomes
    assert not isinstance(outcomes["change"], BaseException), outcomes

    # then one payment, with one whole account: its hash, its encrypted number and its owner
    (payment,) = Payment.objects.filter(case=case)
    assert payment.status == "pending"
    assert payment.account_hash in (old_hash, new_hash)
    assert crypto.lookup_hash("bank", crypto.decrypt(payment.account_enc)) == payment.account_hash
    change_row = BankAccountChange.objects.get(household=household)
    household.refresh_from_db()
    # (the side that starts first takes the ledger's lock first; the other waits on it)
    assert (payment.account_hash == old_hash) == (lead == "batch"), outcomes
    if payment.account_hash == old_hash:
        # the batch was first: the change waits for a second person, the account is unchanged
        assert change_row.status == AccountChangeStatus.PENDING, lead
        assert household.bank_account_hash == old_hash
        # the one who asked cannot approve it
        with pytest.raises(NotAllowed):
            approvals.bank_account_change_approve(change=change_row, actor=people.worker)
        household.refresh_from_db()
        assert household.bank_account_hash == old_hash
        # while the change waits, the batch is not approved (it would pay the account being
        # replaced); once a second person rejects the change, it is approved as built
        with pytest.raises(InvalidState, match="discard the batch and build it again"):
            services.batch_approve(batch=payment.batch, actor=people.supervisor)
        approvals.bank_account_change_reject(
            change=change_row, actor=people.village_rev, note="存折核对不符 / passbook differs"
        )
    else:
        # the change was first: applied at once, and the batch pays the new account
        assert change_row.status == AccountChangeStatus.APPLIED, lead
        assert household.bank_account_hash == new_hash
    services.batch_approve(batch=payment.batch, actor=people.supervisor)
    payment.refresh_from_db()
    assert payment.account_hash in (old_hash, new_hash)
