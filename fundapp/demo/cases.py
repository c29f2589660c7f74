"""The demo's relief cases, through the approvals services: a county with a township and two
villages (西关村 has no cases yet), a three-tier one-off relief program, five households in
东关村, and cases in every stage — a draft, one waiting at the village, one returned for
materials, one final (its notice ran its seven days; award booked) and one on public notice
(money reserved, with an open objection).

Order: ``load_regions`` first, then ``users.place_staff`` (the reviewers decide only within
their region), then ``load_cases``; all after the books and money in (the awards are paid from
the RELIEF fund's money) and before ``payouts.load_payouts``, which uses these villages and
this program.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.utils import timezone
from stdnum.cn import ric

from approvals import services as cases
from approvals.models import Case, Notice, Program, ProgramTier, Region
from approvals.services import PersonSpec
from ledger.models import Fund

from .base import cny

EAST_VILLAGE = "410102001001"
WEST_VILLAGE = "410102001002"
RELIEF_PROGRAM = "RELIEF-2026"


class Regions(NamedTuple):
    county: Region
    town: Region
    east: Region  # 东关村: every relief case
    west: Region  # 西关村: no relief case; the payouts' reward parents live here


def as_if_published(notice: Notice, days_ago: int) -> Notice:
    """Demo history: a notice published today through the service is moved back ``days_ago``
    days whole (publication day, first and last day, publication time), as if it had been
    published then and run its period. Only the demo loader writes past dates like this; the
    services never let a notice start before the day it is published."""
    shift = timedelta(days=days_ago)
    Notice.objects.filter(pk=notice.pk).update(
        published_on=notice.published_on - shift,
        published_at=notice.published_at - shift,
        starts_on=notice.starts_on - shift,
        ends_on=notice.ends_on - shift,
    )
    notice.refresh_from_db()
    return notice


def load_regions() -> Regions:
    """The demo county: 示范县, its township 城关镇, and the villages 东关村 and 西关村."""
    county = Region.objects.create(code="410102000000", name="示范县", level="county")
    town = Region.objects.create(
        code="410102001000", name="城关镇", level="township", parent=county
    )
    east = Region.objects.create(code=EAST_VILLAGE, name="东关村", level="village", parent=town)
    west = Region.objects.create(code=WEST_VILLAGE, name="西关村", level="village", parent=town)
    return Regions(county=county, town=town, east=east, west=west)


def load_cases(users, regions: Regions) -> dict[str, object]:
    """The relief program, its households and its cases in every stage; returns the number of
    cases (``cases``)."""
    today = timezone.localdate()
    town, east = regions.town, regions.east
    program = Program.objects.create(
        code=RELIEF_PROGRAM,
        name_zh="困难家庭一次性救助",
        name_en="One-off relief for families in hardship",
        category="one_off_relief",
        fund=Fund.objects.get(code="RELIEF"),
        amount_rule="per_household",
        amount=cny("2000.00"),
        payment_days=10,
        notice_authority="示范县卫生健康委员会",
        objection_phone="0371-12345678",
        objection_address="示范县卫健委 201 室",
    )
    for order, (zh, en, level, days) in enumerate(
        [
            ("村委会初审", "Village committee", "village", 5),
            ("镇政府审核", "Township", "township", 10),
            ("县审批", "County", "county", 10),
        ],
        start=1,
    ):
        ProgramTier.objects.create(
            program=program,
            order=order,
            name_zh=zh,
            name_en=en,
            region_level=level,
            review_days=days,
        )

    serial = iter(range(1, 100))

    # The demo county's code 410102 (郑州市中原区) exists since 1983; the people born before it
    # carry it as issued, and are accepted (approvals.idnumbers).
    def person(name, birth, relation, region_code="410102"):
        body = f"{region_code}{birth}{next(serial) * 2 + 1:03d}"
        return PersonSpec(
            name=name, id_number=body + ric.calc_check_digit(body + "0"), relation=relation
        )

    worker = users["caseworker"]
    households = [
        cases.household_register(
            region=village,
            address=address,
            people=[person(head, "19650304", "head"), *extra],
            phone=f"1390000000{i}",
            bank_name="中国农业银行",
            bank_account=f"62284800123456{i:05d}",
            actor=worker,
        )
        for i, (village, head, address, extra) in enumerate(
            [
                (east, "刘大山", "东关村三组12号", [person("刘小禾", "20120518", "child")]),
                (east, "王桂兰", "东关村五组3号", []),
                (east, "陈志强", "东关村一组7号", [person("陈芳", "19700210", "spouse")]),
                (east, "赵秀梅", "东关村二组21号", []),
                (east, "孙德福", "东关村一组9号", []),
            ],
            start=1,
        )
    ]
    cycle = str(today.year)
    village_rev, town_rev, county_rev = (
        users["reviewer_village"],
        users["reviewer_town"],
        users["reviewer"],
    )

    def filed(household):
        return cases.case_file(program=program, household=household, cycle=cycle, actor=worker)

    def approved(household):
        case = cases.case_submit(case=filed(household), actor=worker)
        for reviewer in (village_rev, town_rev, county_rev):
            case = cases.case_approve(case=case, actor=reviewer, comment="材料齐全 / complete")
        return case

    filed(households[0])  # a draft
    # waiting at the village for 12 days: past the village's 5 working days, flagged overdue
    waiting = cases.case_submit(case=filed(households[1]), actor=worker)
    Case.objects.filter(pk=waiting.pk).update(tier_since=timezone.now() - timedelta(days=12))
    returned = cases.case_submit(case=filed(households[2]), actor=worker)
    cases.case_return(
        case=returned,
        actor=village_rev,
        missing_items=[
            "低保证明 / proof of minimum-living allowance",
            "户口簿复印件 / household register copy",
        ],
    )
    # Final: its notice ran its seven days without objection, then close_notices finalised it.
    final = approved(households[3])
    notice = cases.notice_publish(
        program=program, region=town, cycle=cycle, cases=[final], actor=county_rev
    )
    as_if_published(notice, program.notice_days + 1)
    cases.notices_close(today=today)
    # On notice now, with its money reserved and one objection waiting to be looked into.
    on_notice = approved(households[4])
    notice = cases.notice_publish(
        program=program, region=east, cycle=cycle, cases=[on_notice], actor=county_rev
    )
    cases.objection_file(
        notice_item=notice.items.get(case=on_notice),
        contact="13700000000",
        text="该户家中有营运车辆，请核实。 / The household runs a commercial vehicle; please check.",
    )
    return {"cases": Case.objects.count()}
