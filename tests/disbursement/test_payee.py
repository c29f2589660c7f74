"""Issue 11, point 5: paid to the person. Bank accounts belong to people (a household's account is
the default for members without one); a per-person entitlement pays its beneficiary, a case its
household head; payments keep the payee's name, ID (masked everywhere but the bank file) and
account; a bank layout may carry the ID number column; an account with a payment pending or
sent changes only with a second person. Through services, screens, API and raw SQL."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from approvals import services as approvals
from approvals.exceptions import AccountChangePending, ChangeDecided, InvalidInput, NotAllowed
from approvals.models import AccountChangeStatus, BankAccountChange, Person
from disbursement import services
from disbursement.models import AccountOwner, BankLayout, ExportLog, Payment
from ledger.models import AuditEvent
from tests.approvals.factories import fund_money, id_number

from .conftest import LAYOUT, confirm, enrol
from .test_api import api
from .util import read_csv

OWN = "6217000099998888777"


@pytest.fixture
def family(people, world, make_households):
    """A household (head 张1明, default account ...00001) with a child, enrolled in the reward
    program; the child has an account of their own."""
    household = make_households(1, prefix="62284800")[0]
    child = approvals.person_add(
        household=household,
        person=approvals.PersonSpec(
            name="张小宝", id_number=id_number("19620305"), relation="child"
        ),
        actor=people.worker,
    )
    return household, household.people.get(is_head=True), child


@pytest.fixture
def reward_cycle(people, reward, family):
    household, head, child = family
    fund_money(10000, "REWARD")
    fund_money(100, "GENERAL")
    enrol(reward, child, on=date(2025, 1, 1))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    confirm(cycle, people)
    return cycle


def _id_layout():
    columns = [["holder", "户名"], ["id_number", "身份证号"], *LAYOUT["export_columns"][0:1]]
    columns += [c for c in LAYOUT["export_columns"] if c[0] not in ("account", "holder")]
    return BankLayout.objects.create(name="代发奖扶", **{**LAYOUT, "export_columns": columns})


def test_an_entitlement_pays_the_person_into_their_own_account(
    people, reward, family, reward_cycle
):
    household, head, child = family
    change = approvals.bank_account_change(
        household=household,
        person=child,
        bank_name="农村信用社",
        account=OWN,
        reason="本人社保卡",
        actor=people.worker,
    )
    assert change.status == AccountChangeStatus.APPLIED
    child.refresh_from_db()
    assert child.bank_account_masked == "**** 8777" and child.bank_account_plain() == OWN
    assert AuditEvent.objects.filter(
        action="bank_account.change", object_id=str(change.pk)
    ).exists()

    batch = services.batch_build(program=reward, actor=people.officer)
    payment = Payment.objects.get(batch=batch)
    assert payment.payee_id == child.pk and payment.payee_name == "张小宝"
    assert payment.account_owner == AccountOwner.PERSON
    assert payment.account_last4 == "8777" and payment.bank_name == "农村信用社"
    assert payment.payee_id_masked == child.id_number_masked
    assert payment.payee_id_masked != head.id_number_masked


def test_without_an_own_account_the_household_default_is_used(people, reward, family, reward_cycle):
    household, head, child = family
    batch = services.batch_build(program=reward, actor=people.officer)
    payment = Payment.objects.get(batch=batch)
    # the person is paid (their name, their ID), into the household's default account
    assert payment.payee_id == child.pk and payment.payee_name == "张小宝"
    assert payment.account_owner == AccountOwner.HOUSEHOLD
    assert payment.account_hash == household.bank_account_hash


def test_a_case_pays_its_household_head(people, final_cases):
    batch = services.batch_build(program=final_cases[0].program, actor=people.officer)
    for payment in Payment.objects.filter(batch=batch).select_related("household"):
        head = payment.household.people.get(is_head=True)
        assert payment.payee_id == head.pk and payment.payee_name == head.name
        assert payment.account_owner == AccountOwner.HOUSEHOLD


def test_neither_account_leaves_the_payee_out(people, reward, family, reward_cycle):
    household, head, child = family
    approvals.bank_account_change(
        household=household, bank_name="", account="", reason="销户", actor=people.worker
    )
    from disbursement.exceptions import NothingToPay

    with pytest.raises(NothingToPay, match="1 left out"):
        services.batch_build(program=reward, actor=people.officer)


def test_the_bank_file_has_the_id_column_when_the_layout_asks(people, reward, family, reward_cycle):
    household, head, child = family
    batch = services.batch_build(program=reward, actor=people.officer)
    batch = services.batch_approve(batch=batch, actor=people.supervisor)
    layout = _id_layout()
    export = services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    rows = read_csv(export.content)
    assert rows[0][:2] == ["户名", "身份证号"]
    assert rows[1][0] == "张小宝" and rows[1][1] == child.id_number_plain()
    log = ExportLog.objects.get(pk=export.log.pk)
    assert "id_number" in log.columns
    assert log.sha256 == hashlib.sha256(export.content).hexdigest()
    # a layout without the column writes no ID number
    plain = BankLayout.objects.create(name="普通", **LAYOUT)
    again = services.batch_export(batch=batch, layout=plain, fmt="csv", actor=people.officer)
    assert child.id_number_plain().encode() not in again.content
    assert "id_number" not in ExportLog.objects.get(pk=again.log.pk).columns


def _pending_change(people, reward, family):
    household, head, child = family
    services.batch_build(program=reward, actor=people.officer)  # a payment to the default, pending
    return approvals.bank_account_change(
        household=household,
        bank_name="建设银行",
        account="6227001234567890",
        reason="原账户挂失",
        actor=people.worker,
    )


def test_a_change_while_a_payment_is_pending_needs_a_second_person(
    people, reward, family, reward_cycle
):
    household, head, child = family
    before = household.bank_account_hash
    change = _pending_change(people, reward, family)
    assert change.status == AccountChangeStatus.PENDING and change.pending_payments == 1
    household.refresh_from_db()
    assert household.bank_account_hash == before  # not changed yet
    # the maker cannot approve, nor can a role without the right
    with pytest.raises(NotAllowed):
        approvals.bank_account_change_approve(change=change, actor=people.worker)
    with pytest.raises(NotAllowed):
        approvals.bank_account_change_approve(change=change, actor=people.officer)
    # a second request for the same account is refused while one waits
    with pytest.raises(AccountChangePending):
        approvals.bank_account_change(
            household=household,
            bank_name="X",
            account="12345678",
            reason="再改",
            actor=people.worker,
        )
    approvals.bank_account_change_approve(change=change, actor=people.village_rev, note="核对存折")
    household.refresh_from_db()
    assert household.bank_account_last4 == "7890" and household.bank_name == "建设银行"
    assert AuditEvent.objects.filter(action="bank_account.change_approve").count() == 1
    with pytest.raises(ChangeDecided):
        approvals.bank_account_change_reject(change=change, actor=people.village_rev, note="x")


def test_a_rejected_change_leaves_the_account(people, reward, family, reward_cycle):
    household, head, child = family
    change = _pending_change(people, reward, family)
    with pytest.raises(InvalidInput):
        approvals.bank_account_change_reject(change=change, actor=people.village_rev, note=" ")
    approvals.bank_account_change_reject(change=change, actor=people.village_rev, note="户名不符")
    household.refresh_from_db()
    assert household.bank_account_last4 != "7890"


def test_the_database_refuses_decider_equal_to_maker(people, reward, family, reward_cycle):
    change = _pending_change(people, reward, family)
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccountChange.objects.filter(pk=change.pk).update(
            status="approved", decided_by=people.worker, decided_at=change.requested_at
        )
    table = BankAccountChange._meta.db_table
    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE {table} SET status = 'approved', decided_by_id = requested_by_id, "  # noqa: S608
            "decided_at = requested_at WHERE id = %s",
            [change.pk],
        )
    change.refresh_from_db()
    assert change.status == "pending" and change.decided_by_id is None


def test_a_payment_keeps_its_payee_raw_sql(people, reward, family, reward_cycle):
    household, head, child = family
    batch = services.batch_build(program=reward, actor=people.officer)
    payment = Payment.objects.get(batch=batch)
    for column, value in (
        ("payee_id", head.pk),
        ("account_owner", "person"),
    ):
        with (
            pytest.raises((IntegrityError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"UPDATE disbursement_payment SET {column} = %s WHERE id = %s",  # noqa: S608
                [value, payment.pk],
            )
    payment.refresh_from_db()
    assert payment.payee_id == child.pk and payment.account_owner == "household"
    # The encrypted ID may be rewritten (a key rotation re-encrypts it: disbursement 0015), but
    # another person's number in it is refused before a bank file carries it.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE disbursement_payment SET payee_id_enc = %s WHERE id = %s",
            [head.id_number_enc, payment.pk],
        )
    from disbursement.exceptions import StoredNumberAltered
    from disbursement.models import BankLayout

    from .conftest import LAYOUT

    with_id = BankLayout.objects.create(
        name="带身份证号",
        **{**LAYOUT, "export_columns": [*LAYOUT["export_columns"], ["id_number", "身份证号"]]},
    )
    services.batch_approve(batch=batch, actor=people.supervisor)
    with pytest.raises(StoredNumberAltered):
        services.batch_export(batch=batch, layout=with_id, fmt="csv", actor=people.officer)


def test_api_sets_and_decides_a_change(people, reward, family, reward_cycle):
    household, head, child = family
    url = reverse("approvals-api:household-bank-account", kwargs={"pk": household.pk})
    answer = api(people.worker).post(
        url,
        {"person": child.pk, "bank_name": "农村信用社", "account": OWN, "reason": "本人社保卡"},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert (
        answer.json()["status"] == "applied" and answer.json()["bank_account_masked"] == "**** 8777"
    )
    assert OWN not in answer.content.decode()
    # refused: bad number, and the officer may not change accounts
    bad = api(people.worker).post(
        url, {"bank_name": "X", "account": "12ab", "reason": "r"}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert (
        api(people.officer).post(url, {"account": "", "reason": "r"}, format="json").status_code
        == 403
    )
    # a pending payment to the household default makes the next change a request
    services.batch_build(program=reward, actor=people.officer)
    Person.objects.filter(pk=child.pk).update(
        bank_account_enc="", bank_account_hash="", bank_account_last4="", bank_name=""
    )
    # (the child's payment went to their own account; change the household default instead)
    pending = api(people.worker).post(
        url,
        {"bank_name": "建设银行", "account": "6227001234567890", "reason": "挂失"},
        format="json",
    )
    assert pending.status_code == 200 and pending.json()["status"] == "applied"
    child_change = api(people.worker).post(
        url,
        {
            "person": child.pk,
            "bank_name": "工商银行",
            "account": "6212260000111122",
            "reason": "换卡",
        },
        format="json",
    )
    assert child_change.status_code == 200


def test_api_pending_change_four_eyes(people, reward, family, reward_cycle):
    change = _pending_change(people, reward, family)
    detail = reverse("approvals-api:bank-account-change-approve", kwargs={"pk": change.pk})
    own = api(people.worker).post(detail, {}, format="json")
    assert own.status_code == 403
    done = api(people.village_rev).post(detail, {"note": "ok"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    listed = api(people.village_rev).get(reverse("approvals-api:bank-account-change-list"))
    assert listed.status_code == 200 and listed.json()["count"] >= 1
    again = api(people.village_rev).post(detail, {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "request_decided"


def test_screens_set_an_account_and_decide(client, people, reward, family, reward_cycle):
    household, head, child = family
    change = _pending_change(people, reward, family)
    assert change.status == "pending"
    client.force_login(people.worker)
    url = reverse("approvals:household-bank-account", kwargs={"pk": household.pk})
    page = client.get(url)
    assert page.status_code == 200
    answer = client.post(
        url, {"person": child.pk, "bank_name": "农村信用社", "account": OWN, "reason": "本人"}
    )
    assert answer.status_code == 302
    child.refresh_from_db()
    assert child.bank_account_last4 == "8777"
    # a refused number is shown again without echoing what was typed
    wrong = client.post(url, {"bank_name": "X", "account": "9" * 40, "reason": "r"})
    assert wrong.status_code == 200 and ("9" * 31) not in wrong.content.decode()
    client.force_login(people.village_rev)
    listing = client.get(reverse("approvals:bank-account-changes"))
    assert listing.status_code == 200 and f"BAC{change.pk}" in listing.content.decode()
    decided = client.post(
        reverse("approvals:bank-account-decide", kwargs={"pk": change.pk, "decision": "approve"})
    )
    assert decided.status_code == 302
    change.refresh_from_db()
    assert change.status == "approved"


def test_no_whole_id_or_account_in_any_page_or_api_answer(
    client, people, reward, family, reward_cycle
):
    """Every page and API answer shows numbers masked; only the bank file holds them whole."""
    household, head, child = family
    approvals.bank_account_change(
        household=household,
        person=child,
        bank_name="农村信用社",
        account=OWN,
        reason="本人",
        actor=people.worker,
    )
    batch = services.batch_build(program=reward, actor=people.officer)
    batch = services.batch_approve(batch=batch, actor=people.supervisor)
    export = services.batch_export(
        batch=batch, layout=_id_layout(), fmt="csv", actor=people.officer
    )
    secrets = [OWN, household.bank_account_plain(), head.id_number_plain(), child.id_number_plain()]
    # the bank file alone holds the payee's whole account and ID number
    assert OWN.encode() in export.content
    assert child.id_number_plain().encode() in export.content
    payment = Payment.objects.get(batch=batch)
    pages = [
        (people.worker, reverse("approvals:household", kwargs={"pk": household.pk})),
        (people.worker, reverse("approvals:household-bank-account", kwargs={"pk": household.pk})),
        (people.village_rev, reverse("approvals:bank-account-changes") + "?status=applied"),
        (people.officer, reverse("payouts:batch", kwargs={"pk": batch.pk})),
        (people.officer, reverse("payouts:batch", kwargs={"pk": batch.pk}) + "?format=csv"),
        (
            people.worker,
            reverse("payouts:enrolment", kwargs={"pk": payment.entitlement.enrolment_id}),
        ),
    ]
    apis = [
        (people.worker, reverse("approvals-api:household-detail", kwargs={"pk": household.pk})),
        (people.village_rev, reverse("approvals-api:bank-account-change-list")),
        (people.officer, reverse("payouts-api:payment-list", kwargs={"batch_id": batch.pk})),
        (people.officer, reverse("payouts-api:export-list")),
    ]
    for user, url in pages:
        client.force_login(user)
        body = client.get(url).content.decode("utf-8", "replace")
        assert "**** 8777" in body or "format" in url or "changes" in url or "payouts" in url
        for secret in secrets:
            assert secret not in body, url
    for user, url in apis:
        answer = api(user).get(url)
        assert answer.status_code == 200, (url, answer.content)
        body = answer.content.decode()
        for secret in secrets:
            assert secret not in body, url
    assert child.id_number_masked in api(people.officer).get(apis[2][1]).content.decode()


def test_a_payee_whose_account_change_waits_is_left_out_until_decided(
    people, reward, family, reward_cycle
):
    household, head, child = family
    change = _pending_change(people, reward, family)
    batch = Payment.objects.get(entitlement__isnull=False).batch
    services.batch_discard(batch=batch, reason="账户待变更", actor=people.officer)
    from disbursement.exceptions import NothingToPay

    with pytest.raises(NothingToPay, match="1 left out"):
        services.batch_build(program=reward, actor=people.officer)
    approvals.bank_account_change_approve(change=change, actor=people.village_rev)
    batch = services.batch_build(program=reward, actor=people.officer)
    payment = Payment.objects.get(batch=batch)
    assert payment.account_last4 == "7890" and payment.account_owner == AccountOwner.HOUSEHOLD


def test_reveal_a_persons_own_account_is_audited(people, family):
    household, head, child = family
    approvals.bank_account_change(
        household=household,
        person=child,
        bank_name="农村信用社",
        account=OWN,
        reason="本人",
        actor=people.worker,
    )
    url = reverse("approvals-api:household-reveal", kwargs={"pk": household.pk})
    answer = api(people.worker).post(
        url, {"what": "bank_account", "person": child.pk, "reason": "核对存折"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["value"] == OWN
    assert answer["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(
        action="person.reveal_bank_account", object_id=str(child.pk)
    ).exists()
