"""Notices, objections and the public reads: what a notice shows (and never shows), masking per
program, objection rules, the public status look-up, and the reviewer's queue."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from approvals import selectors, services
from approvals.exceptions import InvalidInput, InvalidTransition, NotAllowed
from approvals.models import PUBLIC_ITEM_FIELDS, CaseState, ObjectionStatus

from .factories import make_household, make_program


def test_notice_shows_only_the_allowed_fields(people, world, new_case, drive):
    case = drive(new_case(), "on_notice")
    (notice,) = selectors.public_notices(date.today())
    (item,) = notice["items"]
    # exactly the allowed line fields, plus the item's id for the objection form
    assert set(item) == {"id", *PUBLIC_ITEM_FIELDS}
    assert item["name"] == "张*明" and item["people"] == 2 and item["village"] == "梅园一村"
    assert notice["authority"] == "玄武区民政局" and notice["objection_phone"] == "025-12345678"
    # a 7-day notice is on display 7 days: from its first day to first day + 6
    assert notice["ends_on"] - notice["starts_on"] == timedelta(days=6)
    # nothing personal anywhere in what the public read returns
    text = repr(selectors.public_notices(date.today()))
    head = case.household.people.get(is_head=True)
    for secret in (head.id_number_plain(), "6228480012345678901", "13800000000", "梅园一村8号"):
        assert secret not in text
    # and the notice is gone once its period is over
    assert selectors.public_notices(date.today() + timedelta(days=6)) != []
    assert selectors.public_notices(date.today() + timedelta(days=7)) == []


@pytest.mark.parametrize(
    ("masking", "sensitive", "name", "people_count"),
    [
        ("mask", False, "张*明", 2),
        ("surname", False, "张**", 2),
        ("hide", False, "", 2),
        ("mask", True, "", None),  # sensitive programs show even less
    ],
)
def test_name_masking_per_program(masking, sensitive, name, people_count, people, world, household):
    from .factories import fund_money

    program = make_program(code="M", name_masking=masking, sensitive=sensitive)
    fund_money(5000)
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = services.case_approve(case=case, actor=reviewer)
    notice = services.notice_publish(
        program=program, region=world.town_a, cycle="2026", cases=[case], actor=people.town_rev
    )
    assert notice.items.get().public_fields()["name"] == name
    assert notice.items.get().public_fields()["people"] == people_count


def test_notice_publish_rules(people, world, new_case, drive):
    case = drive(new_case(), "approved")
    with pytest.raises(InvalidInput, match="outside"):
        services.notice_publish(
            program=case.program,
            region=world.village_a2,
            cycle="2026",
            cases=[case],
            actor=people.town_rev,
        )
    with pytest.raises(InvalidInput, match="not this notice"):
        services.notice_publish(
            program=case.program,
            region=world.village_a1,
            cycle="2027",
            cases=[case],
            actor=people.town_rev,
        )
    with pytest.raises(InvalidInput, match="Choose"):
        services.notice_publish(
            program=case.program,
            region=world.village_a1,
            cycle="2026",
            cases=[],
            actor=people.town_rev,
        )
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_objection_rules(people, world, new_case, drive):
    case = drive(new_case(), "on_notice")
    item = case.notice_items.get()
    # contact and text are required; the name is optional
    with pytest.raises(InvalidInput, match="contact"):
        services.objection_file(notice_item=item, contact=" ", text="有问题")
    with pytest.raises(InvalidInput, match="objection"):
        services.objection_file(notice_item=item, contact="139", text="")
    # not before the notice starts nor after it ends
    with pytest.raises(InvalidTransition, match="not open for objections"):
        services.objection_file(
            notice_item=item, contact="139", text="x", today=item.notice.ends_on + timedelta(days=1)
        )
    objection = services.objection_file(notice_item=item, contact="139", text="x", ip="1.2.3.4")
    assert objection.ip_hash and "1.2.3.4" not in objection.ip_hash
    assert selectors.objection_status_public(objection.tracking_code.lower())["status"] == "open"
    assert selectors.objection_status_public("NOPE") is None
    # dismissing needs a written reply; upholding needs a valid tier and the right role/region
    with pytest.raises(InvalidInput, match="reply"):
        services.objection_dismiss(objection=objection, actor=people.town_rev, reply="")
    with pytest.raises(InvalidInput, match="one of 1, 2, 3"):
        services.objection_uphold(objection=objection, actor=people.town_rev, tier=7, comment="x")
    with pytest.raises(NotAllowed):
        services.objection_uphold(objection=objection, actor=people.worker, tier=1, comment="x")
    with pytest.raises(NotAllowed, match="outside your region"):
        services.objection_uphold(objection=objection, actor=people.town_b_rev, tier=1, comment="x")
    services.objection_dismiss(objection=objection, actor=people.town_rev, reply="经核实无误")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.handled_by == people.town_rev
    public = selectors.objection_status_public(objection.tracking_code)
    assert (public["status"], public["reply"]) == ("dismissed", "经核实无误")
    # a handled objection cannot be handled again
    with pytest.raises(InvalidTransition, match="already"):
        services.objection_uphold(objection=objection, actor=people.town_rev, tier=1, comment="x")


def test_open_objection_blocks_final(people, new_case, drive):
    case = drive(new_case(), "on_notice")
    notice = case.notice_items.get().notice
    services.objection_file(notice_item=case.notice_items.get(), contact="139", text="x")
    with pytest.raises(InvalidTransition, match="open objection"):
        services.case_finalise(case=case, today=notice.ends_on + timedelta(days=1))
    # and nothing becomes final while the notice runs either
    with pytest.raises(InvalidTransition, match="still on notice"):
        services.case_finalise(case=case, today=notice.ends_on)


def test_case_status_public(people, new_case, drive):
    case = drive(new_case(), "in_review")
    code = case.lookup_code
    # the code as printed (ABCDE-FGHJK), typed in lower case, is accepted
    status = selectors.case_status_public(case.number.lower(), f"{code[:5]}-{code[5:]}".lower())
    # status and next step only
    assert set(status) == {"number", "status", "status_label", "next_step", "facts"}
    assert status["facts"] == []  # nothing paid, nothing to say of money
    assert status["status"] == "in_review" and "reviewed" in status["next_step"]
    # a wrong code and an unknown number look the same; the ID's last 6 no longer open it
    head = case.household.people.get(is_head=True)
    assert selectors.case_status_public(case.number, "0000000000") is None
    assert selectors.case_status_public(case.number, head.id_number_plain()[-6:]) is None
    assert selectors.case_status_public("RC000000-000000", code) is None
    assert selectors.case_status_public(case.number, "") is None


def test_reviewer_queue_scoped_and_oldest_first(people, world, funded):
    # given cases in two villages of township A and one in township B
    hh_a1 = make_household(people.worker, world.village_a1, head_name="甲一")
    hh_a1b = make_household(people.worker, world.village_a1, head_name="甲二")
    hh_b1 = make_household(people.worker_b, world.village_b1, head_name="乙一")
    cases = []
    for hh, worker in ((hh_a1, people.worker), (hh_a1b, people.worker), (hh_b1, people.worker_b)):
        case = services.case_file(program=funded, household=hh, cycle="2026", actor=worker)
        cases.append(services.case_submit(case=case, actor=worker))
    for case in cases[:2]:
        services.case_approve(case=case, actor=people.village_rev)
    # the village reviewer of B's village has none; the village reviewer of A1 none left
    assert selectors.reviewer_queue(people.village_rev) == []
    # township A sees its two, oldest first, with days waiting; township B sees none at tier 2
    later = timezone.now() + timedelta(days=3)
    rows = selectors.reviewer_queue(people.town_rev, now=later)
    assert [r.case.pk for r in rows] == [cases[0].pk, cases[1].pk]
    assert rows[0].days_waiting == 3 and rows[0].tier.order == 2
    assert selectors.reviewer_queue(people.town_b_rev) == []
    # the county reviewer sees nothing yet (tier 3 not reached)
    assert selectors.reviewer_queue(people.county_rev) == []
    # region scoping of plain case lists
    assert set(selectors.cases_for_user(people.worker_b)) == {cases[2]}
    assert selectors.cases_for_user(people.nobody).count() == 0
