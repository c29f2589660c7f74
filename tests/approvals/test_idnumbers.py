"""Resident ID numbers accepted as they are issued (issue 11, point 1).

The address code of an ID number is the county code in force when the number was issued, so it
may be younger than the person. python-stdnum's ``cn.ric.validate`` refuses such numbers; ours
checks the format, the check character and the birth date, and the address code only against
the county codes of every era. The refusals say what is wrong, fully in the user's language.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import stdnum
from django.urls import reverse
from django.utils import translation
from stdnum.cn import ric

from approvals import services
from approvals.exceptions import InvalidIdNumber
from approvals.idnumbers import check_character, id_number_parse
from approvals.models import Household, Person
from approvals.services import PersonSpec

from .test_api import API, post
from .test_views import _as, _household_post


def real_id(region: str, birth: str, sequence: int = 123) -> str:
    """An 18-character number shaped like a real one: its check character computed by GB 11643
    (with stdnum's own function, independent of ours)."""
    body = f"{region}{birth}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def _county_codes() -> list[tuple[str, str]]:
    """Every county-level code in stdnum's table with the years it was in use ("[1983-]")."""
    table = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    codes, province = [], None
    for line in table.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^(\d\d) ", line):
            province = m.group(1)
        elif (m := re.match(r"^  (\d{4}) county=\"(.*)\"", line)) and province:
            codes.append((province + m.group(1), m.group(2)))
    return codes


COUNTIES = _county_codes()
YOUNGER_THAN_ITS_PEOPLE = [  # county codes created after the people who carry them were born
    ("410102", "19620315"),  # 郑州市中原区, code since 1983: the genuine 1962 number
    ("330106", "19550701"),  # 杭州市西湖区, since 1983
    ("510107", "19480229"),  # 成都市武侯区, since 1990 (a leap day)
    ("110116", "19400101"),  # 北京市怀柔区, since 2001
    ("110118", "19731231"),  # 北京市密云区, since 2015
    ("500112", "19660606"),  # 重庆市渝北区, since 1994
]


def test_the_table_is_large_and_many_codes_are_younger_than_the_people_we_pay():
    assert len(COUNTIES) > 3000
    dated = [code for code, name in COUNTIES if re.match(r"\[(19[89]\d|20\d\d)-", name)]
    assert len(dated) > 500


@pytest.mark.parametrize(("region", "birth"), YOUNGER_THAN_ITS_PEOPLE)
def test_a_county_code_younger_than_the_person_is_accepted(region, birth):
    number = real_id(region, birth, 131)
    # stdnum refuses it (why it is not called), ours accepts it as issued
    assert not ric.is_valid(number)
    parsed = id_number_parse(number)
    assert parsed.number == number
    assert parsed.birth_date == date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    assert parsed.sex == "M"


def test_people_born_1940_to_2010_across_the_counties_are_accepted():
    # every 7th county of every era, each with people born from 1940 to 2010
    births = [f"{year}{(year % 12) + 1:02d}{(year % 28) + 1:02d}" for year in range(1940, 2011, 3)]
    checked = 0
    for index, (code, _name) in enumerate(COUNTIES[::7]):
        birth = births[index % len(births)]
        number = real_id(code, birth, 100 + index % 900)
        parsed = id_number_parse(number)
        assert parsed.birth_date.strftime("%Y%m%d") == birth
        assert parsed.sex == ("M" if (100 + index % 900) % 2 else "F")
        checked += 1
    assert checked > 400


def test_our_check_character_agrees_with_the_standard():
    for body in (
        "11010519491231002",
        "41010219620315131",
        "44030519991231999",
        "65010219400101001",
    ):
        assert check_character(body) == ric.calc_check_digit(body + "0")
    # a lower-case x, spaces and hyphens as people type them
    assert id_number_parse("11010519491231002x").number == "11010519491231002X"
    number = real_id("410102", "19620315", 131)
    typed = f"{number[:6]} {number[6:14]}-{number[14:]}"
    assert id_number_parse(typed).number == number


GOOD = real_id("410102", "19620315", 131)
REFUSALS = [
    # (number, English, Chinese)
    (
        GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"),
        "does not match the 17 digits before it",
        "与前 17 位不符",
    ),
    (real_id("410102", "19620230"), "not a possible date of birth", "不是可能的出生日期"),
    (real_id("410102", "18790101"), "not a possible date of birth", "不是可能的出生日期"),
    (real_id("410102", "20991231"), "lies in the future", "在今天之后"),
    (real_id("999999", "19620315"), "has never been a county code of China", "县级行政区划代码"),
    (real_id("410199", "19620315"), "has never been a county code of China", "县级行政区划代码"),
    (GOOD[:17], "has 18 characters; 17 were given", "应有 18 位"),
    ("410102620315131", "has 18 characters; 15 were given", "应有 18 位"),
    (GOOD[:10] + "A" + GOOD[11:], "17 digits followed by a digit or the letter X", "字母 X"),
]


@pytest.mark.parametrize(("number", "english", "chinese"), REFUSALS)
def test_refusals_say_what_is_wrong_in_both_languages(number, english, chinese):
    with translation.override("en"), pytest.raises(InvalidIdNumber) as refused:
        id_number_parse(number)
    assert english in str(refused.value)
    assert number[6:14] not in str(refused.value) or len(number) < 14  # birth date not echoed
    with translation.override("zh-hans"), pytest.raises(InvalidIdNumber) as refused:
        id_number_parse(number)
    message = str(refused.value)
    assert chinese in message
    # no English sentence left in the Chinese message (only the masked number and codes)
    assert not re.search(r"[A-Za-z]{3,}", message), message


def test_the_future_is_counted_from_today():
    number = real_id("410102", "20261208")
    assert id_number_parse(number, today=date(2026, 12, 8)).birth_date == date(2026, 12, 8)
    with pytest.raises(InvalidIdNumber, match="future"):
        id_number_parse(number, today=date(2026, 12, 7))


def test_household_register_accepts_the_1962_number_and_refuses_a_bad_one(people, world):
    household = services.household_register(
        region=world.village_a1,
        address="梅园一村1号",
        people=[PersonSpec("李建国", GOOD, "head")],
        actor=people.worker,
    )
    head = household.people.get()
    assert (head.birth_date, head.sex) == (date(1962, 3, 15), "M")
    assert head.id_number_plain() == GOOD
    with pytest.raises(InvalidIdNumber, match="never been a county code"):
        services.household_register(
            region=world.village_a1,
            address="梅园一村2号",
            people=[PersonSpec("王五", real_id("999999", "19620315"), "head")],
            actor=people.worker,
        )
    assert Household.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "english", "chinese"), [REFUSALS[0], REFUSALS[3], REFUSALS[4], REFUSALS[6]]
)
def test_the_household_form_shows_the_refusal_next_to_the_field(
    client, people, world, number, english, chinese
):
    for language, words in (("en", english), ("zh-hans", chinese)):
        response = _as(client, people.worker).post(
            reverse("approvals:household-new"),
            _household_post(world, number),
            HTTP_ACCEPT_LANGUAGE=language,
        )
        html = response.content.decode()
        assert response.status_code == 400
        errors = re.search(r'id="id_people-0-id_number_errors">(.*?)</div>', html, re.S)
        assert errors and words in errors.group(1)
        assert number in html  # what was typed stays in the field
    assert not Household.objects.exists()
    ok = client.post(reverse("approvals:household-new"), _household_post(world, GOOD))
    assert ok.status_code == 302
    assert Person.objects.get().birth_date == date(1962, 3, 15)


def _body(world, number):
    return {
        "region": world.village_a1.code,
        "address": "梅园一村3号",
        "people": [{"name": "李建国", "id_number": number, "relation": "head"}],
    }


@pytest.mark.parametrize(("number", "english", "chinese"), REFUSALS)
def test_the_api_refuses_with_the_code_and_message_in_both_languages(
    people, world, number, english, chinese
):
    for language, words in (("en", english), ("zh-hans", chinese)):
        response = post(
            people.worker,
            f"{API}/households/",
            _body(world, number),
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "invalid_id_number"
        assert words in response.json()["message"]
    assert not Household.objects.exists()


def test_the_api_registers_people_born_before_their_county_code(people, world):
    for index, (region, birth) in enumerate(YOUNGER_THAN_ITS_PEOPLE):
        body = _body(world, real_id(region, birth, 200 + index))
        body["address"] = f"梅园一村{index}号"
        response = post(people.worker, f"{API}/households/", body)
        assert response.status_code == 201, response.content
    assert Person.objects.count() == len(YOUNGER_THAN_ITS_PEOPLE)
