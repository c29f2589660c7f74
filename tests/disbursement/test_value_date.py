"""The bank's value date is the payment date (issue 11, point 8): ``paid_at``, the ledger
entry's date and the timeliness figures all use it, whether the file carries a value-date
column or the importer states the day for the whole file; a value date in the future, before
the batch was sent to the bank, or in a closed period is refused and nothing is booked. Through
the service, the command, the screen and the API; on both engines (the PostgreSQL import
writes by COPY)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from approvals.models import Case
from disbursement import selectors, services
from disbursement.exceptions import BankFileRejected, InvalidInput
from disbursement.models import BankLayout, Payment, PayoutBatch
from ledger.models import Period
from ledger.services.periods import period_close

from .conftest import LAYOUT
from .test_api import API, _upload, api, start  # noqa: F401 - start is a fixture
from .util import HEADER, csv_bytes, result_rows, snapshot

TODAY = timezone.localdate
WITH_DATE = [*HEADER, "交易日期"]


@pytest.fixture
def dated_layout(db):
    columns = {**LAYOUT["result_columns"], "value_date": "交易日期"}
    return BankLayout.objects.create(name="建设银行", **{**LAYOUT, "result_columns": columns})


@pytest.fixture
def sent_long_ago(final_cases, people, relief, layout):
    """A batch of three awards final 20 days ago, sent to the bank 10 days ago."""
    today = TODAY()
    Case.objects.filter(pk__in=[c.pk for c in final_cases]).update(
        final_at=_at(today - timedelta(days=20), 15)
    )
    batch = services.batch_build(program=relief, actor=people.officer)
    services.batch_approve(batch=batch, actor=people.supervisor)
    services.batch_export(batch=batch, layout=layout, actor=people.officer)
    PayoutBatch.objects.filter(pk=batch.pk).update(exported_at=_at(today - timedelta(days=10), 9))
    batch.refresh_from_db()
    return batch


def _at(day: date, hour: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _payments(batch):
    return list(Payment.objects.filter(batch=batch).order_by("id"))


def _dated_rows(batch, days: list[str], **kw):
    rows = result_rows(_payments(batch), **kw)
    return [[*row, day] for row, day in zip(rows, days, strict=True)]


def _in_open_period(day: date) -> bool:
    period = Period.objects.filter(start__lte=day, end__gte=day).first()
    return period is None or period.status == "open"


def test_the_value_date_of_each_line_is_the_payment_date(sent_long_ago, people, dated_layout):
    today = TODAY()
    first, second = today - timedelta(days=8), today - timedelta(days=7)
    days = [first.isoformat(), second.strftime("%Y%m%d"), second.strftime("%Y/%m/%d")]
    imp = services.results_import(
        batch=sent_long_ago,
        layout=dated_layout,
        content=csv_bytes(_dated_rows(sent_long_ago, days), header=WITH_DATE),
        filename="r.csv",
        actor=people.officer,
    )
    assert imp.paid_count == 3
    payments = _payments(sent_long_ago)
    # paid_at is the value date (its first moment, local time), the entry is dated on it
    assert [timezone.localtime(p.paid_at) for p in payments] == [
        _at(first),
        _at(second),
        _at(second),
    ]
    assert [p.entry.date for p in payments] == [first, second, second]
    # and the days to payment run from the day the award became final to the value date
    assert [selectors.payment_days(p) for p in payments] == [12, 13, 13]
    timing = selectors.payment_timeliness(batch=sent_long_ago)
    assert (timing.paid, timing.longest_days, str(timing.average_days)) == (3, 13, "12.7")


def test_a_value_date_stated_for_the_whole_file(sent_long_ago, people, layout):
    paid_on = TODAY() - timedelta(days=3)
    services.results_import(
        batch=sent_long_ago,
        layout=layout,
        content=csv_bytes(result_rows(_payments(sent_long_ago), charge=None)),
        filename="r.csv",
        value_date=paid_on,
        actor=people.officer,
    )
    payments = _payments(sent_long_ago)
    assert {timezone.localdate(p.paid_at) for p in payments} == {paid_on}
    assert {p.entry.date for p in payments} == {paid_on}
    assert {selectors.payment_days(p) for p in payments} == {17}


def test_without_a_value_date_the_import_day_is_the_payment_date(sent_long_ago, people, layout):
    services.results_import(
        batch=sent_long_ago,
        layout=layout,
        content=csv_bytes(result_rows(_payments(sent_long_ago))),
        filename="r.csv",
        actor=people.officer,
    )
    assert {p.entry.date for p in _payments(sent_long_ago)} == {TODAY()}
    assert {timezone.localdate(p.paid_at) for p in _payments(sent_long_ago)} == {TODAY()}


def test_a_bank_charge_is_booked_on_the_value_date_too(sent_long_ago, people, dated_layout):
    day = TODAY() - timedelta(days=2)
    payments = _payments(sent_long_ago)
    rows = _dated_rows(
        sent_long_ago,
        [day.isoformat()] * 3,
        failed={payments[0].reference},
        charge={payments[0].reference: "1.50"},
    )
    services.results_import(
        batch=sent_long_ago,
        layout=dated_layout,
        content=csv_bytes(rows, header=WITH_DATE),
        filename="r.csv",
        actor=people.officer,
    )
    from ledger.models import JournalEntry

    charge = JournalEntry.objects.get(idempotency_key=f"charge:{payments[0].pk}")
    assert charge.date == day


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        ("tomorrow", "bad_value_date", "lies in the future"),
        ("before_sent", "bad_value_date", "before batch PB"),
        ("31.02.2026", "bad_value_date", "is not a date"),
        ("", "missing_value_date", "reported paid without a value date"),
    ],
)
def test_a_value_date_the_bank_cannot_have_paid_on_refuses_the_file(
    sent_long_ago, people, dated_layout, value, code, says
):
    today = TODAY()
    bad = {
        "tomorrow": (today + timedelta(days=1)).isoformat(),
        "before_sent": (today - timedelta(days=11)).isoformat(),
    }.get(value, value)
    days = [(today - timedelta(days=1)).isoformat(), bad, today.isoformat()]
    before = snapshot()
    with pytest.raises(BankFileRejected) as refused:
        services.results_import(
            batch=sent_long_ago,
            layout=dated_layout,
            content=csv_bytes(_dated_rows(sent_long_ago, days), header=WITH_DATE),
            filename="r.csv",
            actor=people.officer,
        )
    assert [p["code"] for p in refused.value.problems] == [code]
    assert refused.value.problems[0]["line"] == 3
    assert says in refused.value.problems[0]["message"]
    assert snapshot() == before


def test_a_value_date_in_a_closed_period_refuses_the_file(sent_long_ago, people, dated_layout):
    # the bank sent the file long ago; the month it says it paid in is closed
    today = TODAY()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    last_month = Period.objects.filter(start__lte=last_month_end, end__gte=last_month_end).first()
    if last_month is None:
        last_month = Period.objects.create(
            code=last_month_end.strftime("%Y-%m"),
            start=last_month_end.replace(day=1),
            end=last_month_end,
        )
    period_close(period=last_month, actor=people.supervisor, confirm=True)
    PayoutBatch.objects.filter(pk=sent_long_ago.pk).update(exported_at=_at(last_month.start, 9))
    before = snapshot()
    days = [last_month_end.isoformat(), today.isoformat(), today.isoformat()]
    with pytest.raises(BankFileRejected) as refused:
        services.results_import(
            batch=sent_long_ago,
            layout=dated_layout,
            content=csv_bytes(_dated_rows(sent_long_ago, days), header=WITH_DATE),
            filename="r.csv",
            actor=people.officer,
        )
    message = refused.value.problems[0]["message"]
    assert "closed for good" in message and last_month.code in message
    assert snapshot() == before


def test_a_bad_value_date_for_the_whole_file_is_refused_at_once(sent_long_ago, people, layout):
    before = snapshot()
    content = csv_bytes(result_rows(_payments(sent_long_ago)))
    for day, says in (
        (TODAY() + timedelta(days=1), "lies in the future"),
        (TODAY() - timedelta(days=30), "before batch PB"),
    ):
        with pytest.raises(InvalidInput, match=says):
            services.results_import(
                batch=sent_long_ago,
                layout=layout,
                content=content,
                filename="r.csv",
                value_date=day,
                actor=people.officer,
            )
    assert snapshot() == before


def test_the_command_takes_a_value_date(sent_long_ago, people, layout, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes(result_rows(_payments(sent_long_ago))))
    future = (TODAY() + timedelta(days=2)).isoformat()
    args = [str(sent_long_ago.pk), layout.name, str(path), "--user", "officer"]
    with pytest.raises(CommandError, match="future"):
        call_command("import_bank_results", *args, "--value-date", future)
    day = TODAY() - timedelta(days=1)
    call_command("import_bank_results", *args, "--value-date", day.isoformat())
    assert {p.entry.date for p in _payments(sent_long_ago)} == {day}


def test_the_api_takes_and_checks_a_value_date(sent_long_ago, people, layout, start):  # noqa: F811
    content = csv_bytes(result_rows(_payments(sent_long_ago)))
    before = snapshot()
    body = {"batch": sent_long_ago.pk, "layout": layout.pk, "file": _upload(content)}
    future = (TODAY() + timedelta(days=1)).isoformat()
    response, _job = start(
        people.officer, f"{API}/result-imports/", {**body, "value_date": future}, fmt="multipart"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert "future" in response.json()["message"]
    assert snapshot() == before
    day = TODAY() - timedelta(days=4)
    body["file"] = _upload(content)
    response, job = start(
        people.officer,
        f"{API}/result-imports/",
        {**body, "value_date": day.isoformat()},
        fmt="multipart",
    )
    assert response.status_code == 202
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert {p.entry.date for p in _payments(sent_long_ago)} == {day}
    listed = (
        api(people.supervisor).get(f"{API}/batches/{sent_long_ago.pk}/payments/").json()["results"]
    )
    assert {row["days_to_payment"] for row in listed} == {16}


def test_the_screen_takes_a_value_date(
    client, sent_long_ago, people, layout, django_capture_on_commit_callbacks
):
    client.force_login(people.officer)
    url = reverse("payouts:batch-import", args=[sent_long_ago.pk])
    content = csv_bytes(result_rows(_payments(sent_long_ago)))
    page = client.get(reverse("payouts:batch", args=[sent_long_ago.pk]))
    assert "import-value_date" in page.content.decode()
    day = TODAY() - timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {
                "import-layout": layout.pk,
                "import-file": SimpleUploadedFile("r.csv", content),
                "import-value_date": day.isoformat(),
            },
        )
    assert {p.entry.date for p in _payments(sent_long_ago)} == {day}
    assert _in_open_period(day)
