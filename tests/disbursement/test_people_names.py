"""Issue 14, point 9: staff are shown by their full name wherever a person acted (a batch's
builder and approver, a case's history, a recovery's proposer and decider, an export's maker,
the admin's lists), never by their bare username.

Given every staff user of a whole payout story has a full name that differs from their
username (and a username no page could print by chance), when the pages and downloads that
name who acted are rendered, then each shows full names and no username at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.models import Case
from common.people import person_name
from disbursement.models import Recovery
from tests.approvals.factories import make_staff

pytestmark = pytest.mark.django_db

MARK = "-qz7"  # every username ends so; no page text contains it by chance


def _name_everyone(people) -> dict[str, str]:
    """Give each user of the story a full name and a username nothing else would print."""
    names = {}
    for index, user in enumerate(vars(people).values()):
        user.username = f"u{index}{MARK}"
        user.first_name = f"职员{index}号"
        user.save(update_fields=["username", "first_name"])
        names[user.username] = user.first_name
    return names


def test_person_name_falls_back_to_the_username(make_user):
    # a Chinese name family name (Django's last_name) first and unspaced, as the office writes it
    named = make_user(username="li-ming", first_name="明", last_name="李")
    latin = make_user(username="jdoe", first_name="Jane", last_name="Doe")
    bare = make_user(username="wang")
    assert person_name(named) == "李明"
    assert person_name(latin) == "Jane Doe"
    assert person_name(bare) == "wang"
    assert person_name(None) == ""


def test_pages_name_who_acted_by_full_name(
    client, open_recovery, paid_batch, people, world, make_user
):
    # given: the story's users renamed, and an auditor (reads everything) with a name too
    names = _name_everyone(people)
    auditor = make_staff(make_user, "auditor", world.county, f"aud{MARK}")
    auditor.first_name = "审计员甲"
    auditor.save(update_fields=["first_name"])
    supervisor = people.supervisor
    case = Case.objects.filter(state="final").order_by("id").first()
    recovery = Recovery.objects.get(pk=open_recovery.pk)
    pages = {
        "batches": (auditor, reverse("payouts:batches")),
        "batch": (auditor, reverse("payouts:batch", args=[paid_batch.pk])),
        "case": (auditor, reverse("approvals:case", args=[case.pk])),
        "recoveries": (auditor, reverse("payouts:recoveries")),
        "recovery": (auditor, reverse("payouts:recovery", args=[recovery.pk])),
        "journal": (auditor, reverse("ledger:journal")),
        "periods": (auditor, reverse("ledger:periods")),
        "batches.csv": (auditor, reverse("payouts:batches") + "?format=csv"),
        "recoveries.csv": (auditor, reverse("payouts:recoveries") + "?format=csv"),
        "journal.csv": (auditor, reverse("ledger:journal") + "?format=csv"),
        "batch (supervisor)": (supervisor, reverse("payouts:batch", args=[paid_batch.pk])),
    }
    for label, (viewer, url) in pages.items():
        client.force_login(viewer)
        # when
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        # then
        assert response.status_code == 200, label
        body = response.content.decode("utf-8-sig")
        assert MARK not in body, f"{label}: a bare username is shown"
    # and the people who acted are there by name
    client.force_login(auditor)
    batch_page = client.get(reverse("payouts:batch", args=[paid_batch.pk])).content.decode()
    assert names[people.officer.username] in batch_page  # built by
    assert names[people.supervisor.username] in batch_page  # approved by
    case_page = client.get(reverse("approvals:case", args=[case.pk])).content.decode()
    for reviewer in (people.worker, people.village_rev, people.town_rev, people.county_rev):
        assert names[reviewer.username] in case_page  # filed, approved at each tier
    recovery_page = client.get(reverse("payouts:recovery", args=[recovery.pk])).content.decode()
    assert names[people.officer.username] in recovery_page
    assert names[people.supervisor.username] in recovery_page
    assert names[people.officer.username] in client.get(
        reverse("payouts:batches") + "?format=csv"
    ).content.decode("utf-8-sig")


def test_admin_lists_name_who_acted(client, paid_batch, people, make_user):
    # given: a superuser reads the admin's lists of batches, exports and audit events
    names = _name_everyone(people)
    admin_user = make_user(username=f"root{MARK}", first_name="系统管理员", is_staff=True)
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for url in (
        reverse("admin:disbursement_payoutbatch_changelist"),
        reverse("admin:disbursement_exportlog_changelist"),
        reverse("admin:ledger_auditevent_changelist"),
    ):
        # when
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        # then: only the signed-in admin's own name in the header; nobody by username
        assert MARK not in body.replace(admin_user.username, ""), url
    batches = client.get(reverse("admin:disbursement_payoutbatch_changelist")).content.decode()
    assert names[people.officer.username] in batches
