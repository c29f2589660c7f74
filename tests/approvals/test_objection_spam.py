"""Objection spam (issue 13, finding 8): filing costs something — at most
OBJECTION_CAP_PER_ADDRESS objections per client address and OBJECTION_CAP_PER_CONTACT per
contact (phone) against one notice — and reviewers merge duplicates or set spam aside, which
releases the family's award at once when the notice is over. Through the public form, the staff
screen, the API and the services; every step audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import selectors, services
from approvals.exceptions import InvalidInput, NotAllowed
from approvals.models import CaseState, Objection, ObjectionStatus
from ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_notice(new_case, drive):
    return drive(new_case(), "on_notice")


def _file(client, item, *, contact="13911112222", ip="10.1.1.1", text="收入不实"):
    return client.post(
        reverse("public:objection-new"),
        {"item": item.pk, "contact": contact, "name": "", "text": text},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _close_notice(case):
    """The notice's period is over: close it (the case is held while an objection is open)."""
    notice = case.notice_items.get().notice
    report = services.notices_close(today=notice.ends_on + timedelta(days=30))
    return report


# ---- the cap -------------------------------------------------------------------------------
def test_one_address_files_at_most_the_cap_per_notice(client, on_notice, settings):
    settings.OBJECTION_CAP_PER_ADDRESS = 3
    item = on_notice.notice_items.get()
    # given three objections from one address, each with another phone
    for i in range(3):
        assert _file(client, item, contact=f"1391111000{i}").status_code == 201
    # when a fourth comes from that address (yet another phone)
    response = _file(client, item, contact="13911110009")
    # then it is refused next to the form, in the user's language, and nothing is filed
    assert response.status_code == 200
    assert "already has 3 objections from your address" in response.content.decode()
    assert Objection.objects.count() == 3
    # and another address is still heard
    assert _file(client, item, contact="13911110008", ip="10.9.9.9").status_code == 201


def test_one_phone_files_at_most_the_cap_per_notice_however_written(client, on_notice, settings):
    settings.OBJECTION_CAP_PER_CONTACT = 3
    item = on_notice.notice_items.get()
    # given three objections with one phone written three ways, from three addresses
    for i, phone in enumerate(["139 1111 2222", "139-1111-2222", "+86 13911112222"]):
        assert _file(client, item, contact=phone, ip=f"10.2.2.{i}").status_code == 201
    # when the same phone comes again from a fourth address, then it is refused
    response = _file(client, item, contact="13911112222", ip="10.2.2.9")
    assert response.status_code == 200
    assert "already has 3 objections with this contact" in response.content.decode()
    assert Objection.objects.count() == 3
    # the service refuses it too (any path that files)
    with pytest.raises(InvalidInput, match="with this contact"):
        services.objection_file(notice_item=item, contact="13911112222", text="x", ip="10.3.3.3")


def test_the_cap_counts_per_notice(people, world, new_case, drive, household, settings):
    from .factories import make_household

    settings.OBJECTION_CAP_PER_ADDRESS = 1
    first = drive(new_case(), "on_notice")
    other_household = make_household(people.worker, world.village_a1, head_name="李大山")
    second = services.case_file(
        program=first.program, household=other_household, cycle="2027", actor=people.worker
    )
    second = drive(second, "on_notice")
    assert first.notice_items.get().notice_id != second.notice_items.get().notice_id
    services.objection_file(notice_item=first.notice_items.get(), contact="1", text="x", ip="ip")
    with pytest.raises(InvalidInput, match="from your address"):
        services.objection_file(
            notice_item=first.notice_items.get(), contact="2", text="x", ip="ip"
        )
    # another notice is another count
    services.objection_file(notice_item=second.notice_items.get(), contact="3", text="x", ip="ip")


# ---- merging duplicates releases the case ---------------------------------------------------
def test_merging_duplicates_on_the_screen_releases_the_award(client, people, on_notice):
    item = on_notice.notice_items.get()
    first = services.objection_file(notice_item=item, contact="13900000001", text="收入不实")
    dup = services.objection_file(notice_item=item, contact="13900000002", text="收入不实!")
    services.objection_dismiss(objection=first, actor=people.town_rev, reply="经核实无误")
    # given the notice is over and the case is held by the duplicate alone
    report = _close_notice(on_notice)
    assert [c.pk for c, _code in report.held] == [on_notice.pk]
    on_notice.refresh_from_db()
    assert on_notice.state == CaseState.ON_NOTICE
    # when the reviewer merges the duplicate into the first objection on the screen
    client.force_login(people.town_rev)
    page = client.get(reverse("approvals:objection", args=[dup.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Merge a duplicate" in page.content.decode()
    response = client.post(
        reverse("approvals:objection", args=[dup.pk]),
        {"action": "merge", "merge-into": first.pk, "merge-comment": "同一事项"},
        HTTP_ACCEPT_LANGUAGE="en",  # the reply is written in the merger's language
    )
    assert response.status_code == 302
    # then the duplicate is merged, the award is final at once (no wait for the next close)
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == (ObjectionStatus.MERGED, first.pk)
    on_notice.refresh_from_db()
    assert on_notice.state == CaseState.FINAL
    # audited, and the sender's tracking code says so
    assert AuditEvent.objects.filter(action="objection.merge", object_id=str(dup.pk)).exists()
    assert on_notice.history.filter(decision="objection_merged").exists()
    public = selectors.objection_status_public(dup.tracking_code)
    assert public["status"] == "merged" and "answered there" in public["reply"]


def test_merge_rules(people, on_notice, new_case, drive):
    item = on_notice.notice_items.get()
    first = services.objection_file(notice_item=item, contact="1", text="x")
    dup = services.objection_file(notice_item=item, contact="2", text="x")
    with pytest.raises(InvalidInput, match="same case"):
        services.objection_merge(objection=dup, into=dup, actor=people.town_rev)
    with pytest.raises(NotAllowed):
        services.objection_merge(objection=dup, into=first, actor=people.worker)
    with pytest.raises(NotAllowed, match="outside your region"):
        services.objection_merge(objection=dup, into=first, actor=people.town_b_rev)
    services.objection_merge(objection=dup, into=first, actor=people.town_rev)
    # a merged objection is not a target, and is not handled twice
    third = services.objection_file(notice_item=item, contact="3", text="x")
    with pytest.raises(InvalidInput, match="itself merged"):
        services.objection_merge(objection=third, into=dup, actor=people.town_rev)
    # the case still waits for the first (open) objection
    on_notice.refresh_from_db()
    assert on_notice.state == CaseState.ON_NOTICE


def test_merge_and_spam_through_the_api(people, on_notice):
    item = on_notice.notice_items.get()
    first = services.objection_file(notice_item=item, contact="1", text="x", ip="10.0.0.1")
    dup = services.objection_file(notice_item=item, contact="2", text="x", ip="10.0.0.2")
    junk = [
        services.objection_file(notice_item=item, contact="广告", text="buy", ip="10.6.6.6")
        for _i in range(2)
    ]
    _close_notice(on_notice)
    api = APIClient()
    api.force_authenticate(people.town_rev)
    # merge the duplicate into the first
    url = reverse("approvals-api:objection-merge", args=[dup.pk])
    response = api.post(url, {"into": first.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["merged_into"]) == ("merged", first.pk)
    # a case worker may not; an unknown target is 404
    worker = APIClient()
    worker.force_authenticate(people.worker)
    assert worker.post(url, {"into": first.pk}, format="json").status_code in (403, 404)
    bad = api.post(
        reverse("approvals-api:objection-merge", args=[first.pk]), {"into": 999999}, format="json"
    )
    assert bad.status_code == 404
    # spam from one sender, all at once; a reason is required
    spam_url = reverse("approvals-api:objection-spam", args=[junk[0].pk])
    assert api.post(spam_url, {"reason": ""}, format="json").status_code == 400
    response = api.post(spam_url, {"reason": "广告", "same_sender": True}, format="json")
    assert response.status_code == 200, response.content
    assert set(
        Objection.objects.filter(pk__in=[j.pk for j in junk]).values_list("status", flat=True)
    ) == {"spam"}
    assert AuditEvent.objects.filter(action="objection.spam").count() == 2
    # the first objection still holds the case; dismissing it releases the award at once
    on_notice.refresh_from_db()
    assert on_notice.state == CaseState.ON_NOTICE
    dismiss = api.post(
        reverse("approvals-api:objection-dismiss", args=[first.pk]),
        {"reply": "经核实无误"},
        format="json",
    )
    assert dismiss.status_code == 200
    on_notice.refresh_from_db()
    assert on_notice.state == CaseState.FINAL


def test_spam_on_the_screen_sets_aside_the_senders_flood(client, people, on_notice):
    item = on_notice.notice_items.get()
    flood = [
        services.objection_file(
            notice_item=item, contact="13800000000", text=f"spam {i}", ip=f"10.0.0.{i}"
        )
        for i in range(3)
    ]
    honest = services.objection_file(
        notice_item=item, contact="13700000000", text="x", ip="10.7.7.7"
    )
    client.force_login(people.town_rev)
    page = client.get(reverse("approvals:objection", args=[flood[0].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "from the same address or contact: 2" in page.content.decode()
    # a reason is required, next to the field, nothing changed
    response = client.post(
        reverse("approvals:objection", args=[flood[0].pk]),
        {"action": "spam", "spam-reason": "", "spam-same_sender": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not Objection.objects.filter(status="spam").exists()
    response = client.post(
        reverse("approvals:objection", args=[flood[0].pk]),
        {"action": "spam", "spam-reason": "重复广告", "spam-same_sender": "on"},
    )
    assert response.status_code == 302
    statuses = dict(Objection.objects.values_list("pk", "status"))
    assert [statuses[o.pk] for o in flood] == ["spam"] * 3
    assert statuses[honest.pk] == "open"
    assert selectors.objection_status_public(flood[1].tracking_code)["reply"] == "重复广告"
    # and once the honest one is handled after the notice closed, the case is final
    _close_notice(on_notice)
    services.objection_dismiss(objection=honest, actor=people.town_rev, reply="无误")
    on_notice.refresh_from_db()
    assert on_notice.state == CaseState.FINAL
