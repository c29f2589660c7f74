"""The demo's payouts, through the disbursement services: a bank layout, more final relief
awards, an annual reward program whose beneficiaries were enrolled by last year's final cases
(reviewed at the village, township and county, each tier's list posted at its level; paid in a
batch, three of them into their own accounts), this year's annual confirmation walking the same
tiers and notices (one online objection, dismissed) and the cycle approved by a second person
(one beneficiary suspended, one exited afterwards); a relief batch and a reward batch each built by the officer, approved by the
supervisor, exported and answered by a bank result file with a failure; a reissue batch for the
failure the bank called temporary, approved and waiting to be exported; and late awards for the
late-payments report (one never batched: its household has no bank account); a reward paid
twice being recovered (proposed, decided by a second person, partly refunded), and the relief
batch's post-payment sample check.

Order: runs last, after ``cases.load_cases``: its households live in the villages made there,
and its relief awards go through that relief program.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from stdnum.cn import ric

from approvals import services as cases
from approvals.models import Case, Program, ProgramTier, Region
from approvals.services import PersonSpec
from disbursement import services as payouts
from disbursement.models import (
    BankLayout,
    Confirmation,
    ConfirmationNotice,
    ConfirmationObjection,
    ConfirmationSignoff,
    Cycle,
    Enrolment,
    Payment,
    PayoutBatch,
)
from ledger.models import Fund

from .base import cny
from .cases import EAST_VILLAGE, RELIEF_PROGRAM, as_if_published


def as_if_stamped_on(model, pk: int, field: str, day: date, hour: int) -> None:
    """Demo history: a row a service stamped with the current time (``auto_now_add``, or
    ``timezone.now()``) is moved to ``hour`` o'clock of ``day``, the day the demo's story has it
    happen. The services ran on those days already (their ``today``), so every rule was checked
    as of then — a tier signs off only after the previous tier's notice has run, a notice never
    starts before it is published; only the stamp of when the row was written is moved. Only the
    demo loader writes past times like this (as ``cases.as_if_published`` does for notices);
    the audit trail keeps the load's own times."""
    moment = timezone.make_aware(datetime.combine(day, time(hour)))
    model.objects.filter(pk=pk).update(**{field: moment})


def load_bank_layout() -> BankLayout:
    """The agent bank's payroll file layout (中国农业银行), for exports and result files."""
    return BankLayout.objects.create(
        name="中国农业银行代发 / ABC payroll",
        export_columns=[
            ["account", "账号"],
            ["holder", "户名"],
            ["amount", "金额"],
            ["reference", "业务参考号"],
            ["memo", "用途"],
        ],
        result_columns={
            "reference": "业务参考号",
            "status": "处理结果",
            "bank_txn_id": "银行流水号",
            "amount": "金额",
            "failure_reason": "失败原因",
            "charge": "手续费",
        },
        paid_values=["成功"],
        failed_values=["失败"],
    )


def bank_answers(layout, batch, *, failed=(), reasons=None, charges=None) -> bytes:
    """The agent bank's result file for a batch, in the layout's columns: every payment paid
    except the references in ``failed`` (with their ``reasons``), with optional ``charges``."""
    cols = layout.result_columns
    fields = ["reference", "status", "bank_txn_id", "amount", "failure_reason", "charge"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cols[f] for f in fields])
    for n, p in enumerate(Payment.objects.filter(batch=batch).order_by("id"), start=1):
        bad = p.reference in failed
        writer.writerow(
            [
                p.reference,
                "失败" if bad else "成功",
                "" if bad else f"ABC{batch.pk:04d}{n:06d}",
                f"{p.amount.amount:.2f}",
                (reasons or {}).get(p.reference, "") if bad else "",
                (charges or {}).get(p.reference, ""),
            ]
        )
    return out.getvalue().encode("utf-8")


def load_recovery_and_sample_check(users, *, relief_batch, reward_batch, parent) -> None:
    """Money paid in error coming back, and a post-payment check.

    何淑芬's reward was also paid in cash by the township for the same year: the officer
    proposes to recover it, the supervisor decides (the receivable is booked), and she has paid
    back ¥300 so far (a refund slip, no receipt). The relief batch's recipients are sampled by
    the supervisor (the officer built the batch) and asked whether the money arrived."""
    officer, supervisor = users["officer"], users["supervisor"]
    paid_twice = Payment.objects.get(
        batch=reward_batch, payee=parent.people.get(is_head=True), status="paid"
    )
    recovery = payouts.recovery_propose(
        payment=paid_twice,
        amount=paid_twice.amount,
        reason_code="duplicate",
        reason_text="乡镇已以现金发放同年度奖励扶助金 / the township also paid this year's award in cash",
        decision_reference="管委会〔2026〕3号",
        idempotency_key="demo:recovery:1",
        actor=officer,
    )
    recovery = payouts.recovery_open(
        recovery=recovery,
        decision_text="追回重复发放的奖励扶助金 / recover the payment made twice",
        actor=supervisor,
    )
    payouts.refund_record(
        recovery=recovery,
        amount=cny("300.00"),
        method="counter",
        bank_reference="ABC-DEMO-REFUND-1",
        note="本人到柜台缴回 / paid in at the bank's counter",
        idempotency_key="demo:refund:1",
        actor=officer,
    )

    check = payouts.sample_check_draw(batch=relief_batch, actor=supervisor)
    outcomes = [
        ("received", "电话回访，本人确认收到 / phoned, confirmed"),
        ("unreachable", "电话关机，下周再访 / phone off, try again next week"),
    ]
    for line, (outcome, note) in zip(check.lines.order_by("id"), outcomes, strict=False):
        payouts.sample_check_record(line=line, outcome=outcome, note=note, actor=supervisor)


def load_payouts(users) -> dict[str, object]:
    """Awards, enrolments, batches, result files and late awards; returns the number of payout
    batches and payments.

    Services stamp "final" with the current time; for the late-payments report three awards
    are set back to having become final 35 to 45 days ago (their ledger entries stay in this
    month, the previous period being closed); and this year's confirmation, whose steps the
    services take on the days of its story, has their rows stamped with those days
    (``as_if_stamped_on``). These are the only things here not done by a service."""
    now = timezone.now()
    officer, supervisor = users["officer"], users["supervisor"]
    worker = users["caseworker"]
    east = Region.objects.get(code=EAST_VILLAGE)
    town = east.parent
    relief = Program.objects.get(code=RELIEF_PROGRAM)
    cycle = str(timezone.localdate().year)
    serial = iter(range(50, 100))  # ID numbers apart from cases.load_cases' (1, 2, ...)

    def person(name, birth, relation="head"):
        body = f"410102{birth}{next(serial) * 2 + 1:03d}"  # the county's code since 1983
        return PersonSpec(
            name=name, id_number=body + ric.calc_check_digit(body + "0"), relation=relation
        )

    def household(village, head, birth, address, account, i):
        return cases.household_register(
            region=village,
            address=address,
            people=[person(head, birth)],
            phone=f"1370000{i:04d}",
            bank_name="中国农业银行" if account else "",
            bank_account=account,
            actor=worker,
        )

    layout = load_bank_layout()

    # More one-off relief awards made final: three households with a bank account and one
    # without (its award waits, and is late).
    new = [
        household(east, "周建华", "19580716", "东关村四组2号", "6228480012345600011", 11),
        household(east, "吴玉珍", "19620923", "东关村四组8号", "6228480012345600012", 12),
        household(east, "郑国庆", "19491001", "东关村三组5号", "6228480012345600013", 13),
        household(east, "冯桂英", "19550301", "东关村六组1号", "", 14),
    ]
    approved = []
    for h in new:
        case = cases.case_file(program=relief, household=h, cycle=cycle, actor=worker)
        case = cases.case_submit(case=case, actor=worker)
        for reviewer in ("reviewer_village", "reviewer_town", "reviewer"):
            case = cases.case_approve(case=case, actor=users[reviewer])
        approved.append(case)
    notice = cases.notice_publish(
        program=relief, region=town, cycle=cycle, cases=approved, actor=users["reviewer"]
    )
    as_if_published(notice, relief.notice_days + 1)
    cases.notices_close()
    paid_late, fails_late, no_account = approved[0], approved[1], approved[3]
    for case, days in ((paid_late, 40), (fails_late, 35), (no_account, 45)):
        Case.objects.filter(pk=case.pk).update(final_at=now - timedelta(days=days))

    # The relief batch: built by the officer, approved by the supervisor, sent to the bank;
    # the bank pays three (one with a fee, borne by the fund) and refuses a frozen account.
    batch = payouts.batch_build(program=relief, cycle=cycle, actor=officer)
    payouts.batch_approve(batch=batch, actor=supervisor)
    payouts.batch_export(batch=batch, layout=layout, fmt="csv", actor=officer)
    frozen = Payment.objects.get(batch=batch, case=fails_late).reference
    first = Payment.objects.filter(batch=batch).order_by("id").first().reference
    payouts.results_import(
        batch=batch,
        layout=layout,
        content=bank_answers(
            layout,
            batch,
            failed={frozen},
            reasons={frozen: "账户冻结 / account frozen"},
            charges={first: "2.00"},
        ),
        filename=f"ABC-result-PB{batch.pk}.csv",
        actor=officer,
    )

    # Annual reward: five parents applied last year (cases reviewed and posted); each final
    # case enrolled its parent and last year's awards were paid. This year every enrolled
    # parent is confirmed again (ages counted on 31 December), the list reviewed and posted,
    # and the cycle approved by the supervisor (not the officer who prepared the list), which
    # books the entitlements. Then one parent is suspended (her entitlement waits) and one
    # exited on his death (his entitlement is still paid).
    reward = Program.objects.create(
        code="REWARD-2026",
        name_zh="农村部分计划生育家庭奖励扶助",
        name_en="Annual reward for rural family-planning households",
        category="annual_reward",
        fund=Fund.objects.get(code="REWARD"),
        amount_rule="per_person",
        amount=cny("960.00"),
        min_age=60,
        eligibility_on="12-31",
        notice_authority="示范县卫生健康委员会",
        objection_phone="0371-12345678",
        objection_address="示范县卫健委 201 室",
    )
    # The program's real tiers: the village committee reviews and posts in the village, the
    # township reviews and posts in the township, the county confirms and publishes county-wide.
    for order, (zh, en, level) in enumerate(
        [("村委会初审", "Village committee", "village"), ("乡镇审核", "Township", "township")]
        + [("县级确认", "County", "county")],
        start=1,
    ):
        ProgramTier.objects.create(
            program=reward,
            order=order,
            name_zh=zh,
            name_en=en,
            region_level=level,
            review_days=10,
            notice_level=level,
        )
    # 东关村's parents (its village reviewer reviews them). Three are paid into their own
    # accounts (the agent bank's social security card, set by the case worker, audited); the
    # other two into their household's account.
    parents = [
        household(east, name, birth, f"东关村{n}组{n + 3}号", f"62170000123456000{n:02d}", 20 + n)
        for n, (name, birth) in enumerate(
            [
                ("钱文明", "19600512"),
                ("何淑芬", "19610830"),
                ("马永强", "19590214"),
                ("林秀兰", "19630407"),
                ("高德胜", "19570119"),
            ],
            start=1,
        )
    ]
    for n, h in enumerate(parents[:3], start=1):
        cases.bank_account_change(
            household=h,
            person=h.people.get(is_head=True),
            bank_name="中国农业银行（社保卡）",
            account=f"62284800765432100{n:02d}",
            reason="本人社保卡账户，奖扶资金直达个人 / paid to the person's own social security card",
            actor=worker,
        )
    last_year = str(int(cycle) - 1)
    # Last year's applications walk the three tiers, each tier's approvals posted at its level
    # for the notice period (moved back in time, as the notices above) before the next reviews,
    # all of it before this year's confirmation (below) starts.
    steps = [
        ("reviewer_village", east),
        ("reviewer_town", town),
        ("reviewer", town.parent),
    ]
    pending = []
    for h in parents:
        case = cases.case_file(program=reward, household=h, cycle=last_year, actor=worker)
        pending.append(cases.case_submit(case=case, actor=worker))
    for tier, (reviewer, region) in enumerate(steps):
        pending = [cases.case_approve(case=c, actor=users[reviewer]) for c in pending]
        posted = cases.notice_publish(
            program=reward, region=region, cycle=last_year, cases=pending, actor=users[reviewer]
        )
        posted = as_if_published(posted, (2 * len(steps) - tier) * (reward.notice_days + 1))
        cases.notices_close()  # to the next tier; final after the county's (enrols the parents)
        pending = list(Case.objects.filter(pk__in=[c.pk for c in pending]).order_by("pk"))
    # Final (and enrolled) the day after the county's notice ended, as the late awards above
    # are set back: the awards' ledger entries stay in this month (the previous period is
    # closed), the enrolments' history rows keep the load's day (they are never changed).
    final_day = posted.ends_on + timedelta(days=1)
    for case in pending:
        as_if_stamped_on(Case, case.pk, "final_at", final_day, 17)
    Enrolment.objects.filter(source_case__in=pending).update(enrolled_on=final_day)
    enrolments = list(Enrolment.objects.filter(program=reward).order_by("id"))
    paid_last_year = payouts.batch_build(program=reward, cycle=last_year, actor=officer)
    payouts.batch_approve(batch=paid_last_year, actor=supervisor)
    payouts.batch_export(batch=paid_last_year, layout=layout, fmt="csv", actor=officer)
    payouts.results_import(
        batch=paid_last_year,
        layout=layout,
        content=bank_answers(layout, paid_last_year),
        filename=f"ABC-result-PB{paid_last_year.pk}.csv",
        actor=officer,
    )

    # This year's annual confirmation walks the same tiers: the village signs off and posts
    # its list (someone objects online; the township dismisses it with a reply), the township
    # signs off after that notice and posts its list, the county signs off after it and
    # publishes county-wide, and the supervisor approves the cycle after the county notice.
    # The notices run back to back, ending before today; every step is taken on its day (the
    # services' ``today``) and stamped with that day (``as_if_stamped_on``), in date order.
    today = timezone.localdate()
    day = today - timedelta(days=len(steps) * (reward.notice_days + 1))
    year = payouts.cycle_open(program=reward, code=cycle, actor=officer)
    as_if_stamped_on(Cycle, year.pk, "created_at", day, 8)
    confirmation = payouts.confirmation_prepare(cycle=year, actor=officer)
    as_if_stamped_on(Confirmation, confirmation.pk, "prepared_at", day, 9)
    for n, (reviewer, region) in enumerate(steps):
        confirmation = payouts.confirmation_signoff(
            confirmation=confirmation, actor=users[reviewer], today=day
        )
        signoff = ConfirmationSignoff.objects.get(confirmation=confirmation, tier_order=n + 1)
        as_if_stamped_on(ConfirmationSignoff, signoff.pk, "at", day, 10)
        if n == len(steps) - 1:
            payouts.confirmation_publish(
                confirmation=confirmation, actor=users[reviewer], today=day
            )
            break
        notice = payouts.confirmation_tier_notice_publish(
            confirmation=confirmation, region=region, actor=users[reviewer], today=day
        )
        as_if_stamped_on(ConfirmationNotice, notice.pk, "published_at", day, 11)
        if n == 0:
            objection = payouts.confirmation_objection_file(
                row=confirmation.rows.order_by("id")[2],
                contact="13900001111",
                text="听说此人已随子女外迁，请核实 / heard he moved away with his children",
                today=day + timedelta(days=1),
            )
            as_if_stamped_on(
                ConfirmationObjection, objection.pk, "created_at", day + timedelta(days=1), 15
            )
            payouts.confirmation_objection_dismiss(
                objection=objection,
                actor=users["reviewer_town"],
                reply="经入户核查，本人仍在本村居住 / checked at home: he still lives here",
                today=day + timedelta(days=2),
            )
            as_if_stamped_on(
                ConfirmationObjection, objection.pk, "handled_at", day + timedelta(days=2), 16
            )
        day = notice.ends_on + timedelta(days=1)
    payouts.confirmation_approve(confirmation=confirmation, actor=supervisor)
    payouts.enrolment_suspend(
        enrolment=enrolments[3],
        reason="户籍迁出待核实 / moved away, being checked",
        actor=worker,
    )
    payouts.enrolment_exit(enrolment=enrolments[4], reason="本人去世 / died", actor=worker)

    # The reward batch: the bank's system was busy for one payment (temporary).
    rewards = payouts.batch_build(program=reward, cycle=cycle, actor=officer)
    payouts.batch_approve(batch=rewards, actor=supervisor)
    payouts.batch_export(batch=rewards, layout=layout, fmt="xlsx", actor=officer)
    busy = Payment.objects.filter(batch=rewards).order_by("id").first().reference
    payouts.results_import(
        batch=rewards,
        layout=layout,
        content=bank_answers(
            layout, rewards, failed={busy}, reasons={busy: "系统繁忙 / bank system busy"}
        ),
        filename=f"ABC-result-PB{rewards.pk}.csv",
        actor=officer,
    )

    # The reissue: the same account again (the failure was temporary), approved, waiting
    # for the officer to export it.
    reissue = payouts.batch_build(program=reward, cycle=cycle, retry_unchanged=True, actor=officer)
    payouts.batch_approve(batch=reissue, actor=supervisor)

    load_recovery_and_sample_check(
        users, relief_batch=batch, reward_batch=rewards, parent=parents[1]
    )
    return {
        "batches": PayoutBatch.objects.count(),
        "payments": Payment.objects.count(),
    }
