"""Working days beyond the calendar package: the administrator enters a year's official holiday
schedule (in the admin, or imported from a CSV file by the admin screen or a command), it is
consulted before the package, and a year neither knows stays refused, saying where to enter it.

The 2027 days below are test data, not the State Council's schedule (which the administrator
enters once published): Friday 1 January a holiday, Saturday 2 January a make-up workday."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from approvals import services
from approvals.exceptions import InvalidInput, NotAllowed
from approvals.models import HolidayScheduleDay, HolidayScheduleYear
from common import workdays
from common.workdays import CalendarYearUnknown, deadline, is_workday, period_end
from ledger.models import AuditEvent

from .factories import fund_money, make_program
from .test_notice_rules import _publish, on_day  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = "date,kind,note\n2027-01-01,holiday,元旦\n2027-01-02,workday,元旦 调休\n".encode()


@pytest.fixture
def admin_user(people):
    people.admin.is_staff = True
    people.admin.save(update_fields=["is_staff"])
    return people.admin


def _snapshot():
    return (
        list(HolidayScheduleYear.objects.order_by("year").values_list("year", "complete")),
        list(HolidayScheduleDay.objects.order_by("date").values_list("date", "kind")),
    )


def test_a_count_into_2027_is_refused_then_counted_once_the_administrator_enters_2027(people):
    # seven working days after Monday 28 December 2026 reach into 2027, which the package
    # (1.11) does not know
    assert workdays.covered_years()[1] == 2026
    with translation.override("en"), pytest.raises(CalendarYearUnknown) as refused:
        deadline(date(2026, 12, 28), 7)
    message = str(refused.value)
    assert "2027" in message and "Holiday schedules" in message and "CSV" in message
    assert "calendar days" in message
    # the administrator imports 2027's schedule: the count is made, the holiday skipped and
    # the make-up Saturday counted (29, 30, 31 December, Sat 2, Mon 4, Tue 5, Wed 6 January)
    services.holiday_schedule_import(year=2027, content=SCHEDULE_2027, actor=people.admin)
    assert deadline(date(2026, 12, 28), 7) == date(2027, 1, 6)
    assert not is_workday(date(2027, 1, 1)) and is_workday(date(2027, 1, 2))
    # outside the days entered, the ordinary week
    assert is_workday(date(2027, 3, 3)) and not is_workday(date(2027, 3, 6))
    assert workdays.year_known(2027) and not workdays.year_known(2028)


def test_without_the_make_up_workday_the_count_ends_a_day_later(people):
    content = b"date,kind,note\n2027-01-01,holiday,\n"
    services.holiday_schedule_import(year=2027, content=content, actor=people.admin)
    # 29, 30, 31 December, Mon 4 ... Thu 7 January: Saturday 2 January is a rest day now
    assert deadline(date(2026, 12, 28), 7) == date(2027, 1, 7)


def test_days_entered_but_not_marked_complete_leave_the_year_refused(people):
    services.holiday_schedule_import(
        year=2027, content=SCHEDULE_2027, actor=people.admin, complete=False
    )
    with pytest.raises(CalendarYearUnknown, match="2027"):
        period_end(date(2027, 1, 4), 5, "working")
    # the days entered hold all the same, and calendar days need no calendar
    assert is_workday(date(2027, 1, 2))
    assert period_end(date(2027, 1, 4), 5, "calendar") == date(2027, 1, 8)


def test_the_administrator_s_days_go_before_the_package(people):
    # the package says Thursday 31 December 2026 is a working day; a correction entered by the
    # administrator makes it a holiday (and a make-up Sunday a working day)
    assert is_workday(date(2026, 12, 31))
    HolidayScheduleDay.objects.create(
        schedule=HolidayScheduleYear.objects.create(year=2026),
        date=date(2026, 12, 31),
        kind="holiday",
    )
    assert not is_workday(date(2026, 12, 31))
    assert period_end(date(2026, 12, 28), 3, "working") == date(2026, 12, 30)
    with pytest.raises(CalendarYearUnknown):  # the fourth working day lies in 2027
        period_end(date(2026, 12, 28), 4, "working")


def test_a_notice_in_working_days_into_2027_is_published_once_2027_is_entered(
    people,
    world,
    household,
    on_day,  # noqa: F811
):
    program = make_program(code="WORK", notice_day_count="working")
    fund_money(5000)
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    for reviewer in (people.village_rev, people.town_rev, people.county_rev):
        case = services.case_approve(case=case, actor=reviewer)
    on_day(date(2026, 12, 28))
    with pytest.raises(CalendarYearUnknown, match="2027"):
        _publish(case, world.village_a1, people.town_rev)
    services.holiday_schedule_import(year=2027, content=SCHEDULE_2027, actor=people.admin)
    notice = _publish(case, world.village_a1, people.town_rev)
    # 28, 29, 30, 31 December, Sat 2, Mon 4, Tue 5 January
    assert (notice.starts_on, notice.ends_on) == (date(2026, 12, 28), date(2027, 1, 5))


# --------------------------------------------------------------------------------------------
# the import: the whole file or nothing, by the administrator only, audited
# --------------------------------------------------------------------------------------------
def test_the_import_replaces_the_year_and_is_audited(people):
    services.holiday_schedule_import(year=2027, content=SCHEDULE_2027, actor=people.admin)
    again = services.holiday_schedule_import(
        year=2027,
        content="date,kind,note\n2027-01-01,休,元旦\n".encode(),
        source="国办发明电",
        actor=people.admin,
    )
    assert again.complete and again.source == "国办发明电" and again.changed_by == people.admin
    assert list(again.days.values_list("date", "kind", "note")) == [
        (date(2027, 1, 1), "holiday", "元旦")
    ]
    event = AuditEvent.objects.filter(action="holiday_schedule.import").latest("id")
    assert event.data["days"] == 1 and event.data["replaced"] == 2 and event.data["year"] == 2027


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("date,kind\n2027-01-03,workday\n2027-13-01,holiday\n", "2027-13-01"),
        ("date,kind\n2027-01-04,workday\n", "weekday"),
        ("date,kind\n2028-01-01,holiday\n", "not in 2027"),
        ("date,kind\n2027-01-01,off\n", "neither holiday"),
        ("date,kind\n2027-01-01,holiday\n2027-01-01,holiday\n", "appears again"),
        ("date,kind\n", "no day of 2027"),
    ],
)
def test_a_bad_file_is_refused_whole_and_nothing_changes(people, content, words):
    services.holiday_schedule_import(year=2027, content=SCHEDULE_2027, actor=people.admin)
    before = _snapshot()
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.holiday_schedule_import(year=2027, content=content.encode(), actor=people.admin)
    assert words in str(refused.value) and "nothing changed" in str(refused.value)
    assert _snapshot() == before


def test_only_the_administrator_imports(people):
    with pytest.raises(NotAllowed):
        services.holiday_schedule_import(year=2027, content=SCHEDULE_2027, actor=people.worker)
    assert _snapshot() == ([], [])


def test_the_command_imports_a_file(people, tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes(SCHEDULE_2027)
    call_command("import_holidays", "2027", str(path), "--user", people.admin.username)
    assert workdays.year_known(2027)
    path.write_bytes(b"date,kind\n2027-01-04,workday\n")
    with pytest.raises(CommandError, match="weekday"):
        call_command("import_holidays", "2027", str(path), "--user", people.admin.username)


# --------------------------------------------------------------------------------------------
# the admin screens
# --------------------------------------------------------------------------------------------
def _inline(rows):
    data = {
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (day, kind) in enumerate(rows):
        data[f"days-{i}-date"] = day
        data[f"days-{i}-kind"] = kind
        data[f"days-{i}-note"] = ""
    return data


def test_the_administrator_enters_a_year_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:approvals_holidayscheduleyear_add")
    # a make-up workday on a weekday is refused, nothing saved
    bad = client.post(
        url,
        {"year": "2027", "complete": "on", "source": "", **_inline([("2027-01-04", "workday")])},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and "is a weekday" in bad.content.decode()
    assert _snapshot() == ([], [])
    # a day of another year is refused too
    bad = client.post(
        url,
        {"year": "2027", "complete": "on", **_inline([("2026-12-31", "holiday")])},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "is not in 2027" in bad.content.decode() and _snapshot() == ([], [])
    response = client.post(
        url,
        {
            "year": "2027",
            "complete": "on",
            "source": "test data",
            **_inline([("2027-01-01", "holiday"), ("2027-01-02", "workday")]),
        },
    )
    assert response.status_code == 302
    assert deadline(date(2026, 12, 28), 7) == date(2027, 1, 6)
    schedule = HolidayScheduleYear.objects.get()
    assert schedule.changed_by == admin_user
    assert AuditEvent.objects.filter(action="holiday_schedule.change").count() == 1
    # the list shows it, in both languages
    listing = client.get(
        reverse("admin:approvals_holidayscheduleyear_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Import a year's schedule (CSV)" in listing.content.decode()
    zh = client.get(
        reverse("admin:approvals_holidayscheduleyear_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "节假日安排" in zh and "导入" in zh


def test_the_admin_imports_a_csv_file(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:approvals_holidayscheduleyear_import")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "State Council" in page.content.decode()
    bad = client.post(
        url,
        {
            "year": "2027",
            "complete": "on",
            "file": SimpleUploadedFile("2027.csv", b"date,kind\n2027-01-04,workday\n"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "weekday" in bad.content.decode()
    assert _snapshot() == ([], [])
    done = client.post(
        url,
        {"year": "2027", "complete": "on", "file": SimpleUploadedFile("2027.csv", SCHEDULE_2027)},
    )
    assert done.status_code == 302
    assert workdays.year_known(2027) and is_workday(date(2027, 1, 2))


def test_the_import_screen_is_the_administrator_s(client, people):
    people.worker.is_staff = True
    people.worker.save(update_fields=["is_staff"])
    client.force_login(people.worker)
    response = client.get(reverse("admin:approvals_holidayscheduleyear_import"))
    assert response.status_code == 403


def test_the_refusal_names_where_to_enter_the_year_in_chinese():
    with translation.override("zh-hans"), pytest.raises(CalendarYearUnknown) as refused:
        deadline(date(2026, 12, 28), 7)
    assert "2027 年" in str(refused.value) and "节假日安排" in str(refused.value)
    assert "自然日" in str(refused.value)


def test_a_schedule_file_past_the_limits_is_refused(client, admin_user, settings):
    # issue 13, finding 9: the size checked before reading, the lines while reading
    client.force_login(admin_user)
    url = reverse("admin:approvals_holidayscheduleyear_import")
    big = b"date,kind,note\n" + b"2027-01-01,holiday,x\n" * 60_000  # 1.3 MB
    response = client.post(
        url,
        {"year": "2027", "complete": "on", "file": SimpleUploadedFile("big.csv", big)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (
        response.status_code in (200, 400) and "big.csv is too large" in response.content.decode()
    )
    settings.UPLOAD_LIMITS = {"holidays": {"rows": 5}}
    with translation.override("en"), pytest.raises(InvalidInput, match="more than 5 rows"):
        services.holiday_schedule_import(
            year=2027,
            content=b"date,kind,note\n" + b"2027-01-01,holiday,x\n" * 10,
            actor=admin_user,
        )
    assert _snapshot() == ([], [])
