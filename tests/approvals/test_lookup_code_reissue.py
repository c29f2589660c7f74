"""The applicant's look-up code can be reissued (issue 13): a case worker who files cases in the
case's region presses "Issue a new look-up code" on the case page (or on the acknowledgement),
the old code stops opening the public status page at once, the event is audited (never the code
itself), and the fresh acknowledgement opens to print. Other roles and regions are refused, on
the screen and through the API."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from approvals.models import Case
from ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def _status(client, number, code, ip):
    return client.post(
        reverse("public:case-status"),
        {"number": number, "code": code},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    ).status_code


@pytest.fixture
def case(new_case, drive):
    cache.clear()  # the public look-up's per-address limits
    return drive(new_case(), "in_review")


def test_the_case_worker_reissues_the_code_and_prints_a_fresh_acknowledgement(client, people, case):
    old = case.lookup_code
    assert _status(client, case.number, old, "10.0.0.1") == 200
    client.force_login(people.worker)
    # given the button on the case page, for the one who files cases
    page = client.get(reverse("approvals:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("approvals:case-lookup-code-reissue", args=[case.pk])
    assert url in page.content.decode()
    # when pressed
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    # then the fresh acknowledgement opens, with the new code and what happened
    assert response.redirect_chain[-1][0] == reverse(
        "approvals:case-acknowledgement", args=[case.pk]
    )
    case.refresh_from_db()
    new = case.lookup_code
    assert new != old and len(new) == 10
    html = response.content.decode()
    assert f"{new[:5]}-{new[5:]}" in html and f"{old[:5]}-{old[5:]}" not in html
    assert "the old one no longer works" in html
    # the old code no longer opens the status page; the new one does
    assert _status(client, case.number, old, "10.0.0.2") == 404
    assert _status(client, case.number, new, "10.0.0.3") == 200
    # audited, without the code
    event = AuditEvent.objects.filter(action="case.lookup_code_issue").latest("pk")
    assert event.actor_id == people.worker.pk
    assert old not in str(event.__dict__) and new not in str(event.__dict__)


def test_reissue_is_a_post_for_the_filing_role_in_its_region(client, people, case):
    old = case.lookup_code
    url = reverse("approvals:case-lookup-code-reissue", args=[case.pk])
    client.force_login(people.worker)
    assert client.get(url).status_code == 405  # a link or a prefetch changes nothing
    client.force_login(people.worker_b)  # a case worker of another village
    assert client.post(url).status_code == 404
    client.force_login(people.auditor)  # no filing role
    assert client.post(url).status_code == 403
    client.force_login(people.town_rev)  # a reviewer does not see the button, nor may press it
    page = client.get(reverse("approvals:case", args=[case.pk]))
    assert url not in page.content.decode()
    assert client.post(url).status_code == 403
    assert Case.objects.get(pk=case.pk).lookup_code == old
    assert not AuditEvent.objects.filter(action="case.lookup_code_issue").exists()


def test_the_api_reissues_for_the_case_worker_only(people, case):
    old = case.lookup_code
    url = reverse("approvals-api:case-reissue-lookup-code", args=[case.pk])
    api = APIClient()
    api.force_authenticate(people.town_rev)
    assert api.post(url).status_code == 403
    api.force_authenticate(people.worker_b)
    assert api.post(url).status_code == 404
    assert Case.objects.get(pk=case.pk).lookup_code == old
    api.force_authenticate(people.worker)
    response = api.post(url)
    assert response.status_code == 200
    case.refresh_from_db()
    assert response.json()["lookup_code"] == case.lookup_code != old
    assert response.json()["number"] == case.number
    # the acknowledgement now gives the new code
    ack = api.get(reverse("approvals-api:case-acknowledgement", args=[case.pk]))
    assert ack.json()["lookup_code"] == case.lookup_code
