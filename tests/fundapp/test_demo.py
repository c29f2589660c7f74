"""load_demo: a whole demo county on an empty database, and nothing new the second time."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from fundapp import roles
from fundapp.demo import DEMO_USERS, KEY_PREFIX
from ledger import chart, selectors
from ledger.models import (
    Account,
    AuditEvent,
    Balance,
    EntryStatus,
    Fund,
    JournalEntry,
    JournalLine,
    Period,
    PeriodStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Six users per load: the production hasher would spend seconds on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def _snapshot() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
        "periods": Period.objects.count(),
        "audit": AuditEvent.objects.count(),
        "accounts": Account.objects.count(),
        "funds": Fund.objects.count(),
    }


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_load_demo_builds_a_demo_county_with_every_ledger_feature(debug):
    # given an empty database (only what migrations load: the default books and the role groups)
    assert not JournalEntry.objects.exists()

    # when the demo is loaded
    output = _load()

    # then there is one user per role, able to log in with the printed password
    User = get_user_model()
    for demo in DEMO_USERS:
        user = User.objects.get(username=demo.username)
        assert list(user.groups.values_list("name", flat=True)) == [demo.role]
        assert user.check_password(demo.password)
        assert f"{demo.username:<12} {demo.password:<18} {demo.role}" in output
    assert {d.role for d in DEMO_USERS} == set(roles.ROLE_PERMISSIONS)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    # nobody in the demo is a superuser (a superuser would pass every has_perm: issue 13)
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.get(username="officer").is_staff

    # and every yuan went through a flow: no entry was made by hand, each is posted and
    # chained, by the officer, the supervisor (a void) or the system (awards, payouts)
    entries = JournalEntry.objects.all()
    assert not entries.filter(source="manual").exists()
    assert set(entries.values_list("source", flat=True)) == {
        "donation",
        "allocation",
        "deposit",
        "approvals",
        "disbursement",
        "recovery",
        "channel_settlement",
    }
    assert set(entries.values_list("status", flat=True)) == {EntryStatus.POSTED}

    # and a reward paid twice is being recovered: proposed by the officer, decided by the
    # supervisor, ¥300 paid back so far; the relief batch's sample check is recorded
    from disbursement.models import Recovery, SampleCheck

    recovery = Recovery.objects.get()
    assert recovery.status == "open" and recovery.created_by.username == "officer"
    assert recovery.decided_by.username == "supervisor"
    assert [r.amount.amount for r in recovery.refunds.all()] == [Decimal("300.00")]
    check = SampleCheck.objects.get()
    assert check.drawn_by.username == "supervisor" != check.batch.built_by.username
    assert check.lines.exclude(outcome="").count() == min(check.size, 2)
    assert set(entries.exclude(posted_by=None).values_list("posted_by__username", flat=True)) == {
        "officer",
        "supervisor",
    }

    # and they show donations in cash and by bank into RELIEF and REWARD, each with a receipt
    def lines(account, fund, side):
        return JournalLine.objects.filter(account__code=account, fund__code=fund, side=side)

    for fund in ("RELIEF", "REWARD"):
        assert lines(chart.CASH, fund, "D").filter(entry__source="donation").exists()
        assert lines(chart.BANK, fund, "D").filter(entry__source="donation").exists()
        assert lines(chart.DONATION_INCOME, fund, "C").exists()
    # the seed's scene: county staff giving cash on the spot, each a donor with a receipt, and
    # the cash deposited at the bank
    from fundapp.demo.books import COUNTY_STAFF
    from ledger.collection.models import CashDeposit, Donation

    staff = Donation.objects.filter(project="县直机关干部现场捐款")
    assert staff.count() == len(COUNTY_STAFF) and set(staff.values_list("method", flat=True)) == {
        "cash"
    }
    assert {d.donor.kind for d in staff} == {"person"}
    staff_total = sum(d.amount.amount for d in staff)
    assert CashDeposit.objects.filter(amount=staff_total, fund__code="RELIEF").exists()
    # awards accrued and paid, by the cases and payouts
    assert lines(chart.CASH, "RELIEF", "C").exists()
    assert lines(chart.AWARDS_PAYABLE, "RELIEF", "C").filter(entry__source="approvals").exists()
    assert lines(chart.AWARDS_PAYABLE, "RELIEF", "D").filter(entry__source="disbursement").exists()
    # a donation keyed wrong, voided with its receipt (asked by one, approved by another) and
    # recorded again
    typo = Donation.objects.get(idempotency_key=KEY_PREFIX + "firm-typo")
    assert typo.is_void and typo.entry.reversed_by.posted_by.username == "supervisor"
    assert Donation.objects.filter(idempotency_key=KEY_PREFIX + "firm", donor=typo.donor).exists()

    # and last month's period is closed (the staff's cash, its deposit, the hospital's gift),
    # this month's is open
    closed = Period.objects.get(status=PeriodStatus.CLOSED)
    assert closed.entries.count() == len(COUNTY_STAFF) + 2
    assert closed.closed_by.username == "supervisor"
    assert Period.objects.filter(status=PeriodStatus.OPEN).count() == 1
    assert closed.end < Period.objects.get(status=PeriodStatus.OPEN).start

    # and the books balance: the trial balance and every fund on its own
    assert selectors.trial_balance().balanced
    for fund in Fund.objects.all():
        assert selectors.trial_balance(fund=fund).balanced
    # what is owed: two relief awards (a failed payment to a frozen account, and an award whose
    # household has no bank account) and two reward entitlements (a suspended beneficiary's,
    # and the reissue waiting for export)
    payable = Account.objects.get(code=chart.AWARDS_PAYABLE)
    owed = selectors.account_balance(account=payable)
    assert {cur: m.amount for cur, m in owed.items()} == {"CNY": Decimal("-5920.00")}
    relief_bank = Balance.objects.get(account__code=chart.BANK, fund__code="RELIEF", currency="CNY")
    # 12,600 staff cash deposited + 30,000 + 800 + 5,000 + 4,000 bank donations + 300 deposited
    # + 8,000 allocation - 6,000 paid to three households (the void nets to nothing)
    assert str(relief_bank.balance) == "54700.00"
    # the bank's fee on a relief payment is paid by the unrestricted fund, not the relief money
    assert not lines(chart.BANK_CHARGES, "RELIEF", "D").exists()
    assert lines(chart.BANK_CHARGES, "GENERAL", "D").filter(entry__source="disbursement").exists()
    # (+ 654.00 of WeChat Pay and Alipay gifts to GENERAL: 584.47 at the bank after the
    # channel's fee of 3.53, 66.00 waiting in Alipay's clearing account)
    assert "debits 141074.00 = credits 141074.00" in output
    from ledger.collection.channel_selectors import channel_positions

    channels = {p.channel: p for p in channel_positions()}
    assert channels["wechat"].settled_count == 2 and channels["wechat"].fees == {
        "CNY": Decimal("3.53")
    }
    assert channels["alipay"].unsettled == {"CNY": Decimal("66.00")}
    assert all(p.reconciled for p in channels.values())

    # and money in shows every feature: receipts of both types, a voided one with its entry
    # reversed, a partly paid overdue pledge, cash waiting more than three days
    from ledger.collection.models import Receipt, ReceiptStatus
    from ledger.collection.selectors import cash_held, pledge_rows

    assert Receipt.objects.filter(type="donation").count() == 20
    assert Receipt.objects.filter(type="settlement").count() == 2
    voided = Receipt.objects.filter(status=ReceiptStatus.VOID)
    assert voided.count() == 2
    for void in voided:
        assert JournalEntry.objects.filter(reverses=void.entry).exists()
    today = timezone.localdate()
    statuses = {row.status for row in pledge_rows(today=today)}
    assert "open" in statuses and ("overdue" in statuses or "partly_paid" in statuses)
    if today.day > 4:  # the demo dates this month's money no earlier than the 1st
        assert any(c.overdue for c in cash_held(today=today))

    # and relief cases in every stage: draft, at the village, returned, on notice with money
    # reserved and an open objection, and final with its award booked
    from approvals.models import Case, Objection
    from ledger.selectors import fund_position

    states = set(Case.objects.values_list("state", flat=True))
    assert {"draft", "in_review", "returned", "on_notice", "final"} <= states
    finals = Case.objects.filter(state="final")
    assert not finals.filter(award_entry__isnull=True).exists()
    assert finals.filter(program__category="one_off_relief").count() == 5
    # and last year's reward applications, final: each enrolled its parent
    assert finals.filter(program__code="REWARD-2026").count() == 5
    [relief] = fund_position(fund=Fund.objects.get(code="RELIEF"))
    assert relief.reserved == Decimal("2000.00") and relief.awards_payable == Decimal("4000.00")
    assert Objection.objects.filter(status="open").count() == 1

    _assert_payouts(output)


def _assert_confirmation_timeline(confirmation, tier_notices, objection) -> None:
    from disbursement.models import Enrolment

    """The demo confirmation's history reads in date order: prepared, then each tier signs off
    and posts its list, the next tier signs off only after that notice has run, the county
    publishes after its own sign-off, and the cycle is approved after the county notice; the
    objection is filed while its notice runs and answered after. Nothing lies in the future."""
    local = timezone.localdate
    signoffs = list(confirmation.signoffs.order_by("tier_order"))
    assert len(signoffs) == 3
    assert confirmation.cycle.created_at <= confirmation.prepared_at <= signoffs[0].at
    assert all(a.at < b.at for a, b in zip(signoffs, signoffs[1:], strict=False))
    for signoff, notice in zip(signoffs, tier_notices, strict=False):
        # each tier's notice is posted on its sign-off's day, after it
        assert notice.published_on == local(signoff.at) and notice.published_at > signoff.at
        assert notice.starts_on >= notice.published_on
    for notice, later in zip(tier_notices, signoffs[1:], strict=True):
        # the next tier signs off only after the notice has run its full period
        assert local(later.at) > notice.ends_on
    assert confirmation.notice_published_on == local(signoffs[-1].at)
    assert confirmation.notice_starts_on >= confirmation.notice_published_on
    assert local(confirmation.approved_at) > confirmation.notice_ends_on
    first = tier_notices[0]
    assert first.starts_on <= local(objection.created_at) <= first.ends_on
    assert objection.created_at < objection.handled_at < signoffs[1].at
    # last year's cases became final, enrolling the parents, before this year's list
    for enrolment in Enrolment.objects.filter(program=confirmation.program):
        case = enrolment.source_case
        assert local(case.final_at) == enrolment.enrolled_on < local(confirmation.prepared_at)
        last = case.notice_items.order_by("-notice__ends_on").first().notice
        assert last.region.level == "county" and last.ends_on < enrolment.enrolled_on
    assert confirmation.approved_at <= timezone.now()


def _assert_payouts(output: str) -> None:
    """The demo's payouts: a recurring program with enrolments and a generated cycle, batches
    built by the officer and approved by the supervisor, exported, result files with failures
    imported, a reissue batch, late awards; and the books verify."""
    from disbursement import selectors as payouts
    from disbursement.models import (
        BankResultImport,
        Cycle,
        Enrolment,
        ExportLog,
        Payment,
        PayoutBatch,
    )
    from ledger.verification import verify_ledger

    # a recurring program: five enrolled by final cases (one suspended, one exited since), its
    # cycle confirmed (all five continued: last year's cases enrolled them), reviewed, posted,
    # approved by the supervisor, booked
    statuses = sorted(Enrolment.objects.values_list("status", flat=True))
    assert statuses == ["active", "active", "active", "exited", "suspended"]
    assert not Enrolment.objects.filter(source_case__isnull=True).exists()
    cycle = Cycle.objects.get(program__code="REWARD-2026", code=str(timezone.localdate().year))
    assert cycle.generated_at and cycle.entitlements.count() == 5
    confirmation = cycle.confirmation
    assert confirmation.status == "approved"
    assert (confirmation.prepared_by.username, confirmation.approved_by.username) == (
        "officer",
        "supervisor",
    )
    assert sorted(confirmation.rows.values_list("outcome", flat=True)) == ["continued"] * 5
    # the reward program's real tiers, each asking for a notice at its level; last year's
    # cases and this year's confirmation walked them (a notice after each tier)
    from approvals.models import Notice, ProgramTier
    from disbursement.models import ConfirmationObjection

    tiers = ProgramTier.objects.filter(program__code="REWARD-2026").order_by("order")
    assert [(t.region_level, t.notice_level) for t in tiers] == [
        ("village", "village"),
        ("township", "township"),
        ("county", "county"),
    ]
    posted = Notice.objects.filter(program__code="REWARD-2026").order_by("starts_on")
    assert [n.region.level for n in posted] == ["village", "township", "county"]
    assert [n.after_tier for n in posted] == [1, 2, 3]
    signed = list(confirmation.signoffs.order_by("tier_order").values_list("user__username"))
    assert signed == [("reviewer_village",), ("reviewer_town",), ("reviewer",)]
    tier_notices = list(confirmation.tier_notices.order_by("after_tier"))
    assert [(n.after_tier, n.region.level) for n in tier_notices] == [
        (1, "village"),
        (2, "township"),
    ]
    assert tier_notices[1].starts_on > tier_notices[0].ends_on
    assert confirmation.notice_starts_on > tier_notices[1].ends_on
    (objection,) = ConfirmationObjection.objects.all()
    assert objection.status == "dismissed" and objection.tier_notice == tier_notices[0]
    _assert_confirmation_timeline(confirmation, tier_notices, objection)
    # three parents are paid into their own accounts, two into their household's
    last_year = Payment.objects.filter(case__program__code="REWARD-2026")
    assert sorted(last_year.values_list("account_owner", flat=True)) == [
        "household",
        "household",
        "person",
        "person",
        "person",
    ]

    # four batches, each built by the officer and approved by the supervisor: the relief batch,
    # last year's reward awards (the final cases that enrolled the parents) and this year's
    # reward batch exported and answered by the bank (closed), the reissue waiting to go out
    batches = list(PayoutBatch.objects.order_by("id"))
    assert [b.status for b in batches] == ["closed", "closed", "closed", "approved"]
    assert {p.case.program.code for p in Payment.objects.filter(batch=batches[1])} == {
        "REWARD-2026"
    }
    del batches[1]
    assert {(b.built_by.username, b.approved_by.username) for b in batches} == {
        ("officer", "supervisor")
    }
    assert ExportLog.objects.count() == 3 and not ExportLog.objects.filter(batch=batches[2])
    imports = BankResultImport.objects.order_by("id")
    assert [(i.paid_count, i.failed_count) for i in imports] == [(3, 1), (5, 0), (3, 1)]
    for batch in batches:
        rec = payouts.batch_reconciliation(batch)
        assert rec.agrees, (batch, rec.differences)

    # the relief batch left out the household without a bank account; the reward batch the
    # suspended beneficiary; the reissue pays the temporary failure again
    late = payouts.late_awards()
    left_out, _count = batches[0].skipped
    assert left_out["kind"] == "case" and left_out["label"] == late[0].label
    assert [row["kind"] for row in batches[1].skipped[:-1]] == ["entitlement"]
    reissue = Payment.objects.get(batch=batches[2])
    assert reissue.reissue_of.batch_id == batches[1].pk
    assert reissue.reissue_of.status == "reissued"
    assert Payment.objects.get(batch=batches[0], status="failed").failure_reason.startswith(
        "账户冻结"
    )

    # late awards for the report: one never batched, one failed; one paid late
    assert [row.last_status for row in late] == ["", "failed"]
    assert payouts.late_awards_count() == 2
    assert payouts.payment_timeliness().paid_late == 1

    assert "4 payout batches with 14 payments" in output
    report = verify_ledger()
    assert report.ok, report.problems


def test_the_demos_thank_you_list_equals_its_donation_income_and_the_books_verify(debug):
    # given the demo loaded
    _load()
    from ledger.collection.selectors import donation_income, thank_you_list
    from ledger.verification import verify_ledger

    # then for every period and fund (and all funds together), the public thank-you list adds up
    # to the donation income in the books
    periods = list(Period.objects.filter(entries__isnull=False).distinct())
    assert len(periods) == 2
    for period in periods:
        for fund in [None, *Fund.objects.all()]:
            public = thank_you_list(period=period, fund=fund).totals
            booked = donation_income(start=period.start, end=period.end, fund=fund)
            assert public == booked, (period.code, fund)
    # and the list is not empty: the staff's cash on the spot and the other gifts are on it
    total = sum(
        (thank_you_list(period=p).totals.get("CNY").amount for p in periods), Decimal("0.00")
    )
    assert total == Decimal("77154.00")  # 76,500 + 654 by WeChat Pay and Alipay

    # and verify_ledger, with its sub-ledger checks, finds nothing; the command says so too
    report = verify_ledger()
    assert report.ok, report.problems
    out = StringIO()
    call_command("verify_ledger", "--json", stdout=out)  # raises on any problem
    assert json.loads(out.getvalue())["problems"] == []


def test_load_demo_twice_creates_nothing_new(debug):
    # given the demo is loaded
    _load()
    before = _snapshot()

    # when it is loaded again
    output = _load()

    # then nothing was added, and it says so and prints the logins again
    assert _snapshot() == before
    assert "already loaded" in output
    assert "officer-demo" in output


def test_load_demo_refuses_with_debug_off_unless_forced(settings):
    # given DEBUG is off (as in production)
    settings.DEBUG = False

    # when the demo is loaded without --force, then it refuses and writes nothing
    with pytest.raises(CommandError, match="DEBUG"):
        _load()
    assert not get_user_model().objects.exists()
    assert not JournalEntry.objects.exists()

    # when forced, it loads
    _load(force=True)
    assert (
        JournalEntry.objects.filter(idempotency_key__contains=KEY_PREFIX).count() == 24
    )  # 21 + three channel gifts


def test_load_demo_keeps_the_password_of_a_user_that_existed(debug, django_user_model):
    # given someone already made a user named like a demo user
    django_user_model.objects.create_user(username="auditor", password="their-own-pw-123")

    # when the demo is loaded
    output = _load()

    # then their password is kept and the listing says so instead of printing the demo one
    user = django_user_model.objects.get(username="auditor")
    assert user.check_password("their-own-pw-123")
    assert "auditor      (unchanged)" in output
    assert user.groups.filter(name=roles.AUDITOR).exists()


def test_setup_books_is_idempotent():
    # given the books the migration loaded
    before = (Account.objects.count(), Fund.objects.count())

    # when setup_books runs twice
    out = StringIO()
    call_command("setup_books", stdout=out)
    call_command("setup_books", stdout=out)

    # then nothing was added or changed, and every default account and fund is there
    assert (Account.objects.count(), Fund.objects.count()) == before
    assert "0 account(s) and 0 fund(s) created" in out.getvalue()
    codes = set(Account.objects.values_list("code", flat=True))
    assert {code for code, *_rest in chart.ACCOUNTS} <= codes


def test_setup_books_restores_a_missing_default_without_touching_edits():
    # given the administrator renamed one fund and a default account is missing
    Fund.objects.filter(code="GENERAL").update(name_en="General fund (renamed)")
    Account.objects.filter(code=chart.BANK_CHARGES).delete()

    # when setup_books runs
    out = StringIO()
    call_command("setup_books", stdout=out)

    # then the missing account is back and the edit is kept
    assert Account.objects.filter(code=chart.BANK_CHARGES).exists()
    assert Fund.objects.get(code="GENERAL").name_en == "General fund (renamed)"
    assert "1 account(s) and 0 fund(s) created" in out.getvalue()
