"""Recoveries and the post-payment sample check through the screens (English and Chinese) and
the API: role and region checks, four eyes, idempotent POSTs, the downloads, the flags on the
batch, enrolment and household pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from disbursement import services
from disbursement.models import (
    Recovery,
    RecoveryRefund,
    RecoveryStatus,
    SampleCheck,
    SampleCheckLine,
)
from ledger.models import AuditEvent, JournalEntry
from tests.approvals.factories import make_staff

from .util import read_csv


def web(user, lang="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --------------------------------------------------------------------------------------------
# screens
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_recovery_screens_in_both_languages(paid_batch, people, lang):
    payment = paid_batch.payments.order_by("id").first()
    officer, supervisor = web(people.officer, lang), web(people.supervisor, lang)
    # the officer proposes from the payment
    page = officer.get(f"/payouts/recoveries/new/?payment={payment.pk}")
    assert page.status_code == 200 and f'lang="{lang}"' in page.content.decode()
    key = page.context["form"].initial["idempotency_key"]
    form = {
        "amount": "400.00",
        "reason_code": "wrong_person",
        "reason_text": "Paid to a namesake",
        "decision_reference": "",
        "idempotency_key": key,
    }
    done = officer.post(f"/payouts/recoveries/new/?payment={payment.pk}", form)
    assert done.status_code == 302
    # a double submit proposes once
    officer.post(f"/payouts/recoveries/new/?payment={payment.pk}", form)
    recovery = Recovery.objects.get()
    # the officer may not decide it; the page says why (four eyes)
    page = officer.get(f"/payouts/recoveries/{recovery.pk}/")
    assert page.status_code == 200 and page.context["own"] and not page.context["can_decide"]
    assert (
        officer.post(
            f"/payouts/recoveries/{recovery.pk}/decide/open/", {"decide-decision_text": "x"}
        ).status_code
        == 403
    )
    # the supervisor decides it
    answer = supervisor.post(
        f"/payouts/recoveries/{recovery.pk}/decide/open/",
        {"decide-decision_text": "Recover", "decide-decision_reference": "M-1"},
    )
    assert answer.status_code == 302
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.OPEN
    # a refund above the claim is refused on the page, nothing booked
    page = officer.get(f"/payouts/recoveries/{recovery.pk}/")
    refund_key = page.context["refund_form"].initial["idempotency_key"]
    entries = JournalEntry.objects.count()
    refused = officer.post(
        f"/payouts/recoveries/{recovery.pk}/refund/",
        {
            "refund-amount": "400.01",
            "refund-received_on": page.context["refund_form"].initial["received_on"],
            "refund-method": "bank",
            "refund-idempotency_key": refund_key,
        },
    )
    assert refused.status_code == 409 and JournalEntry.objects.count() == entries
    booked = officer.post(
        f"/payouts/recoveries/{recovery.pk}/refund/",
        {
            "refund-amount": "150.00",
            "refund-received_on": page.context["refund_form"].initial["received_on"],
            "refund-method": "counter",
            "refund-idempotency_key": refund_key,
        },
    )
    assert booked.status_code == 302 and RecoveryRefund.objects.count() == 1
    # the list shows it, and downloads as CSV and Excel
    listing = officer.get("/payouts/recoveries/?status=open")
    assert listing.status_code == 200 and str(recovery) in listing.content.decode()
    rows = read_csv(officer.get("/payouts/recoveries/?format=csv").content)
    assert rows[1][0] == str(recovery) and rows[1][8] == "250.00"
    xlsx = officer.get("/payouts/recoveries/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.")
    # the supervisor writes off the rest
    assert (
        supervisor.post(
            f"/payouts/recoveries/{recovery.pk}/write-off/", {"writeoff-reason": "Untraceable"}
        ).status_code
        == 302
    )
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.WRITTEN_OFF


def test_the_recovery_screens_check_role_and_region(open_recovery, people, make_user, world):
    far = make_staff(make_user, "finance_supervisor", world.town_b, "far")
    assert web(far).get(f"/payouts/recoveries/{open_recovery.pk}/").status_code == 404
    assert str(open_recovery) not in web(far).get("/payouts/recoveries/").content.decode()
    assert web(people.worker).get("/payouts/recoveries/").status_code == 403


def test_the_person_is_flagged_on_later_pages(open_recovery, people, paid_batch):
    person = open_recovery.person
    # the household page
    page = web(people.worker).get(f"/cases/households/{person.household_id}/")
    assert page.status_code == 200 and "Recovery open" in page.content.decode()
    assert "owes back CNY 600.00" in page.content.decode()
    # the batch page: a warning line with the count, the person listed
    page = web(people.officer).get(f"/payouts/batches/{paid_batch.pk}/")
    assert page.context["owing_count"] == 1
    assert "1 person paid by this batch still owes back" in page.content.decode()


def test_a_later_batch_pays_the_person_in_full_and_flags_them(open_recovery, people, relief, world):
    from approvals.models import Household
    from ledger.models import AuditEvent

    from .conftest import finalise

    # given the person still owes 600, and their household gets a new award in a later cycle
    household = Household.objects.get(pk=open_recovery.person.household_id)
    finalise(relief, [household], people, world, cycle="2027")
    # when the next batch is built: they are in it, paid in full (nothing deducted)
    batch = services.batch_build(program=relief, cycle="2027", actor=people.officer)
    payment = batch.payments.get()
    assert payment.payee_id == open_recovery.person_id and payment.amount.amount == 1000
    event = AuditEvent.objects.get(action="batch.build", object_id=str(batch.pk))
    assert event.data["open_recoveries"] == 1
    # and the batch's page says so, with the recovery
    page = web(people.supervisor).get(f"/payouts/batches/{batch.pk}/")
    text = page.content.decode()
    assert "1 person paid by this batch still owes back money paid in error." in text
    assert f"/payouts/recoveries/{open_recovery.pk}/" in text
    assert "CNY 600.00 still owed" in text


def test_an_enrolled_person_with_an_open_recovery_is_flagged(open_recovery, people, reward):
    from disbursement.models import Enrolment

    person = open_recovery.person
    enrolment = Enrolment.objects.create(
        program=reward, person=person, household=person.household, enrolled_on="2026-01-01"
    )
    page = web(people.officer).get(f"/payouts/enrolments/{enrolment.pk}/")
    assert page.status_code == 200
    assert [r.id for r in page.context["recoveries"]] == [open_recovery.pk]
    text = page.content.decode()
    assert "This person still owes back money paid in error." in text
    assert f"/payouts/recoveries/{open_recovery.pk}/" in text


# --------------------------------------------------------------------------------------------
# the sample check
# --------------------------------------------------------------------------------------------
def test_the_sample_check_is_drawn_reproducibly_and_recorded_by_a_second_person(
    paid_batch, people, settings
):
    settings.PAYOUT_SAMPLE_MIN = 2
    # the batch's builder may not check it
    with pytest.raises(services.checks.NotAllowed):
        services.sample_check_draw(batch=paid_batch, actor=people.officer)
    check = services.sample_check_draw(batch=paid_batch, actor=people.supervisor)
    assert check.size == 2 and check.population == 3
    drawn = sorted(check.lines.values_list("payment_id", flat=True))
    paid = paid_batch.payments.filter(status="paid").values_list("pk", flat=True)
    assert services.sample_ids(paid, check.seed, check.size) == drawn
    # drawing again returns the first draw
    assert services.sample_check_draw(batch=paid_batch, actor=people.officer2).pk == check.pk
    first, second = check.lines.order_by("id")
    with pytest.raises(services.checks.InvalidInput):
        services.sample_check_record(line=first, outcome="not_received", actor=people.officer2)
    services.sample_check_record(
        line=first, outcome="not_received", note="Says nothing came", actor=people.officer2
    )
    with pytest.raises(services.checks.InvalidState):
        services.sample_check_record(line=first, outcome="received", actor=people.officer2)
    services.sample_check_record(
        line=second, outcome="unreachable", note="Phone off", actor=people.officer2
    )
    services.sample_check_record(line=second, outcome="received", actor=people.supervisor)
    # the batch page shows the counts and flags the payment
    page = web(people.officer, "en").get(f"/payouts/batches/{paid_batch.pk}/")
    text = page.content.decode()
    assert "2 recipients drawn, 2 checked: 1 received, 1 not received, 0 unreachable" in text
    assert "not received (sample check)" in text
    # and the check page offers a recovery for the "not received" one
    page = web(people.supervisor, "zh-hans").get(f"/payouts/batches/{paid_batch.pk}/sample-check/")
    assert page.status_code == 200
    assert f"/payouts/recoveries/new/?payment={first.payment_id}" in page.content.decode()


def test_the_database_refuses_a_check_by_the_batch_builder(paid_batch, people):
    from django.db import DatabaseError, IntegrityError, transaction

    check = services.sample_check_draw(batch=paid_batch, actor=people.supervisor)
    line = check.lines.first()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        SampleCheckLine.objects.filter(pk=line.pk).update(
            outcome="received", checked_by=people.officer, checked_at="2026-01-01T00:00:00Z"
        )
    line.refresh_from_db()
    assert line.outcome == ""


def test_the_sample_check_screen_draws_and_records(paid_batch, people):
    client = web(people.supervisor)
    assert (
        client.post(f"/payouts/batches/{paid_batch.pk}/sample-check/", {"draw": "1"}).status_code
        == 302
    )
    line = SampleCheck.objects.get(batch=paid_batch).lines.first()
    bad = client.post(
        f"/payouts/batches/{paid_batch.pk}/sample-check/",
        {"line": line.pk, f"line{line.pk}-outcome": "unreachable", f"line{line.pk}-note": ""},
    )
    assert bad.status_code == 400
    assert "Write a note" in bad.content.decode()
    ok = client.post(
        f"/payouts/batches/{paid_batch.pk}/sample-check/",
        {"line": line.pk, f"line{line.pk}-outcome": "received"},
    )
    assert ok.status_code == 302
    line.refresh_from_db()
    assert line.outcome == "received" and line.checked_by == people.supervisor
    # the builder sees the page but may not record
    own = web(people.officer).get(f"/payouts/batches/{paid_batch.pk}/sample-check/")
    assert own.status_code == 200 and own.context["own_batch"] and not own.context["can_check"]


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------
def test_the_recovery_api(paid_batch, people):
    payment = paid_batch.payments.order_by("id").first()
    body = {
        "payment": payment.pk,
        "amount": "300.00",
        "reason_code": "deceased",
        "reason_text": "Died before the cycle",
    }
    url = "/api/payouts/recoveries/"
    assert api(people.officer).post(url, body, format="json").status_code == 400  # no key
    made = api(people.officer).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert made.status_code == 201 and made["Idempotent-Replayed"] == "false"
    again = api(people.officer).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    other = api(people.officer).post(
        url, {**body, "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    rc = made.json()["id"]
    # the officer who made it may not decide it; the supervisor may
    denied = api(people.officer).post(f"{url}{rc}/open/", {"decision_text": "x"}, format="json")
    assert denied.status_code == 403
    opened = api(people.supervisor).post(
        f"{url}{rc}/open/", {"decision_text": "Recover it"}, format="json"
    )
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert opened.json()["owed"] == "300.00"
    # refunds: idempotent, never above the claim
    refund_url = f"{url}{rc}/refunds/"
    first = api(people.officer).post(
        refund_url, {"amount": "100.00"}, format="json", HTTP_IDEMPOTENCY_KEY="f-1"
    )
    assert first.status_code == 201 and first.json()["number"].startswith("RF")
    retry = api(people.officer).post(
        refund_url, {"amount": "100.00"}, format="json", HTTP_IDEMPOTENCY_KEY="f-1"
    )
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    over = api(people.officer).post(
        refund_url, {"amount": "200.01"}, format="json", HTTP_IDEMPOTENCY_KEY="f-2"
    )
    assert over.status_code == 409 and over.json()["code"] == "over_refund"
    assert RecoveryRefund.objects.count() == 1
    detail = api(people.supervisor).get(f"{url}{rc}/")
    assert detail.status_code == 200 and detail.json()["refunded"] == "100.00"
    listing = api(people.supervisor).get(f"{url}?status=open")
    assert [r["id"] for r in listing.json()["results"]] == [rc]
    off = api(people.supervisor).post(
        f"{url}{rc}/write-off/", {"reason": "Estate empty"}, format="json"
    )
    assert off.status_code == 200 and off.json()["status"] == "written_off"
    assert AuditEvent.objects.filter(action="recovery.write_off").count() == 1
    assert Decimal(off.json()["owed"]) == 0


def test_the_sample_check_api(paid_batch, people, settings):
    settings.PAYOUT_SAMPLE_MIN = 3
    url = "/api/payouts/sample-checks/"
    refused = api(people.officer).post(url, {"batch": paid_batch.pk}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    drawn = api(people.supervisor).post(url, {"batch": paid_batch.pk}, format="json")
    assert drawn.status_code == 201 and drawn.json()["size"] == 3
    assert (
        api(people.supervisor).post(url, {"batch": paid_batch.pk}, format="json").status_code == 200
    )
    line = drawn.json()["lines"][0]["id"]
    recorded = api(people.supervisor).post(
        f"{url}{paid_batch.pk}/record/",
        {"line": line, "outcome": "not_received", "note": "Nothing arrived"},
        format="json",
    )
    assert recorded.status_code == 200
    assert recorded.json()["lines"][0]["outcome"] == "not_received"
    again = api(people.supervisor).post(
        f"{url}{paid_batch.pk}/record/", {"line": line, "outcome": "received"}, format="json"
    )
    assert again.status_code == 409
    assert api(people.supervisor).get(f"{url}{paid_batch.pk}/").json()["seed"]
