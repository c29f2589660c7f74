"""The whole story, on SQLite and PostgreSQL: final awards and a generated cycle -> batch built
-> approved by another person -> exported -> a result file with some failures imported ->
failures corrected and reissued -> all paid -> awards payable back to zero for them, bank down by
exactly the sum, verify_ledger clean."""

from decimal import Decimal

from disbursement import selectors, services
from disbursement.exceptions import NothingToPay
from disbursement.models import BatchStatus, Payment, PaymentStatus
from ledger import chart
from ledger.models import JournalEntry
from ledger.verification import verify_ledger
from tests.approvals.factories import fund_money

from .conftest import confirm, enrol
from .util import balance, bank, csv_bytes, payable, read_csv, read_xlsx, result_rows, xlsx_bytes


def test_relief_awards_are_paid_in_full_with_a_failure_reissued(
    final_cases, people, relief, layout
):
    # given three final awards of CNY 1,000 booked to awards payable, CNY 10,000 at bank, and
    # CNY 100 in the unrestricted fund, which bears the program's bank charges
    assert relief.charges_fund.code == "GENERAL"
    assert payable("RELIEF") == Decimal("3000.00")
    assert bank("RELIEF") == Decimal("10000.00")

    # when a finance officer builds the batch
    batch = services.batch_build(program=relief, actor=people.officer)

    # then it holds one pending payment per award, each for exactly the award
    payments = list(Payment.objects.filter(batch=batch).order_by("id"))
    assert batch.status == BatchStatus.DRAFT and batch.count == 3
    assert batch.total.amount == Decimal("3000.00")
    assert [p.case_id for p in payments] == sorted(c.pk for c in final_cases)
    assert all(p.amount == p.case.amount for p in payments)
    assert [p.reference for p in payments] == [f"PB{batch.pk}-{n}" for n in (1, 2, 3)]
    assert payments[0].payee_name == "张1明" and payments[0].account_last4 == "0001"

    # when another person, a supervisor, approves it and the officer exports it
    batch = services.batch_approve(batch=batch, actor=people.supervisor)
    export = services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)

    # then the file has the layout's columns, whole account numbers and exact amounts
    rows = read_csv(export.content)
    assert rows[0] == ["账号", "户名", "金额", "流水号", "用途"]
    assert rows[1] == ["6228480000000000001", "张1明", "1000.00", f"PB{batch.pk}-1", "RELIEF1"]
    assert len(rows) == 4
    assert export.log.rows == 3 and export.log.total.amount == Decimal("3000.00")
    assert export.log.exported_by == people.officer and len(export.log.sha256) == 64
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"sent"}

    # when the bank reports two paid (one with a CNY 2.50 charge) and one failed
    failed_ref = payments[2].reference
    content = csv_bytes(
        result_rows(payments, failed={failed_ref}, charge={payments[0].reference: "2.50"})
    )
    imp = services.results_import(
        batch=batch, layout=layout, content=content, filename="result1.csv", actor=people.officer
    )

    # then the paid ones are booked against bank, the charge is an expense of GENERAL (not of
    # the relief money) in an entry of its own, and the failed award stays owed
    assert (imp.paid_count, imp.failed_count, imp.already_count) == (2, 1, 0)
    assert payable("RELIEF") == Decimal("1000.00")
    assert bank("RELIEF") == Decimal("10000.00") - Decimal("2000.00")
    assert balance(chart.BANK_CHARGES, "RELIEF") == Decimal("0.00")
    assert balance(chart.BANK_CHARGES, "GENERAL") == Decimal("2.50")
    assert bank("GENERAL") == Decimal("97.50")
    charge = JournalEntry.objects.get(idempotency_key=f"charge:{payments[0].pk}")
    assert {(line.account.code, line.fund.code, line.side) for line in charge.lines.all()} == {
        (chart.BANK_CHARGES, "GENERAL", "D"),
        (chart.BANK, "GENERAL", "C"),
    }
    pay_entry = JournalEntry.objects.get(idempotency_key=f"pay:{payments[0].pk}")
    assert set(pay_entry.lines.values_list("fund__code", flat=True)) == {"RELIEF"}
    failed = Payment.objects.get(reference=failed_ref)
    assert failed.status == PaymentStatus.FAILED and failed.failure_reason == "账户已销户"
    assert failed.entry_id is None
    paid = Payment.objects.get(pk=payments[0].pk)
    assert paid.status == "paid" and paid.bank_txn_id == f"T{paid.pk}" and paid.paid_at
    assert paid.entry.idempotency_key == f"pay:{paid.pk}"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CLOSED  # every payment has its result
    rec = selectors.batch_reconciliation(batch)
    assert rec.agrees, rec.differences
    assert rec.payments_total == rec.file_total == rec.results_total == Decimal("3000.00")
    assert rec.paid_total == rec.ledger_total == rec.results_paid_total == Decimal("2000.00")
    assert rec.charges_total == Decimal("2.50")

    # when the same result file is imported again, nothing changes
    again = services.results_import(
        batch=batch, layout=layout, content=content, filename="result1.csv", actor=people.officer
    )
    assert again.pk == imp.pk
    assert payable("RELIEF") == Decimal("1000.00")

    # when a new batch is built before the household's account is corrected, the failed award
    # is left out, with the reason
    household = failed.household
    try:
        services.batch_build(program=relief, actor=people.officer)
        raise AssertionError("expected NothingToPay")
    except NothingToPay as exc:
        assert "1 left out" in str(exc)

    # when the household's bank account is corrected and a new batch is built and approved
    household.set_bank_account("6228489999999999999")
    household.save()
    batch2 = services.batch_build(program=relief, actor=people.officer2)
    reissue = Payment.objects.get(batch=batch2)
    assert reissue.case_id == failed.case_id and reissue.reissue_of_id == failed.pk
    assert reissue.account_last4 == "9999"
    services.batch_approve(batch=batch2, actor=people.supervisor)
    failed.refresh_from_db()
    assert failed.status == PaymentStatus.REISSUED

    # and exported (Excel this time) and reported paid
    export2 = services.batch_export(batch=batch2, layout=layout, fmt="xlsx", actor=people.officer)
    assert read_xlsx(export2.content)[1][0] == "6228489999999999999"
    services.results_import(
        batch=batch2,
        layout=layout,
        content=xlsx_bytes(result_rows([reissue])),
        filename="result2.xlsx",
        actor=people.officer,
    )

    # then every award is paid exactly once: payable back to zero, the bank down by exactly the
    # awards, GENERAL by the charge, the books verify
    assert payable("RELIEF") == Decimal("0.00")
    assert bank("RELIEF") == Decimal("10000.00") - Decimal("3000.00")
    assert bank("GENERAL") == Decimal("97.50")
    for case in final_cases:
        assert Payment.objects.filter(case=case, status="paid").count() == 1
    assert selectors.batch_reconciliation(batch2).agrees
    assert selectors.unpaid_cases(program=relief).count() == 0
    assert selectors.payment_timeliness(program=relief).paid == 3
    report = verify_ledger()
    assert report.ok, report.problems


def test_a_generated_cycle_is_paid_through_a_batch(people, reward, layout, make_households):
    # given a reward program with two enrolled beneficiaries and money in the reward fund
    fund_money(5000, "REWARD")
    households = make_households(2, prefix="62170000")
    for household in households:
        enrol(reward, household.people.get(is_head=True))

    # when the 2026 cycle is confirmed and approved, and then generated again
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    first = confirm(cycle, people)
    second = services.cycle_generate(cycle=cycle, actor=people.officer)

    # then two entitlements are owed, booked once
    assert (first.created, second.created, second.already) == (2, 0, 2)
    assert payable("REWARD") == Decimal("2000.00")
    assert balance(chart.REWARD_EXPENSE, "REWARD") == Decimal("2000.00")

    # when they are batched, approved, exported and reported paid
    batch = services.batch_build(program=reward, cycle="2026", actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    payments = list(Payment.objects.filter(batch=batch))
    assert {p.entitlement.cycle_id for p in payments} == {cycle.pk}
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows(payments)),
        filename="reward.csv",
        actor=people.officer,
    )

    # then the reward fund owes nothing and paid exactly the entitlements
    assert payable("REWARD") == Decimal("0.00")
    assert bank("REWARD") == Decimal("3000.00")
    assert selectors.batch_reconciliation(batch).agrees
    assert verify_ledger().ok


def test_bank_charges_on_reward_payments_are_paid_by_finance_not_the_award_money(
    people, reward, layout, make_households
):
    # given a reward program (its charges borne by GENERAL, the default) with two entitlements
    # generated, money in REWARD and in GENERAL
    fund_money(5000, "REWARD")
    fund_money(50, "GENERAL")
    assert reward.charges_fund.code == "GENERAL"
    for household in make_households(2, prefix="62170000"):
        enrol(reward, household.people.get(is_head=True))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)
    batch = services.batch_build(program=reward, cycle="2026", actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    paid, failed = list(Payment.objects.filter(batch=batch).order_by("id"))

    # when the bank pays one with a charge of 1.20 and fails the other with a charge of 0.80
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(
            result_rows(
                [paid, failed],
                failed={failed.reference},
                charge={paid.reference: "1.20", failed.reference: "0.80"},
            )
        ),
        filename="reward.csv",
        actor=people.officer,
    )

    # then each award is paid in full out of REWARD and both charges are GENERAL's expense,
    # each in an entry of one fund: nothing of the charges touches the award money
    assert bank("REWARD") == Decimal("5000.00") - Decimal("1000.00")
    assert balance(chart.BANK_CHARGES, "REWARD") == Decimal("0.00")
    assert balance(chart.BANK_CHARGES, "GENERAL") == Decimal("2.00")
    assert bank("GENERAL") == Decimal("48.00")
    for payment in (paid, failed):
        entry = JournalEntry.objects.get(idempotency_key=f"charge:{payment.pk}")
        assert set(entry.lines.values_list("fund__code", flat=True)) == {"GENERAL"}
    assert verify_ledger().ok
