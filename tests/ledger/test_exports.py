"""Exports: the reusable helper (xlsx and CSV) and each finance list's download."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from djmoney.money import Money
from openpyxl import load_workbook

from common.exports import FORMATS, csv_response, export_response, xlsx_response
from tests.fundapp import ensure_compiled_messages
from tests.ledger.factories import transfer


def _sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def _csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM, so Excel reads Chinese correctly
    return list(csv.reader(io.StringIO(text[1:])))


# --------------------------------------------------------------------------------------------
# the helper
# --------------------------------------------------------------------------------------------
ROWS = [
    ["1002", "银行存款", Decimal("1234.5"), Money(Decimal("7.25"), "CNY"), date(2025, 1, 31)],
    ["2201", None, Decimal("-10.00"), None, datetime(2025, 1, 31, 16, 0, tzinfo=UTC)],
]
HEADERS = [gettext_lazy("Code"), "名称", "Balance", "Money", "When"]


def test_xlsx_keeps_money_numeric_and_dates_real(db):
    # given rows with decimals, Money, a date and an aware datetime
    # when they are written as xlsx (headers are lazy translations, read in English here)
    with translation.override("en"):
        response = xlsx_response(title="测试/Test: list", headers=HEADERS, rows=ROWS)

    # then the workbook has the headers, exact numbers, real dates, and a safe sheet name
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _sheet(response)
    assert sheet.title == "测试 Test  list"
    assert [c.value for c in sheet[1]] == ["Code", "名称", "Balance", "Money", "When"]
    assert sheet["C2"].value == pytest.approx(1234.5)
    assert sheet["C2"].number_format == "#,##0.00"
    assert sheet["D2"].value == pytest.approx(7.25)
    assert sheet["E2"].value == datetime(2025, 1, 31)
    assert sheet["B3"].value is None
    assert sheet["C3"].value == -10
    # 16:00 UTC is midnight in Asia/Shanghai, the site's time zone
    assert sheet["E3"].value == datetime(2025, 2, 1, 0, 0)


def test_csv_is_utf8_with_bom_and_plain_figures(db):
    # when the same rows are written as CSV, once in Chinese
    ensure_compiled_messages()
    with translation.override("zh-hans"):
        response = csv_response(title="测试", headers=HEADERS, rows=ROWS)

    # then the lazy header is translated, figures are plain two-decimal numbers and dates ISO
    rows = _csv_rows(response)
    assert rows[0] == ["代码", "名称", "Balance", "Money", "When"]
    assert rows[1] == ["1002", "银行存款", "1234.50", "7.25", "2025-01-31"]
    assert rows[2] == ["2201", "", "-10.00", "", "2025-02-01 00:00:00"]


def test_file_names_survive_chinese_titles(db):
    response = export_response(fmt="csv", title="试算平衡表 RELIEF", headers=["a"], rows=[])
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E8%AF%95%E7%AE%97" in disposition
    assert disposition.split('"')[1].endswith(".csv")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export_response(fmt="pdf", title="x", headers=[], rows=[])
    assert FORMATS == ("xlsx", "csv")


# --------------------------------------------------------------------------------------------
# the finance lists
# --------------------------------------------------------------------------------------------
@pytest.fixture
def books(db):
    transfer("1001", "3102", "1000.00", memo="cash donation", day=date(2025, 4, 1))
    transfer("1002", "1001", "600.00", memo="deposit", day=date(2025, 4, 2))
    transfer("5101", "2201", "250.50", memo="award accrued", day=date(2025, 4, 3), fund="RELIEF")


@pytest.fixture
def english(client, auditor):
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_chart_xlsx(english, books):
    # when the chart is exported to Excel
    response = english.get(reverse("ledger:chart"), {"format": "xlsx"})

    # then each account has a row, balances are numbers on the normal side, currency beside
    sheet = _sheet(response)
    header = [c.value for c in sheet[1]]
    assert header == ["Code", "Name", "Type", "Normal side", "Parent", "Balance", "Currency"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["1001"][1:4] == ("Cash on hand", "asset", "debit")
    assert rows["1001"][5] == pytest.approx(400) and rows["1001"][6] == "CNY"
    assert rows["3102"][5] == pytest.approx(1000)  # income: credit balance shown positive
    assert rows["2201"][5] == pytest.approx(250.5)
    assert rows["3101"][5] is None and rows["3101"][6] is None  # no balance yet


def test_journal_csv_has_one_row_per_line(english, books):
    # when the journal, filtered by text, is exported to CSV
    response = english.get(reverse("ledger:journal"), {"text": "deposit", "format": "csv"})

    # then the file holds that entry's two lines with debit/credit columns and currency
    rows = _csv_rows(response)
    assert rows[0][:12] == [
        "No.",
        "Date",
        "Period",
        "Memo",
        "Source",
        "Line",
        "Account code",
        "Account",
        "Fund",
        "Debit",
        "Credit",
        "Currency",
    ]
    body = rows[1:]
    assert len(body) == 2
    assert [(r[3], r[6], r[9], r[10], r[11]) for r in body] == [
        ("deposit", "1002", "600.00", "", "CNY"),
        ("deposit", "1001", "", "600.00", "CNY"),
    ]
    assert body[0][1] == "2025-04-02" and body[0][2] == "2025-04"


def test_trial_balance_xlsx_with_totals(english, books):
    # when the trial balance is exported
    response = english.get(reverse("ledger:trial-balance"), {"format": "xlsx"})

    # then every account row and a total row per currency are there, and totals agree
    sheet = _sheet(response)
    assert [c.value for c in sheet[1]] == ["Code", "Account", "Debit", "Credit", "Currency"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows[:-1]] == ["1001", "1002", "2201", "3102", "5101"]
    total = rows[-1]
    assert total[1] == "Total" and total[4] == "CNY"
    assert total[2] == pytest.approx(1250.5) and total[3] == pytest.approx(1250.5)


def test_statement_csv_runs_oldest_first_with_balances(english, books):
    # when the cash account's statement is exported
    from ledger.models import Account

    cash = Account.objects.get(code="1001")
    response = english.get(
        reverse("ledger:statement"), {"account": cash.pk, "currency": "CNY", "format": "csv"}
    )

    # then every line is there, oldest first, with its running balance
    rows = _csv_rows(response)
    assert rows[0] == [
        "No.",
        "Date",
        "Memo",
        "Fund",
        "Debit",
        "Credit",
        "Balance",
        "Currency",
        "Line memo",
    ]
    assert [(r[2], r[4], r[5], r[6]) for r in rows[1:]] == [
        ("cash donation", "1000.00", "", "1000.00"),
        ("deposit", "", "600.00", "400.00"),
    ]


def test_headers_are_chinese_in_chinese(client, auditor, books):
    # given the Chinese catalogue and a user reading in Chinese
    ensure_compiled_messages()
    client.force_login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    # when the trial balance is exported
    sheet = _sheet(client.get(reverse("ledger:trial-balance"), {"format": "xlsx"}))
    rows = list(sheet.iter_rows(values_only=True))

    # then the headers and the total row are in Chinese, and account names too
    assert list(rows[0]) == ["代码", "科目", "借方", "贷方", "币种"]
    assert rows[1][1] == "库存现金"
    assert rows[-1][1] == "合计"
    assert sheet.title.startswith("试算平衡表")
