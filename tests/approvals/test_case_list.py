"""The staff case list at /cases/ (issue 14, point 2): every case of the user's region and below,
filtered by status, program, region, tier, days waiting, case number (exact or its beginning)
and a person's name (any part of it: Chinese names have no spaces), newest first a page at a
time without counting every row, and downloadable with the same filters."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import selectors, services
from approvals.models import Case

from .factories import make_household, make_program, make_staff

URL = reverse("approvals:cases")


def _numbers(response) -> list[str]:
    return [row["case"].number for row in response.context["rows"]]


@pytest.fixture
def cases(funded, people, world, drive, make_user):
    """Four cases: in village A1 张小明's (in review at tier 1 for 10 days) and 李红梅's (approved
    by every tier), in village A2 王建国's (a draft), in village B1 赵丽's (submitted) — B1 is
    beside township A."""
    town_worker = make_staff(make_user, "case_worker", world.town_a, "town_worker")
    a1_zhang = make_household(people.worker, world.village_a1, head_name="张小明")
    a1_li = make_household(people.worker, world.village_a1, head_name="李红梅")
    a2_wang = make_household(town_worker, world.village_a2, head_name="王建国")
    b1_zhao = make_household(people.worker_b, world.village_b1, head_name="赵丽")
    zhang = drive(
        services.case_file(program=funded, household=a1_zhang, cycle="2026", actor=people.worker),
        "in_review",
    )
    Case.objects.filter(pk=zhang.pk).update(tier_since=timezone.now() - timedelta(days=10))
    li = drive(
        services.case_file(program=funded, household=a1_li, cycle="2026", actor=people.worker),
        "approved",
    )
    wang = services.case_file(program=funded, household=a2_wang, cycle="2026", actor=town_worker)
    zhao = services.case_submit(
        case=services.case_file(
            program=funded, household=b1_zhao, cycle="2026", actor=people.worker_b
        ),
        actor=people.worker_b,
    )
    return {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao}


def test_the_list_shows_only_the_users_region_newest_first(client, cases, people):
    # given a township A reviewer, a village B1 case worker and a county reviewer
    client.force_login(people.town_rev)
    # when / then: township A sees its three cases, newest first, not B1's
    response = client.get(URL)
    assert response.status_code == 200
    assert _numbers(response) == [cases[k].number for k in ("wang", "li", "zhang")]
    assert cases["zhao"].number not in response.content.decode()
    client.force_login(people.worker_b)
    assert _numbers(client.get(URL)) == [cases["zhao"].number]
    client.force_login(people.county_rev)
    assert len(_numbers(client.get(URL))) == 4


def test_a_user_without_case_permission_or_region_sees_nothing(client, cases, people, officer):
    client.force_login(people.nobody)
    assert client.get(URL).status_code == 403
    client.force_login(officer)  # finance: no case permission
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "approved"}, ["li"]),
        ({"status": "draft"}, ["wang"]),
        ({"tier": "1"}, ["zhang"]),
        ({"waiting": "7"}, ["zhang"]),
        ({"waiting": "11"}, []),
        ({"name": "小明"}, ["zhang"]),  # any part of a Chinese name
        ({"name": "红"}, ["li"]),
        ({"name": "赵丽"}, []),  # beside the user's region
        ({"status": "", "program": "", "name": ""}, ["wang", "li", "zhang"]),  # a blank form
    ],
)
def test_filters_narrow_the_users_cases(client, cases, people, query, expected):
    client.force_login(people.town_rev)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert _numbers(response) == [cases[k].number for k in expected]


def test_case_number_matches_exactly_or_by_its_beginning(client, cases, people):
    client.force_login(people.county_rev)
    zhang = cases["zhang"].number  # e.g. RC202612-000001
    assert _numbers(client.get(URL, {"number": zhang.lower()})) == [zhang]
    by_month = _numbers(client.get(URL, {"number": zhang[:8]}))
    assert sorted(by_month) == sorted(c.number for c in cases.values())
    assert _numbers(client.get(URL, {"number": zhang[1:]})) == []  # not a substring


def test_program_and_region_filters(client, cases, people, world):
    other = make_program(code="OTHER1")
    client.force_login(people.town_rev)
    assert _numbers(client.get(URL, {"program": other.pk})) == []
    response = client.get(URL, {"region": world.village_a2.pk})
    assert _numbers(response) == [cases["wang"].number]


def test_a_region_beside_the_users_is_refused_next_to_the_field(client, cases, people, world):
    client.force_login(people.town_rev)
    response = client.get(
        URL, {"region": world.village_b1.pk, "name": "赵"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.context["rows"] == []
    form = response.context["form"]
    assert "region" in form.errors
    assert form["name"].value() == "赵"  # what was typed is kept
    body = response.content.decode()
    assert "Select a valid choice" in body


def test_bad_numbers_are_errors_not_crashes(client, cases, people):
    client.force_login(people.town_rev)
    for field, value in (("tier", "abc"), ("waiting", "-3"), ("waiting", "1e400")):
        response = client.get(URL, {field: value})
        assert response.status_code == 400, (field, value)
        assert field in response.context["form"].errors
    # a paging key that is no id is the first page
    assert len(_numbers(client.get(URL, {"after": "x"}))) == 3


def test_pages_follow_the_key_not_a_count(client, cases, people, monkeypatch):
    # given pages of two
    monkeypatch.setattr(selectors, "CASE_PAGE_SIZE", 2)
    client.force_login(people.county_rev)
    # when
    first = client.get(URL)
    # then: the two newest, and a link to the rest starting below the last shown
    assert _numbers(first) == [cases["zhao"].number, cases["wang"].number]
    assert first.context["next_after"] == cases["wang"].pk
    second = client.get(URL, {"after": first.context["next_after"]})
    assert _numbers(second) == [cases["li"].number, cases["zhang"].number]
    assert second.context["next_after"] is None
    # filters are kept in the paging links
    filtered = client.get(URL, {"name": "明", "after": cases["zhao"].pk})
    assert _numbers(filtered) == [cases["zhang"].number]


def test_the_page_takes_no_count_and_few_queries(client, cases, people):
    client.force_login(people.county_rev)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"name": "明"}).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sql
    assert len(queries.captured_queries) < 20


def test_download_has_the_same_filters(client, cases, people):
    # given the auditor (exports) of the county
    client.force_login(people.auditor)
    # when
    response = client.get(URL, {"name": "小明", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Case"
    assert [r[0] for r in rows[1:]] == [cases["zhang"].number]
    assert rows[1][4] == "张小明"
    xlsx = client.get(URL, {"status": "approved", "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_download_needs_the_export_permission(client, cases, people):
    client.force_login(people.town_rev)  # a reviewer reads cases but does not export
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_the_api_searches_by_number_and_name_alike(cases, people):
    # given the API's case list, which reads the same search as the screen
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(people.town_rev)

    def numbers(**query):
        response = api.get("/api/approvals/cases/", query)
        assert response.status_code == 200, response.content
        return [row["number"] for row in response.json()["results"]]

    # when / then
    assert numbers(person="小明") == [cases["zhang"].number]
    assert numbers(person="赵丽") == []  # beside the caller's region
    assert numbers(number=cases["li"].number.lower()) == [cases["li"].number]
    assert len(numbers(number=cases["li"].number[:8])) == 3


def test_households_are_found_by_any_part_of_a_name_or_their_number(client, cases, people):
    # given the township A reviewer's households
    client.force_login(people.town_rev)
    url = reverse("approvals:households")

    def heads(query):
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        return sorted(h.head.name for h in response.context["households"])

    # then: a part of a Chinese name, the household's number; never beside the region
    assert heads("红梅") == ["李红梅"]
    assert heads(str(cases["wang"].household_id)) == ["王建国"]
    assert heads("赵") == []
    assert heads("") == ["张小明", "李红梅", "王建国"]
    # the download has the same search, for those who export
    assert client.get(url, {"q": "红梅", "format": "csv"}).status_code == 403
    client.force_login(people.auditor)
    download = client.get(url, {"q": "红梅", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["Household", "Village", "Head of household", "People"]
    assert [r[2] for r in rows[1:]] == ["李红梅"]
