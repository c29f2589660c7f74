"""A payment is paid or failed by exactly one bank result import (issue 12, point 1), on SQLite
and PostgreSQL alike.

The database holds it beneath the service: a settled payment names the import that settled it
(CHECK), only an import of the payment's own batch that is being applied may settle it (guard),
the import it names never changes (guard, a reissue keeps it), and a batch has one import being
applied at a time (partial unique index). Each is tested by going around the ORM. The service
refuses a second file while the first is unfinished (``import_unfinished``), and a line whose
payment was settled by anything else while the file was applied goes through the conflict rule
(tested underneath the guards, the only way that can happen)."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from djmoney.money import Money

from disbursement import services
from disbursement.exceptions import BankFileRejected, ImportUnfinished
from disbursement.models import BankResultImport, Payment, PayoutBatch
from disbursement.services import results as results_module
from tests.tamper import raw, underneath

from .util import csv_bytes, result_rows, snapshot

GUARD = "paid or failed by one result import"
CHECK = "payment_settled_by_an_import"
# PostgreSQL names the index; SQLite the columns.
ONE_APPLYING = ("import_one_applying_per_batch", "disbursement_bankresultimport.batch_id")


def _refused(action, *says: str):
    """Refused by the database, saying one of ``says`` (a CHECK and a guard may both hold a
    rule: SQLite's row triggers speak before its CHECKs, PostgreSQL's statement guard after)."""
    with pytest.raises((IntegrityError, DatabaseError)) as caught, transaction.atomic():
        action()
    assert not says or any(text in str(caught.value) for text in says), caught.value


@pytest.fixture
def sent_batch(final_cases, people, relief, layout):
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    batch.refresh_from_db()
    return batch


def _payments(batch):
    return list(Payment.objects.filter(batch=batch).order_by("id"))


def _import_row(batch, layout, *, status, sha="f" * 64):
    money = Money(0, "CNY")
    return BankResultImport.objects.create(
        batch=batch,
        layout=layout,
        sha256=sha,
        filename="other.csv",
        lines=1,
        status=status,
        paid_total=money,
        failed_total=money,
        charges_total=money,
    )


def _import(batch, layout, people, rows, name="r.csv"):
    return services.results_import(
        batch=batch, layout=layout, content=csv_bytes(rows), filename=name, actor=people.officer
    )


def test_a_sent_payment_is_settled_only_by_an_import_of_its_batch_being_applied(
    sent_batch, layout, people, relief
):
    # given a sent payment, a finished import of its batch and one being applied of another
    payment = _payments(sent_batch)[0]
    done = _import_row(sent_batch, layout, status="done")
    elsewhere = PayoutBatch.objects.create(
        program=relief, fund=sent_batch.fund, total=Money(1, "CNY"), built_by=people.officer
    )
    other = _import_row(elsewhere, layout, status="applying", sha="e" * 64)
    before = snapshot()

    def settle(**fields):
        return lambda: Payment.objects.filter(pk=payment.pk).update(
            status="failed", failure_reason="x", **fields
        )

    # when it is marked failed naming no import, then the CHECK refuses it
    _refused(settle(), CHECK, GUARD)
    # naming a finished import of its batch, or one being applied of another batch, the guard
    _refused(settle(result_import=done), GUARD)
    _refused(settle(result_import=other), GUARD)
    # and a payment not settled names no import
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(result_import=done), CHECK)
    assert snapshot() == before
    # while the import of its own batch being applied settles it
    applying = _import_row(sent_batch, layout, status="applying", sha="d" * 64)
    settle(result_import=applying)()
    assert Payment.objects.get(pk=payment.pk).result_import_id == applying.pk


def test_a_settled_payment_keeps_the_import_that_settled_it(sent_batch, layout, people):
    # given a batch whose file was imported: two paid, one failed
    payments = _payments(sent_batch)
    imp = _import(sent_batch, layout, people, result_rows(payments, failed={payments[2].reference}))
    other = _import_row(sent_batch, layout, status="applying")
    before = snapshot()
    for payment in payments:
        # when another import, or none, is named on a settled payment, then it is refused
        _refused(
            lambda p=payment: Payment.objects.filter(pk=p.pk).update(result_import=other),
            GUARD,
        )
        _refused(
            lambda p=payment: Payment.objects.filter(pk=p.pk).update(result_import=None),
            CHECK,
            GUARD,
        )
    # the same by raw SQL
    _refused(
        lambda: raw(
            "UPDATE disbursement_payment SET result_import_id = %s WHERE id = %s",
            [other.pk, payments[0].pk],
        ),
        GUARD,
    )
    assert snapshot() == before
    assert set(Payment.objects.values_list("result_import_id", flat=True)) == {imp.pk}


def test_a_reissue_keeps_the_failed_payment_settled_by_its_import(
    sent_batch, layout, people, relief
):
    # given a failed payment
    payments = _payments(sent_batch)
    imp = _import(sent_batch, layout, people, result_rows(payments, failed={payments[0].reference}))
    # when it is reissued in the next batch (approving that batch marks it reissued)
    retry = services.batch_build(program=relief, actor=people.officer, retry_unchanged=True)
    services.batch_approve(batch=retry, actor=people.supervisor)
    # then it is reissued and still names the import that failed it
    failed = Payment.objects.get(pk=payments[0].pk)
    assert failed.status == "reissued" and failed.result_import_id == imp.pk
    new = Payment.objects.get(batch=retry)
    assert new.reissue_of_id == failed.pk and new.result_import_id is None


def test_a_batch_has_one_import_being_applied_at_a_time(sent_batch, layout):
    _import_row(sent_batch, layout, status="applying")
    # when a second import of the batch is recorded as being applied, then it is refused
    _refused(
        lambda: _import_row(sent_batch, layout, status="applying", sha="e" * 64),
        *ONE_APPLYING,
    )
    _refused(
        lambda: raw(
            "INSERT INTO disbursement_bankresultimport (batch_id, layout_id, sha256, filename, "
            "status, lines, paid_count, failed_count, already_count, paid_total, "
            "paid_total_currency, failed_total, failed_total_currency, charges_total, "
            "charges_total_currency, imported_at) VALUES (%s, %s, %s, 'x.csv', 'applying', 1, "
            "0, 0, 0, 0, 'CNY', 0, 'CNY', 0, 'CNY', %s)",
            [sent_batch.pk, layout.pk, "d" * 64, timezone.now()],
        ),
        *ONE_APPLYING,
    )
    # while a finished one beside it is fine
    _import_row(sent_batch, layout, status="done", sha="c" * 64)


def test_a_second_file_while_the_first_is_unfinished_is_refused_and_books_nothing(
    sent_batch, layout, people, monkeypatch
):
    # given an import of the all-paid file interrupted after its first chunk
    payments = _payments(sent_batch)
    real_apply = results_module._apply_chunk
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(results_module, "_apply_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        services.results_import(
            batch=sent_batch,
            layout=layout,
            content=csv_bytes(result_rows(payments)),
            filename="a.csv",
            actor=people.officer,
            chunk_size=1,
        )
    monkeypatch.setattr(results_module, "_apply_chunk", real_apply)
    before = snapshot()

    # when another file (the last payment failed) is imported, then it is refused, naming the
    # unfinished one, and nothing is booked
    other = result_rows(payments, failed={payments[2].reference})
    with pytest.raises(ImportUnfinished) as caught:
        _import(sent_batch, layout, people, other, name="b.csv")
    assert caught.value.code == "import_unfinished" and caught.value.status == 409
    assert "a.csv" in str(caught.value) and "still being applied" in str(caught.value)
    assert snapshot() == before

    # and once the first file is imported again (finished), the second is a conflict
    done = _import(sent_batch, layout, people, result_rows(payments), name="a.csv")
    assert done.status == "done" and done.paid_count == 3
    with pytest.raises(BankFileRejected) as caught:
        _import(sent_batch, layout, people, other, name="b.csv")
    assert [p["code"] for p in caught.value.problems] == ["conflict"]


@pytest.mark.owner  # tampers with the guards off: the tables' owner's (tests/conftest.py)
def test_a_line_settled_while_the_file_is_applied_goes_through_the_conflict_rule(
    sent_batch, layout, people, monkeypatch
):
    """Only damage can settle a payment under a running import (the lock and the guard keep
    every other writer out): underneath the guards, a payment is failed by another import
    between the file's check and its booking. The file stops with the sequential case's
    ``conflict``, and the chunk that met it books nothing."""
    payments = _payments(sent_batch)
    content = csv_bytes(result_rows(payments))
    with underneath():
        elsewhere = _import_row(sent_batch, layout, status="done")
        real_check = results_module._check_and_claim

        def check_then_damage(**kwargs):
            found = real_check(**kwargs)
            raw(
                "UPDATE disbursement_payment SET status = 'failed', result_import_id = %s "
                "WHERE id = %s",
                [elsewhere.pk, payments[1].pk],
            )
            return found

        monkeypatch.setattr(results_module, "_check_and_claim", check_then_damage)
        with pytest.raises(BankFileRejected) as caught:
            services.results_import(
                batch=sent_batch,
                layout=layout,
                content=content,
                filename="a.csv",
                actor=people.officer,
                chunk_size=1,
            )
        problem = caught.value.problems[0]
        assert (problem["code"], problem["reference"]) == ("conflict", payments[1].reference)
        assert "already recorded as failed, still owed" in problem["message"]
        # the first chunk was booked, the one with the conflict not, and the file is unfinished
        statuses = dict(Payment.objects.filter(batch=sent_batch).values_list("id", "status"))
        assert statuses == {
            payments[0].pk: "paid",
            payments[1].pk: "failed",
            payments[2].pk: "sent",
        }
        assert BankResultImport.objects.exclude(pk=elsewhere.pk).get().status == "applying"
