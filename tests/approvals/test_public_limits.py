"""The public case-status look-up (issue 13, finding 7): a random look-up code printed on the
applicant's acknowledgement (case numbers are sequential and the last ID characters guessable),
limits per form and per (address, case number) in the shared cache, and the client address
from a trusted proxy only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.models import Case
from ledger.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "public:case-status"


def _ask(client, number, code, ip="10.0.0.1", **extra):
    return client.post(
        reverse(URL),
        {"number": number, "code": code},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_the_id_digits_no_longer_open_the_status_the_look_up_code_does(client, new_case, drive):
    case = drive(new_case(), "in_review")
    head = case.household.people.get(is_head=True)
    # the head's last 6 ID characters (guessable from a birth date) are not the secret
    assert _ask(client, case.number, head.id_number_plain()[-6:]).status_code == 404
    # the code from the acknowledgement is, as printed (with its dash) or not
    code = case.lookup_code
    assert len(code) == 10 and code not in case.number
    assert _ask(client, case.number, f"{code[:5]}-{code[5:]}").status_code == 200


def test_look_up_codes_are_random_not_sequential(people, new_case, household):
    codes = {new_case(cycle=f"20{n:02d}").lookup_code for n in range(30, 36)}
    assert len(codes) == 6
    assert all(len(c) == 10 and c.isalnum() for c in codes)


def test_one_case_is_tried_at_most_the_per_case_limit_from_one_address(
    client, new_case, drive, settings
):
    settings.PUBLIC_LOOKUP_PER_CASE_LIMIT = 5
    case = drive(new_case(), "in_review")
    # given five wrong codes for one case from one address
    for i in range(5):
        assert _ask(client, case.number, f"{i:010d}").status_code == 404
    # when the right code comes from that address, then it is refused with a clear message
    response = _ask(client, case.number, case.lookup_code)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # the same address may still look up another case number (its own form limit allows it)
    assert _ask(client, "RC000000-000001", "0" * 10).status_code == 404
    # and the applicant at another address is served
    assert _ask(client, case.number, case.lookup_code, ip="10.0.0.2").status_code == 200


def test_behind_a_trusted_proxy_citizens_do_not_share_one_bucket(client, settings, new_case, drive):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.PUBLIC_LOOKUP_LIMIT = 3
    case = drive(new_case(), "in_review")
    # given one citizen behind the proxy who used up the form's limit
    for i in range(3):
        _ask(client, f"RC{i}", "0" * 10, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _ask(client, "RC9", "0" * 10, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # then another citizen behind the same proxy is served
    ok = _ask(client, case.number, case.lookup_code, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert ok.status_code == 200


def test_without_a_proxy_a_forged_header_does_not_escape_the_limit(client, settings):
    settings.TRUSTED_PROXIES = []
    settings.PUBLIC_LOOKUP_LIMIT = 3
    for i in range(3):
        _ask(client, f"RC{i}", "0" * 10, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = _ask(client, "RC9", "0" * 10, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


def test_each_public_form_has_its_own_count(client, settings, new_case, drive):
    settings.PUBLIC_LOOKUP_LIMIT = 2
    for i in range(2):
        _ask(client, f"RC{i}", "0" * 10)
    assert _ask(client, "RC9", "0" * 10).status_code == 429
    # the objection look-up from the same address is another form
    found = client.get(reverse("public:objection-status"), {"code": "NOPE"}, REMOTE_ADDR="10.0.0.1")
    assert found.status_code == 404


# ---- the acknowledgement --------------------------------------------------------------------
def test_the_case_worker_prints_the_acknowledgement_with_the_code(client, people, new_case):
    case = new_case()
    client.force_login(people.worker)
    detail = client.get(reverse("approvals:case", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("approvals:case-acknowledgement", args=[case.pk]) in detail.content.decode()
    response = client.get(
        reverse("approvals:case-acknowledgement", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html and f"{case.lookup_code[:5]}-{case.lookup_code[5:]}" in html
    assert "/public/status/" in html
    # nothing personal beyond the program and village
    head = case.household.people.get(is_head=True)
    assert head.id_number_plain() not in html and head.name not in html


def test_the_acknowledgement_keeps_to_role_and_region(client, people, new_case):
    case = new_case()
    url = reverse("approvals:case-acknowledgement", args=[case.pk])
    client.force_login(people.worker_b)  # a case worker of another village
    assert client.get(url).status_code == 404
    client.force_login(people.auditor)  # no filing role
    assert client.get(url).status_code == 403


def test_a_case_without_a_code_gets_one_audited(client, people, new_case):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(lookup_code=None)
    client.force_login(people.worker)
    response = client.get(reverse("approvals:case-acknowledgement", args=[case.pk]))
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.lookup_code and len(case.lookup_code) == 10
    assert AuditEvent.objects.filter(action="case.lookup_code_issue").exists()


def test_the_api_gives_the_acknowledgement_to_the_case_worker_only(people, new_case):
    from rest_framework.test import APIClient

    case = new_case()
    url = reverse("approvals-api:case-acknowledgement", args=[case.pk])
    api = APIClient()
    api.force_authenticate(people.worker)
    response = api.get(url)
    assert response.status_code == 200
    assert response.json()["number"] == case.number
    assert response.json()["lookup_code"] == case.lookup_code
    assert response.json()["status_url"].endswith("/public/status/")
    # a reviewer (no filing role) and a case worker of another village do not get it
    api.force_authenticate(people.town_rev)
    assert api.get(url).status_code == 403
    api.force_authenticate(people.worker_b)
    assert api.get(url).status_code == 404
