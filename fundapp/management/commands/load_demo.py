"""``python manage.py load_demo``: a demo county that shows every feature, on an empty database.

What it loads (one transaction: all of it or nothing):

* the default books (``setup_books``: chart of accounts, the RELIEF, REWARD and GENERAL funds);
* one user per role (``fundapp.roles``), with the passwords printed at the end;
* money in through the collection services: receipt books, unit and person donors, donations
  with their receipts, an allocation with a settlement receipt, a cash deposit, cash left
  waiting, an overdue partly paid pledge and a receipt voided by the supervisor;
* postings through the public ledger services, dated relative to today: donations in cash and by
  bank into RELIEF and REWARD, a budget allocation, a cash deposit, awards accrued and paid, a
  bank charge, a mistaken entry and its reversal, and last month's period closed;
* relief cases in every stage (``_load_cases``);
* payouts through the disbursement services (``_load_payouts``): a bank layout, more final relief
  awards, an annual reward program with enrolled beneficiaries (one suspended, one exited) and
  its generated cycle; a relief batch and a reward batch each built by the officer, approved by
  the supervisor, exported and answered by a bank result file with a failure; a reissue batch
  for the failure the bank called temporary, approved and waiting to be exported; and late
  awards for the late-payments report (one never batched: its household has no bank account).

Run twice it changes nothing: it sees its own entries (idempotency keys ``demo:...``) and only
prints the logins again. The passwords are public, so it refuses to run with DEBUG off unless
``--force`` is given.

Each later issue adds a ``_load_<topic>`` step here, so the demo always shows every feature.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from djmoney.money import Money

from fundapp import roles
from ledger import chart, selectors, services
from ledger.models import JournalEntry, Period
from ledger.services import LineSpec

KEY_PREFIX = "demo:"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str


# Public on purpose (printed, and in the README): DEBUG only.
DEMO_USERS = [
    DemoUser("officer", "officer-demo", roles.FINANCE_OFFICER, "会计", "王"),
    DemoUser("supervisor", "supervisor-demo", roles.FINANCE_SUPERVISOR, "主管", "李"),
    DemoUser("caseworker", "caseworker-demo", roles.CASE_WORKER, "经办", "张"),
    DemoUser("reviewer", "reviewer-demo", roles.REVIEWER, "审核", "赵"),
    DemoUser("reviewer_town", "reviewer-demo", roles.REVIEWER, "镇审核", "孙"),
    DemoUser("reviewer_village", "reviewer-demo", roles.REVIEWER, "村审核", "周"),
    DemoUser("auditor", "auditor-demo", roles.AUDITOR, "审计", "陈"),
    DemoUser("admin", "admin-demo", roles.ADMINISTRATOR, "管理", "刘"),
]


def _cny(amount: str) -> Money:
    return Money(Decimal(amount), settings.DEFAULT_CURRENCY)


class Command(BaseCommand):
    help = (
        "Load the demo county (books, one user per role, postings) into an empty database. "
        "Refuses to run with DEBUG off unless --force: the demo passwords are public."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (the demo users' passwords are public: never in production).",
        )

    def handle(self, *args, force: bool = False, **options):
        self.kept_passwords: set[str] = set()
        if not settings.DEBUG and not force:
            raise CommandError(
                "load_demo creates users with public passwords, so it runs only with DEBUG=1. "
                "Use --force to load it anyway (never on a real deployment)."
            )
        if JournalEntry.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists():
            self.stdout.write(self.style.WARNING("The demo data is already loaded: nothing to do."))
            self._print_logins()
            return

        call_command("setup_books", stdout=self.stdout)
        with transaction.atomic():
            users = self._load_users()
            counts = self._load_ledger(users)
            counts.update(self._load_collection(users))
            counts.update(self._load_cases(users))
            counts.update(self._load_payouts(users))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo loaded: {users} users, {entries} journal entries, closed period {period}, "
                "{donations} donations with receipts, {pledges} pledges, {cases} relief cases, "
                "{batches} payout batches with {payments} payments.".format(**counts)
            )
        )
        balance = selectors.trial_balance()
        for currency, (debit, credit) in balance.totals.items():
            self.stdout.write(f"Trial balance {currency}: debits {debit} = credits {credit}")
        self._print_logins()

    # ----------------------------------------------------------------------------------------
    def _load_users(self) -> dict[str, object]:
        User = get_user_model()
        users = {}
        for demo in DEMO_USERS:
            user = User.objects.filter(username=demo.username).first()
            if user is not None:
                # Someone made this user before the demo: keep their password, say so.
                self.kept_passwords.add(demo.username)
            else:
                is_admin = demo.role == roles.ADMINISTRATOR
                create = User.objects.create_superuser if is_admin else User.objects.create_user
                user = create(
                    username=demo.username,
                    password=demo.password,
                    first_name=demo.first_name,
                    last_name=demo.last_name,
                    email=f"{demo.username}@demo.invalid",
                )
            user.groups.add(Group.objects.get(name=demo.role))
            users.setdefault(demo.role, user)
            users[demo.username] = user
        return users

    def _load_ledger(self, users) -> dict[str, object]:
        today = timezone.localdate()
        this_month = today.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        officer = users[roles.FINANCE_OFFICER]
        supervisor = users[roles.FINANCE_SUPERVISOR]

        def this(days_ago: int) -> date:
            # Spread this month's entries over the days already past, never before the 1st.
            return max(this_month, today - timedelta(days=days_ago))

        def post(key: str, day: date, memo: str, fund: str, debit: str, credit: str, amount):
            return services.journal_post(
                date=day,
                lines=[
                    LineSpec(debit, fund, "D", _cny(amount)),
                    LineSpec(credit, fund, "C", _cny(amount)),
                ],
                idempotency_key=KEY_PREFIX + key,
                memo=memo,
                actor=officer,
            )

        # Last month: the first donations and a deposit, then the period is closed.
        post(
            "donation-cash-relief",
            last_month + timedelta(days=4),
            "县直机关干部现场捐款（现金） / On-the-spot cash donations, county offices",
            "RELIEF",
            chart.CASH,
            chart.DONATION_INCOME,
            "12600.00",
        )
        post(
            "deposit-cash-relief",
            last_month + timedelta(days=6),
            "现金存入银行 / Cash deposited at the bank",
            "RELIEF",
            chart.BANK,
            chart.CASH,
            "12600.00",
        )
        post(
            "donation-bank-reward",
            last_month + timedelta(days=9),
            "县人民医院转账捐赠 / Bank donation, county hospital",
            "REWARD",
            chart.BANK,
            chart.DONATION_INCOME,
            "20000.00",
        )
        closed = Period.objects.get(start__lte=last_month, end__gte=last_month)
        services.period_close(period=closed, actor=supervisor)

        # This month: more money in, awards accrued and paid, one correction.
        post(
            "donation-bank-relief",
            this(9),
            "县卫健委转账捐赠 / Bank donation, county health commission",
            "RELIEF",
            chart.BANK,
            chart.DONATION_INCOME,
            "30000.00",
        )
        post(
            "allocation-general",
            this(8),
            "县财政拨款 / County budget allocation",
            "GENERAL",
            chart.BANK,
            chart.ALLOCATION_INCOME,
            "50000.00",
        )
        post(
            "donation-cash-reward",
            this(7),
            "个人现金捐赠 / Cash donation from a resident",
            "REWARD",
            chart.CASH,
            chart.DONATION_INCOME,
            "1200.00",
        )
        mistake = post(
            "donation-bank-relief-typo",
            this(6),
            "乡镇企业转账捐赠（金额录错） / Bank donation, township firm (amount keyed wrong)",
            "RELIEF",
            chart.BANK,
            chart.DONATION_INCOME,
            "8000.00",
        )
        services.journal_reverse(
            entry=mistake,
            date=this(5),
            memo="冲销：金额应为800元 / Reversal: the amount was 800",
            idempotency_key=KEY_PREFIX + "donation-bank-relief-typo-reversal",
            actor=officer,
        )
        post(
            "donation-bank-relief-corrected",
            this(5),
            "乡镇企业转账捐赠（更正） / Bank donation, township firm (corrected)",
            "RELIEF",
            chart.BANK,
            chart.DONATION_INCOME,
            "800.00",
        )
        post(
            "award-accrued-relief",
            this(4),
            "困难家庭一次性救助（3户） / One-off relief, 3 households",
            "RELIEF",
            chart.RELIEF_EXPENSE,
            chart.AWARDS_PAYABLE,
            "6000.00",
        )
        post(
            "award-paid-relief",
            this(3),
            "救助款代发到户 / Relief paid to the households' bank accounts",
            "RELIEF",
            chart.AWARDS_PAYABLE,
            chart.BANK,
            "6000.00",
        )
        post(
            "bank-charge-relief",
            this(3),
            "代发手续费（基金承担） / Payment fee, borne by the fund",
            "RELIEF",
            chart.BANK_CHARGES,
            chart.BANK,
            "12.00",
        )
        post(
            "award-accrued-reward",
            this(2),
            "独生子女父母奖励扶助（2人） / Only-child parents' awards, 2 people",
            "REWARD",
            chart.REWARD_EXPENSE,
            chart.AWARDS_PAYABLE,
            "1920.00",
        )
        post(
            "award-paid-reward",
            this(1),
            "奖励扶助金发放 / Reward awards paid",
            "REWARD",
            chart.AWARDS_PAYABLE,
            chart.BANK,
            "1920.00",
        )
        return {
            "users": len({user.pk for user in users.values()}),
            "entries": JournalEntry.objects.filter(idempotency_key__startswith=KEY_PREFIX).count(),
            "period": closed.code,
        }

    def _load_collection(self, users) -> dict[str, object]:
        """Money in: receipt books, donors, donations with receipts, an allocation with its
        settlement receipt, a deposit, cash waiting too long, pledges (one overdue), a void."""
        from ledger.collection import services as collection

        today = timezone.localdate()
        officer = users[roles.FINANCE_OFFICER]
        supervisor = users[roles.FINANCE_SUPERVISOR]
        admin = users[roles.ADMINISTRATOR]
        this_month = today.replace(day=1)

        def this(days_ago: int) -> date:
            return max(this_month, today - timedelta(days=days_ago))

        collection.receipt_book_create(
            type="donation", series="豫财捐2026", first_number=1, last_number=500, actor=admin
        )
        collection.receipt_book_create(
            type="settlement", series="豫财结2026", first_number=1, last_number=200, actor=admin
        )
        units = [
            collection.donor_create(kind="unit", name=name, credit_code=code, actor=officer)
            for name, code in [
                ("县人民医院", "12410000MB00000010"),
                ("县第一中学", "12410000MB00000023"),
                ("豫丰农业发展有限公司", "91410000MA0000003Y"),
            ]
        ]
        people = [
            collection.donor_create(
                kind="person", name="张建国", phone="13800000001", actor=officer
            ),
            collection.donor_create(kind="person", name="李秀英", anonymous=True, actor=officer),
        ]

        def give(key, donor, amount, method, day, fund="RELIEF", pledge=None):
            return collection.donation_record(
                donor=donor,
                fund=fund,
                amount=_cny(amount),
                method=method,
                received_on=day,
                idempotency_key=KEY_PREFIX + key,
                actor=officer,
                pledge=pledge,
            )

        pledge_open = collection.pledge_create(
            donor=units[2],
            fund="RELIEF",
            amount=_cny("10000.00"),
            pledged_on=this(8),
            due_date=this(8) + timedelta(days=3),
            note="县委常委会现场认捐 / Pledged at the county meeting",
            actor=officer,
        )
        collection.pledge_create(
            donor=units[1],
            fund="REWARD",
            amount=_cny("3000.00"),
            pledged_on=today,
            due_date=today + timedelta(days=30),
            actor=officer,
        )
        give("c-hospital", units[0], "5000.00", "bank", this(7))
        give("c-school", units[1], "2400.00", "cheque", this(6), fund="REWARD")
        give("c-firm-part", units[2], "4000.00", "bank", this(5), pledge=pledge_open)
        give("c-resident", people[0], "300.00", "cash", this(5))
        give("c-anonymous", people[1], "200.00", "cash", this(4))
        wrong = give("c-resident-typo", people[0], "3000.00", "cash", this(2))
        collection.cash_deposit_record(
            fund="RELIEF",
            amount=_cny("300.00"),
            deposited_on=this(3),
            idempotency_key=KEY_PREFIX + "c-deposit",
            bank_slip="BOC-20260001",
            actor=officer,
        )
        collection.allocation_record(
            kind="departmental",
            source_name="县卫生健康委员会",
            source_credit_code="12410000MB00000049",
            fund="RELIEF",
            amount=_cny("8000.00"),
            method="bank",
            received_on=this(3),
            document_no="卫健〔2026〕12号",
            idempotency_key=KEY_PREFIX + "c-allocation",
            actor=officer,
        )
        request = collection.receipt_void_request(
            receipt=wrong.receipt, reason="金额录错，应为300元 / Amount keyed wrong", actor=officer
        )
        collection.receipt_void_approve(request=request, actor=supervisor)
        from ledger.collection.models import Donation, Pledge

        return {
            "donations": Donation.objects.count(),
            "pledges": Pledge.objects.count(),
            "entries": JournalEntry.objects.count(),
        }

    def _load_cases(self, users) -> dict[str, object]:
        """Relief cases: a county with a township and two villages (西关村 has no cases yet), staff at every level, a
        three-tier relief program, households, and cases in every stage — a draft, one waiting
        at the village, one returned for materials, one on public notice (money reserved, with
        an open objection) and one final (award booked)."""
        from stdnum.cn import ric

        from approvals import services as cases
        from approvals.models import Program, ProgramTier, Region, StaffProfile
        from approvals.services import PersonSpec
        from ledger.models import Fund

        today = timezone.localdate()
        county = Region.objects.create(code="410102000000", name="示范县", level="county")
        town = Region.objects.create(
            code="410102001000", name="城关镇", level="township", parent=county
        )
        east = Region.objects.create(
            code="410102001001", name="东关村", level="village", parent=town
        )
        Region.objects.create(  # 西关村: a village with no cases yet
            code="410102001002", name="西关村", level="village", parent=town
        )
        for username, region in [
            ("caseworker", town),
            ("reviewer_village", east),
            ("reviewer_town", town),
            ("reviewer", county),
            ("officer", county),
            ("supervisor", county),
            ("auditor", county),
            ("admin", county),
        ]:
            StaffProfile.objects.get_or_create(user=users[username], defaults={"region": region})
        program = Program.objects.create(
            code="RELIEF-2026",
            name_zh="困难家庭一次性救助",
            name_en="One-off relief for families in hardship",
            category="one_off_relief",
            fund=Fund.objects.get(code="RELIEF"),
            amount_rule="per_household",
            amount=_cny("2000.00"),
            notice_authority="示范县卫生健康委员会",
            objection_phone="0371-12345678",
            objection_address="示范县卫健委 201 室",
        )
        for order, (zh, en, level) in enumerate(
            [
                ("村委会初审", "Village committee", "village"),
                ("镇政府审核", "Township", "township"),
                ("县审批", "County", "county"),
            ],
            start=1,
        ):
            ProgramTier.objects.create(
                program=program, order=order, name_zh=zh, name_en=en, region_level=level
            )

        serial = iter(range(1, 100))

        def person(name, birth, relation, region_code="110105"):
            body = f"{region_code}{birth}{next(serial) * 2 + 1:03d}"
            return PersonSpec(
                name=name, id_number=body + ric.calc_check_digit(body + "0"), relation=relation
            )

        worker = users["caseworker"]
        households = [
            cases.household_register(
                region=village,
                address=address,
                people=[person(head, "19650304", "head"), *extra],
                phone=f"1390000000{i}",
                bank_name="中国农业银行",
                bank_account=f"62284800123456{i:05d}",
                actor=worker,
            )
            for i, (village, head, address, extra) in enumerate(
                [
                    (east, "刘大山", "东关村三组12号", [person("刘小禾", "20120518", "child")]),
                    (east, "王桂兰", "东关村五组3号", []),
                    (east, "陈志强", "东关村一组7号", [person("陈芳", "19700210", "spouse")]),
                    (east, "赵秀梅", "东关村二组21号", []),
                    (east, "孙德福", "东关村一组9号", []),
                ],
                start=1,
            )
        ]
        cycle = str(today.year)
        village_rev, town_rev, county_rev = (
            users["reviewer_village"],
            users["reviewer_town"],
            users["reviewer"],
        )

        def filed(household):
            return cases.case_file(program=program, household=household, cycle=cycle, actor=worker)

        def approved(household):
            case = cases.case_submit(case=filed(household), actor=worker)
            for reviewer in (village_rev, town_rev, county_rev):
                case = cases.case_approve(case=case, actor=reviewer, comment="材料齐全 / complete")
            return case

        filed(households[0])  # a draft
        cases.case_submit(case=filed(households[1]), actor=worker)  # waiting at the village
        returned = cases.case_submit(case=filed(households[2]), actor=worker)
        cases.case_return(
            case=returned,
            actor=village_rev,
            missing_items=[
                "低保证明 / proof of minimum-living allowance",
                "户口簿复印件 / household register copy",
            ],
        )
        # Final: its notice ran its seven days without objection, then close_notices finalised it.
        final = approved(households[3])
        cases.notice_publish(
            program=program,
            region=town,
            cycle=cycle,
            cases=[final],
            actor=county_rev,
            starts_on=today - timedelta(days=program.notice_days + 1),
        )
        cases.notices_close(today=today)
        # On notice now, with its money reserved and one objection waiting to be looked into.
        on_notice = approved(households[4])
        notice = cases.notice_publish(
            program=program, region=east, cycle=cycle, cases=[on_notice], actor=county_rev
        )
        cases.objection_file(
            notice_item=notice.items.get(case=on_notice),
            contact="13700000000",
            text="该户家中有营运车辆，请核实。 / The household runs a commercial vehicle; please check.",
        )
        from approvals.models import Case

        return {"cases": Case.objects.count()}

    def _load_payouts(self, users) -> dict[str, object]:
        """Payouts, through the disbursement services: more final relief awards, an annual
        reward program with enrolments and a generated cycle, batches built by the officer and
        approved by the supervisor, exported, a bank result file with failures imported, a
        reissue batch, and late awards.

        Services stamp "final" with the current time; for the late-payments report three awards
        are set back to having become final 35 to 45 days ago (their ledger entries stay in this
        month, the previous period being closed), the one thing here not done by a service."""
        from stdnum.cn import ric

        from approvals import services as cases
        from approvals.models import Case, Program, ProgramTier, Region
        from approvals.services import PersonSpec
        from disbursement import services as payouts
        from disbursement.models import BankLayout, Payment, PayoutBatch
        from ledger.models import Fund

        now = timezone.now()
        officer, supervisor = users["officer"], users["supervisor"]
        worker = users["caseworker"]
        east = Region.objects.get(code="410102001001")
        west = Region.objects.get(code="410102001002")
        town = east.parent
        relief = Program.objects.get(code="RELIEF-2026")
        cycle = str(timezone.localdate().year)
        serial = iter(range(50, 100))  # ID numbers apart from _load_cases' (1, 2, ...)

        def person(name, birth, relation="head"):
            body = f"110105{birth}{next(serial) * 2 + 1:03d}"
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

        layout = BankLayout.objects.create(
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

        def bank_answers(batch, *, failed=(), reasons=None, charges=None) -> bytes:
            """The agent bank's result file for a batch, in the layout's columns."""
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
        cases.notice_publish(
            program=relief,
            region=town,
            cycle=cycle,
            cases=approved,
            actor=users["reviewer"],
            starts_on=timezone.localdate() - timedelta(days=relief.notice_days + 1),
        )
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
                batch,
                failed={frozen},
                reasons={frozen: "账户冻结 / account frozen"},
                charges={first: "2.00"},
            ),
            filename=f"ABC-result-PB{batch.pk}.csv",
            actor=officer,
        )

        # Annual reward: five parents enrolled, the year's cycle generated, then one suspended
        # (her entitlement waits) and one exited on his death (his entitlement is still paid).
        reward = Program.objects.create(
            code="REWARD-2026",
            name_zh="农村部分计划生育家庭奖励扶助",
            name_en="Annual reward for rural family-planning households",
            category="annual_reward",
            fund=Fund.objects.get(code="REWARD"),
            amount_rule="per_person",
            amount=_cny("960.00"),
            notice_authority="示范县卫生健康委员会",
            objection_phone="0371-12345678",
            objection_address="示范县卫健委 201 室",
        )
        ProgramTier.objects.create(
            program=reward, order=1, name_zh="县审批", name_en="County", region_level="county"
        )
        parents = [
            household(
                west, name, birth, f"西关村{n}组{n + 3}号", f"62170000123456000{n:02d}", 20 + n
            )
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
        enrolments = [
            payouts.enrolment_create(
                program=reward, person=h.people.get(is_head=True), actor=officer
            )
            for h in parents
        ]
        year = payouts.cycle_open(program=reward, code=cycle, actor=officer)
        payouts.cycle_generate(cycle=year, actor=officer)
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
                rewards, failed={busy}, reasons={busy: "系统繁忙 / bank system busy"}
            ),
            filename=f"ABC-result-PB{rewards.pk}.csv",
            actor=officer,
        )

        # The reissue: the same account again (the failure was temporary), approved, waiting
        # for the officer to export it.
        reissue = payouts.batch_build(
            program=reward, cycle=cycle, retry_unchanged=True, actor=officer
        )
        payouts.batch_approve(batch=reissue, actor=supervisor)
        return {
            "batches": PayoutBatch.objects.count(),
            "payments": Payment.objects.count(),
        }

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write("Demo logins (DEBUG only; change or delete these users elsewhere):")
        self.stdout.write(f"  {'username':<12} {'password':<18} role")
        for demo in DEMO_USERS:
            label = roles.role_label(demo.role)
            password = demo.password
            if demo.username in self.kept_passwords:
                password = "(unchanged)"
            self.stdout.write(f"  {demo.username:<12} {password:<18} {demo.role} ({label})")
