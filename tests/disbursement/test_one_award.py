"""One beneficiary, one award per program and cycle (issue 11, point 2), held by the database.

The issue's report: a person enrolled in the reward program and also awarded through a reward
case in the same cycle was paid twice in one batch (a line from the case, one from the
entitlement). Every road to an award now writes an ``AwardClaim`` in the transaction that books
it, and a partial unique constraint allows one live claim per person, program and cycle.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import services as approvals
from approvals.exceptions import DuplicateAward
from approvals.models import AwardClaim, Case, CaseState, ClaimStatus
from disbursement import services
from disbursement.models import Entitlement, Payment
from tests.approvals.factories import fund_money

from .conftest import confirm, enrol, finalise
from .util import csv_bytes, payable, result_rows, snapshot

FILL = import_module("disbursement.migrations.0006_award_claims_fill")


@pytest.fixture
def scene(people, reward, make_households):
    """One parent enrolled in the reward program (paid CNY 1,000 a year), money in REWARD and
    GENERAL, the 2026 cycle open."""
    fund_money(10000, "REWARD")
    fund_money(100, "GENERAL")
    (household,) = make_households(1, prefix="62170000")
    parent = household.people.get(is_head=True)
    enrolment = enrol(reward, parent, on=date(2025, 1, 1))
    cycle = services.cycle_open(program=reward, code="2026", actor=people.officer)
    return household, parent, enrolment, cycle


def _case_on_notice(program, household, people, world, cycle="2026"):
    case = approvals.case_file(
        program=program, household=household, actor=people.worker, cycle=cycle
    )
    case = approvals.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = approvals.case_approve(case=case, actor=reviewer)
    notice = approvals.notice_publish(
        program=program, region=world.village_a1, cycle=cycle, cases=[case], actor=people.town_rev
    )
    case.refresh_from_db()
    return case, notice


def _live(person, program):
    return list(
        AwardClaim.objects.filter(person=person, program=program, status=ClaimStatus.LIVE)
        .order_by("id")
        .values_list("source", "label")
    )


def test_awarded_by_a_case_and_enrolled_is_paid_once(scene, people, reward, world):
    household, parent, _enrolment, cycle = scene
    # given a final reward case of the enrolled parent for 2026 (the second bullet)
    (case,) = finalise(reward, [household], people, world)
    assert _live(parent, reward) == [("case", case.number)]

    # when the 2026 cycle is confirmed and approved (which books its entitlements)
    report = confirm(cycle, people)

    # then the parent is left out and listed, naming the case: no second award is booked
    assert (report.created, report.held_count) == (0, 1)
    assert report.held_text() == [f"{parent.name}: already awarded through case {case.number}"]
    assert Entitlement.objects.count() == 0
    assert payable("REWARD") == Decimal("1000.00")

    # and the batch pays the parent once
    batch = services.batch_build(program=reward, actor=people.officer)
    assert list(Payment.objects.filter(batch=batch).values_list("case_id", "entitlement_id")) == [
        (case.pk, None)
    ]
    assert batch.total.amount == Decimal("1000.00")


def test_a_case_cannot_become_final_beside_an_entitlement(scene, people, reward, world):
    household, parent, _enrolment, cycle = scene
    # given a reward case on notice for the parent, and meanwhile the 2026 entitlement booked
    case, notice = _case_on_notice(reward, household, people, world)
    assert confirm(cycle, people).created == 1
    before = snapshot()

    # when the notice closes, the case is not made final: the message names the entitlement
    report = approvals.notices_close(today=notice.ends_on + timedelta(days=1))
    ((failed, message),) = report.failed
    assert failed.pk == case.pk
    assert "already has an award in program REWARD1 for cycle 2026" in message
    assert "the entitlement of cycle 2026" in message
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE and case.award_entry_id is None
    assert snapshot() == before
    assert _live(parent, reward) == [("entitlement", "2026")]

    # and the service says the same when called directly
    with pytest.raises(DuplicateAward, match="the entitlement of cycle 2026"):
        approvals.case_finalise(case=case, today=notice.ends_on + timedelta(days=1))

    # and one batch pays the entitlement once
    batch = services.batch_build(program=reward, actor=people.officer)
    assert Payment.objects.filter(batch=batch).count() == 1


def test_filing_a_case_beside_an_entitlement_is_refused_service_api_screen(
    scene, client, people, reward
):
    household, parent, _enrolment, cycle = scene
    confirm(cycle, people)
    before = (snapshot(), Case.objects.count())

    # service
    with pytest.raises(DuplicateAward, match="the entitlement of cycle 2026"):
        approvals.case_file(program=reward, household=household, cycle="2026", actor=people.worker)

    # API
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.worker)
    body = {"program": reward.code, "household": household.pk, "cycle": "2026"}
    response = api.post("/api/approvals/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "duplicate_award"
    assert "the entitlement of cycle 2026" in response.json()["message"]

    # screen
    client.force_login(people.worker)
    page = client.post(
        reverse("approvals:household", args=[household.pk]),
        {"program": reward.pk, "cycle": "2026", "members": [parent.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 400
    assert "the entitlement of cycle 2026" in page.content.decode()
    assert (snapshot(), Case.objects.count()) == before

    # another cycle is free
    assert approvals.case_file(
        program=reward, household=household, cycle="2027", actor=people.worker
    )


def test_the_screen_and_api_name_who_was_left_out_of_a_cycle(
    scene, client, people, reward, world, django_capture_on_commit_callbacks
):
    household, parent, _enrolment, cycle = scene
    (case,) = finalise(reward, [household], people, world)
    assert confirm(cycle, people).held_count == 1  # the approval left the parent out
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_login(people.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/payouts/cycles/{cycle.pk}/generate/", {}, format="json")
    assert response.status_code == 202
    job = api.get(f"/api/payouts/jobs/{response.json()['id']}/").json()
    assert job["result"]["held_count"] == 1
    assert job["result"]["held"] == [{"name": parent.name, "source": "case", "label": case.number}]

    client.force_login(people.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payouts:cycle-generate", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 302
    text = html.unescape(
        client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "1 beneficiaries left out, each already awarded in this program and cycle" in text
    assert f"already awarded through case {case.number}" in text
    assert Entitlement.objects.count() == 0


def test_a_cancelled_case_frees_the_person_for_the_cycle(scene, people, reward, world):
    household, parent, _enrolment, cycle = scene
    (case,) = finalise(reward, [household], people, world)
    assert confirm(cycle, people).created == 0

    # when the deciding tier cancels the award, its claim is cancelled
    approvals.case_cancel(case=case, actor=people.county_rev, reason="已按年度扶助发放")
    assert AwardClaim.objects.get(source="case", source_id=case.pk).status == "cancelled"

    # then generating the cycle again books the entitlement
    again = services.cycle_generate(cycle=cycle, actor=people.officer)
    assert (again.created, again.held_count) == (1, 0)
    assert _live(parent, reward) == [("entitlement", "2026")]


def test_a_reissue_pays_the_same_claim(scene, people, reward, world, layout):
    household, parent, _enrolment, cycle = scene
    confirm(cycle, people)
    claims = list(AwardClaim.objects.values_list("id", "status"))
    batch = services.batch_build(program=reward, actor=people.officer)
    batch = services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, fmt="csv", actor=people.officer)
    (payment,) = Payment.objects.filter(batch=batch)
    services.results_import(
        batch=batch,
        layout=layout,
        content=csv_bytes(result_rows([payment], failed={payment.reference})),
        filename="r.csv",
        actor=people.officer,
    )
    household.set_bank_account("6228489999999999999")
    household.save()

    batch2 = services.batch_build(program=reward, actor=people.officer2)
    reissue = Payment.objects.get(batch=batch2)
    assert reissue.reissue_of_id == payment.pk
    assert list(AwardClaim.objects.values_list("id", "status")) == claims  # no new row


# --------------------------------------------------------------------------------------------
# the database holds it: a second live claim by raw SQL, on both engines
# --------------------------------------------------------------------------------------------
def _insert(claim, *, source_id, status="live"):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AwardClaim._meta.db_table} (person_id, program_id, cycle, source, "
            "source_id, label, status, created_at, closed_at) "
            "VALUES (%s, %s, %s, 'entitlement', %s, '2026', %s, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)",
            [claim.person_id, claim.program_id, claim.cycle, source_id, status],
        )


def test_raw_sql_cannot_write_a_second_live_claim(scene, people, reward, world):
    household, parent, _enrolment, _cycle = scene
    finalise(reward, [household], people, world)
    claim = AwardClaim.objects.get()
    before = list(AwardClaim.objects.values_list("id", "status"))

    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(claim, source_id=999)
    assert list(AwardClaim.objects.values_list("id", "status")) == before

    # a cancelled or duplicate one is allowed beside the live one; making it live is refused
    _insert(claim, source_id=998, status="cancelled")
    other = AwardClaim.objects.get(source_id=998)
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardClaim.objects.filter(pk=other.pk).update(status="live", closed_at=None)
    # and a status the model does not know is refused
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardClaim.objects.filter(pk=other.pk).update(status="paid_twice")


def test_a_second_award_past_the_check_is_refused_by_the_constraint(
    scene, people, reward, world, monkeypatch
):
    # given a path that does not read first (the check switched off)
    household, parent, _enrolment, cycle = scene
    case, notice = _case_on_notice(reward, household, people, world)
    confirm(cycle, people)
    from approvals.services import claims as claims_module

    monkeypatch.setattr(claims_module, "claims_check", lambda **kw: None)
    before = snapshot()
    # then the constraint refuses it, with the same typed message, and nothing changes
    with pytest.raises(DuplicateAward, match="the entitlement of cycle 2026"):
        approvals.case_finalise(case=case, today=notice.ends_on + timedelta(days=1))
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# the migration's data step: existing awards claimed, duplicates reported and never paid twice
# --------------------------------------------------------------------------------------------
def test_the_migration_claims_existing_awards_and_reports_duplicates(scene, people, reward, world):
    household, parent, enrolment, cycle = scene
    # given the double award of the issue, as it was booked before the rule: a final case and
    # an entitlement of the same parent, program and cycle, and no claims yet
    (case,) = finalise(reward, [household], people, world)
    AwardClaim.objects.all().delete()
    confirm(cycle, people)
    AwardClaim.objects.all().delete()
    assert Entitlement.objects.count() == 1

    # when the data step runs
    out = StringIO()
    report = FILL.fill_claims(django_apps, None, out=out)

    # then the case (booked first) keeps the live claim, the entitlement is a reported duplicate
    assert _live(parent, reward) == [("case", case.number)]
    dup = AwardClaim.objects.get(status="duplicate")
    assert (dup.source, dup.label) == ("entitlement", "2026")
    assert len(report) == 1 and f"kept case {case.number}, duplicate entitlement 2026" in report[0]
    assert "1 second award(s)" in out.getvalue()

    # and a batch pays the parent once, listing the duplicate as left out
    batch = services.batch_build(program=reward, actor=people.officer)
    assert list(Payment.objects.filter(batch=batch).values_list("case_id", flat=True)) == [case.pk]
    assert any("second award" in s.get("reason", "") for s in batch.skipped)

    # and running it again writes nothing new
    assert FILL.fill_claims(django_apps, None, out=StringIO()) == []
    assert AwardClaim.objects.count() == 2
