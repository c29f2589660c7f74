"""Fixtures for approvals tests: a small county with staff at every level, and a three-tier
relief program with money in its fund. Role permissions come from ``fundapp/roles.py``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from approvals import services

from .factories import fund_money, make_household, make_program, make_staff, make_world


@pytest.fixture(autouse=True)
def _fast_english(settings):
    # Messages are asserted in English; a cheap hasher keeps the ten staff users per test fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def people(make_user, world):
    """Staff: case workers, reviewers at each level, an administrator and an auditor."""
    return SimpleNamespace(
        worker=make_staff(make_user, "case_worker", world.village_a1, "worker"),
        worker_b=make_staff(make_user, "case_worker", world.village_b1, "worker_b"),
        village_rev=make_staff(make_user, "reviewer", world.village_a1, "village_rev"),
        town_rev=make_staff(make_user, "reviewer", world.town_a, "town_rev"),
        town_b_rev=make_staff(make_user, "reviewer", world.town_b, "town_b_rev"),
        county_rev=make_staff(make_user, "reviewer", world.county, "county_rev"),
        county_rev2=make_staff(make_user, "reviewer", world.county, "county_rev2"),
        admin=make_staff(make_user, "administrator", world.county, "admin"),
        auditor=make_staff(make_user, "auditor", world.county, "aud"),
        nobody=make_user(username="nobody"),
    )


@pytest.fixture
def program(world):
    return make_program()


@pytest.fixture
def funded(program):
    fund_money(10000)
    return program


@pytest.fixture
def household(people, world):
    return make_household(people.worker, world.village_a1, members=2)


@pytest.fixture
def drive(people, world):
    """drive(case, "approved") walks a case through the services to a state."""

    def approve_all(case):
        for reviewer in (people.village_rev, people.town_rev, people.county_rev):
            case.refresh_from_db()
            if case.state not in ("in_review", "objected"):
                break
            case = services.case_approve(case=case, actor=reviewer)
        return case

    def to(case, state: str, *, today=None):
        if state == "draft":
            return case
        if state == "returned":
            case = services.case_submit(case=case, actor=people.worker)
            return services.case_return(
                case=case, actor=people.village_rev, missing_items=["低保证明"]
            )
        if state == "withdrawn":
            return services.case_withdraw(case=case, actor=people.worker, reason="申请人撤回")
        case = services.case_submit(case=case, actor=people.worker)
        if state == "in_review":
            return case
        if state == "rejected":
            return services.case_reject(case=case, actor=people.village_rev, reason="不符合条件")
        case = approve_all(case)
        if state == "approved":
            return case
        services.notice_publish(
            program=case.program,
            region=world.village_a1,
            cycle=case.cycle,
            cases=[case],
            actor=people.town_rev,
            starts_on=today,
        )
        case.refresh_from_db()
        if state == "on_notice":
            return case
        if state == "objected":
            item = case.notice_items.get()
            objection = services.objection_file(
                notice_item=item, contact="13900000000", text="家庭收入不符", today=today
            )
            services.objection_uphold(
                objection=objection, actor=people.town_rev, tier=2, comment="收入需复核"
            )
            case.refresh_from_db()
            return case
        if state in ("final", "cancelled"):
            notice = case.notice_items.get().notice
            services.notices_close(today=notice.ends_on.fromordinal(notice.ends_on.toordinal() + 1))
            case.refresh_from_db()
            if state == "cancelled":
                case = services.case_cancel(case=case, actor=people.county_rev, reason="重复申报")
            return case
        raise ValueError(state)

    return to


@pytest.fixture
def new_case(funded, household, people):
    def make(**kw):
        kw.setdefault("cycle", "2026")
        return services.case_file(program=funded, household=household, actor=people.worker, **kw)

    return make
