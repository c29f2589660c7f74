"""Staff relief-case screens: role and region checks on each, an approval (one and many)
through the screens, household registration with typed values kept, case filing, documents
checked by content and never served to anonymous users, notice publishing and objections."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals import services
from approvals.models import Attachment, Case, CaseState, Household, Objection, Person

from .factories import cny, id_number, make_program

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 60


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _as(client, user):
    client.force_login(user)
    return client


# --------------------------------------------------------------------------------------------
# role and region checks
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "approvals:queue",
        "approvals:households",
        "approvals:household-new",
        "approvals:notice-publish",
        "approvals:objections",
    ],
)
def test_anonymous_goes_to_login_and_wrong_role_gets_403(client, people, name):
    # given an anonymous visitor, when a staff screen is opened, then the login page answers
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response["Location"]
    # and a signed-in user without any role gets 403
    assert _as(client, people.nobody).get(reverse(name)).status_code == 403


def test_case_detail_outside_region_is_404(client, people, new_case):
    # given a case in village A1
    case = new_case()
    # when a case worker of township B's village opens it, then 404
    assert (
        _as(client, people.worker_b).get(reverse("approvals:case", args=[case.pk])).status_code
        == 404
    )
    # and the township-A reviewer sees it
    response = _as(client, people.town_rev).get(reverse("approvals:case", args=[case.pk]))
    assert response.status_code == 200 and case.number in response.content.decode()


def test_case_detail_shows_members_masked(client, people, new_case):
    # given a case, when its worker opens it, then ID numbers are masked
    case = new_case()
    html = (
        _as(client, people.worker).get(reverse("approvals:case", args=[case.pk])).content.decode()
    )
    for person in case.members.all():
        assert person.id_number_plain() not in html
        assert person.id_number_masked in html


def test_household_outside_region_is_404(client, people, household):
    response = _as(client, people.worker_b).get(reverse("approvals:household", args=[household.pk]))
    assert response.status_code == 404


def test_worker_may_not_approve(client, people, new_case, drive):
    # given a case in review, when its case worker posts an approval, then 403 and nothing moves
    case = drive(new_case(), "in_review")
    response = _as(client, people.worker).post(
        reverse("approvals:case-action", args=[case.pk, "approve"]), {"approve-comment": ""}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.current_tier == 1


# --------------------------------------------------------------------------------------------
# reviewer queue and decisions
# --------------------------------------------------------------------------------------------
def test_queue_lists_waiting_cases_and_approves_one_through_the_screen(
    client, people, new_case, drive
):
    # given a case waiting at tier 1 (village)
    case = drive(new_case(), "in_review")
    reviewer = _as(client, people.village_rev)
    # when the village reviewer opens the queue, then the case is there with its days waiting
    html = reviewer.get(reverse("approvals:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert case.number in html and "Days waiting" in html
    # and the township reviewer of another township does not see it
    other = _as(client, people.town_b_rev).get(reverse("approvals:queue")).content.decode()
    assert case.number not in other
    # when the village reviewer approves it from the case page
    _as(client, people.village_rev)
    response = client.post(
        reverse("approvals:case-action", args=[case.pk, "approve"]), {"approve-comment": "材料齐全"}
    )
    # then it moves on to tier 2, with a history row
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.current_tier == 2
    assert case.history.filter(decision="approve", comment="材料齐全").exists()


def test_queue_exports_csv(client, people, new_case, drive):
    # given a case waiting at tier 1, when the queue is downloaded as CSV, then it is a row
    case = drive(new_case(), "in_review")
    response = _as(client, people.village_rev).get(reverse("approvals:queue"), {"format": "csv"})
    assert response.status_code == 200
    assert case.number in response.content.decode("utf-8-sig")


def test_approve_many_reports_a_result_per_case(client, people, funded, world, drive):
    # given two cases at tier 1, one of which the village reviewer cannot approve (other region)
    from .factories import make_household

    h1 = make_household(people.worker, world.village_a1)
    h2 = make_household(people.worker, world.village_a1, head_name="李四")
    c1 = drive(
        services.case_file(program=funded, household=h1, cycle="2026", actor=people.worker),
        "in_review",
    )
    c2 = drive(
        services.case_file(program=funded, household=h2, cycle="2026", actor=people.worker),
        "in_review",
    )
    # when both are approved at once, then both move on and each has its result
    response = _as(client, people.village_rev).post(
        reverse("approvals:queue"), {"case": [c1.pk, c2.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert c1.number in html and c2.number in html
    assert set(Case.objects.values_list("current_tier", flat=True)) == {2}
    # when the same reviewer tries again at tier 2, then each row says why not
    response = _as(client, people.village_rev).post(
        reverse("approvals:queue"), {"case": [c1.pk, c2.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.content.decode().count("badge-warn") == 2
    assert set(Case.objects.values_list("current_tier", flat=True)) == {2}


def test_return_lists_all_missing_items_and_reject_needs_a_reason(client, people, new_case, drive):
    # given a case in review
    case = drive(new_case(), "in_review")
    reviewer = _as(client, people.village_rev)
    url = reverse("approvals:case-action", args=[case.pk, "reject"])
    # when rejected without a reason, then the form comes back and nothing changes
    response = reviewer.post(url, {"reject-reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    # when returned with two missing items, then both are on the case
    response = reviewer.post(
        reverse("approvals:case-action", args=[case.pk, "return"]),
        {"return-missing_items": "低保证明\n户口本复印件\n", "return-comment": ""},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RETURNED
    assert case.missing_items == ["低保证明", "户口本复印件"]


# --------------------------------------------------------------------------------------------
# case worker: household and filing
# --------------------------------------------------------------------------------------------
def _household_post(world, number, **extra):
    data = {
        "region": world.village_a1.pk,
        "address": "梅园一村9号",
        "phone": "13700000000",
        "bank_name": "农业银行",
        "bank_account": "6228480000000000001",
        "people-TOTAL_FORMS": "1",
        "people-INITIAL_FORMS": "1",
        "people-MIN_NUM_FORMS": "1",
        "people-MAX_NUM_FORMS": "1000",
        "people-0-name": "王五",
        "people-0-id_number": number,
        "people-0-relation": "head",
    }
    data.update(extra)
    return data


def test_register_household_bad_id_keeps_typed_values(client, people, world):
    # given a case worker, when the ID number has a wrong check character
    good = id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = _as(client, people.worker).post(
        reverse("approvals:household-new"), _household_post(world, bad), HTTP_ACCEPT_LANGUAGE="en"
    )
    # then the error sits next to the field, the typed values stay, nothing is stored
    html = response.content.decode()
    assert response.status_code == 400
    assert "people-0-id_number_errors" in html and "does not match the 17 digits before it" in html
    assert "梅园一村9号" in html and "王五" in html
    assert not Household.objects.filter(address="梅园一村9号").exists()
    # when corrected, then the household is registered with the ID stored only encrypted
    response = client.post(reverse("approvals:household-new"), _household_post(world, good))
    assert response.status_code == 302
    person = Person.objects.get(name="王五")
    assert person.id_number_plain() == good and good not in person.id_number_enc


def test_register_household_outside_region_is_refused(client, people, world):
    # given a case worker of village B1, when registering in village A1, then the form refuses
    response = _as(client, people.worker_b).post(
        reverse("approvals:household-new"), _household_post(world, id_number())
    )
    assert response.status_code == 400
    assert not Household.objects.filter(address="梅园一村9号").exists()


def test_file_case_then_submit_through_screens(client, people, funded, household):
    # given a household of two, when the worker files a case for both
    worker = _as(client, people.worker)
    members = list(household.people.values_list("pk", flat=True))
    response = worker.post(
        reverse("approvals:household", args=[household.pk]),
        {"program": funded.pk, "cycle": "2026", "members": members, "comment": ""},
    )
    # then a draft case exists; submitting sends it to tier 1
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == CaseState.DRAFT and case.members.count() == 2
    response = worker.post(reverse("approvals:case-action", args=[case.pk, "submit"]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.current_tier == 1


def test_file_case_duplicate_names_other_case(client, people, new_case, household, funded):
    # given a case already open for this household
    first = new_case()
    # when the same people are filed again for the same program and cycle
    response = _as(client, people.worker).post(
        reverse("approvals:household", args=[household.pk]),
        {
            "program": funded.pk,
            "cycle": "2026",
            "members": list(household.people.values_list("pk", flat=True)),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the refusal names the other case, and the typed cycle stays
    assert response.status_code == 400
    assert first.number in response.content.decode()
    assert Case.objects.count() == 1


# --------------------------------------------------------------------------------------------
# documents
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", [PNG, EXE], ids=["png-named-pdf", "exe-named-pdf"])
def test_attachment_type_checked_by_content(client, people, new_case, content):
    # given a case, when a file named .pdf whose bytes are not a PDF is uploaded
    case = new_case()
    upload = SimpleUploadedFile("scan.pdf", content, content_type="application/pdf")
    response = _as(client, people.worker).post(
        reverse("approvals:attachment-upload", args=[case.pk]),
        {"file": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    if content is PNG:
        # then a PNG is kept as a PNG whatever its name says
        assert response.status_code == 302
        assert Attachment.objects.get().content_type == "image/png"
    else:
        # then anything else is refused, next to the field
        assert response.status_code == 400
        assert "not a PDF, JPEG or PNG" in response.content.decode()
        assert not Attachment.objects.exists()


def test_attachment_never_served_to_anonymous_or_other_region(client, people, new_case):
    # given a PDF on a case
    case = new_case()
    worker = _as(client, people.worker)
    worker.post(
        reverse("approvals:attachment-upload", args=[case.pk]),
        {"file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")},
    )
    attachment = Attachment.objects.get()
    url = reverse("approvals:attachment", args=[case.pk, attachment.pk])
    # when its worker downloads it, then the bytes come back
    response = worker.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    # when anonymous, then login; when another region, then 404
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert _as(client, people.worker_b).get(url).status_code == 404
    # and no public URL maps the media folder
    client.logout()
    assert client.get("/media/" + attachment.file.name).status_code == 404


def test_attachment_too_large_refused(client, people, new_case, settings):
    settings.UPLOAD_LIMITS = {"document": {"bytes": 10}}
    case = new_case()
    response = _as(client, people.worker).post(
        reverse("approvals:attachment-upload", args=[case.pk]),
        {"file": SimpleUploadedFile("a.pdf", PDF)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "too large" in response.content.decode()


# --------------------------------------------------------------------------------------------
# notices and objections
# --------------------------------------------------------------------------------------------
def test_publish_notice_through_screen(client, people, world, new_case, drive):
    # given an approved case
    case = drive(new_case(), "approved")
    data = {"program": case.program_id, "region": world.town_a.pk, "cycle": "2026"}
    reviewer = _as(client, people.town_rev)
    # when the township reviewer lists approved cases, then it is offered
    assert case.number in reviewer.get(reverse("approvals:notice-publish"), data).content.decode()
    # when the notice is published with it, then the case is on notice
    response = reviewer.post(reverse("approvals:notice-publish"), {**data, "case": [case.pk]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ON_NOTICE
    # and a case worker may not open the screen
    assert _as(client, people.worker).get(reverse("approvals:notice-publish")).status_code == 403


def test_objection_dismiss_needs_reply_and_uphold_sends_back(client, people, new_case, drive):
    # given an objection to a case on notice
    case = drive(new_case(), "on_notice")
    item = case.notice_items.get()
    objection = services.objection_file(notice_item=item, contact="139", text="收入不实")
    reviewer = _as(client, people.town_rev)
    url = reverse("approvals:objection", args=[objection.pk])
    # it is listed for the township reviewer, not for the other township's
    assert case.number in reviewer.get(reverse("approvals:objections")).content.decode()
    assert _as(client, people.town_b_rev).get(url).status_code == 404
    reviewer = _as(client, people.town_rev)
    # when dismissed without a reply, then refused
    response = reviewer.post(url, {"action": "dismiss", "dismiss-reply": ""})
    assert response.status_code == 400
    # when upheld at tier 2, then the case is re-investigated there
    response = reviewer.post(
        url, {"action": "uphold", "uphold-tier": "2", "uphold-comment": "复核"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == "upheld"
    assert case.state == CaseState.OBJECTED and case.current_tier == 2
    assert Objection.objects.count() == 1


def test_file_case_above_the_award_ceiling_says_so_next_to_the_amount(client, people, household):
    # given a program that pays the amount requested, with a cap above the award ceiling
    program = make_program(code="BIGREQ", amount_rule="requested", cap=cny("900000000"))
    # when the worker types an account number into the requested amount
    response = _as(client, people.worker).post(
        reverse("approvals:household", args=[household.pk]),
        {
            "program": program.pk,
            "cycle": "2026",
            "members": list(household.people.values_list("pk", flat=True)),
            "requested_amount": "622848001.23",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    # then nothing is filed, and the amount field says why, in Chinese, keeping what was typed
    assert response.status_code == 400
    assert not Case.objects.exists()
    form = response.context["form"]
    assert "requested_amount" in form.errors
    page = response.content.decode()
    assert "上限" in page and "622848001.23" in page
