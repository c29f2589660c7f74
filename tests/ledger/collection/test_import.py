"""Bulk entry of donations from Excel and CSV: all rows valid or nothing recorded; twice is once."""

import io
from datetime import date

import pytest
from djmoney.money import Money
from openpyxl import Workbook

from ledger.collection.exceptions import ImportRefused
from ledger.collection.models import Donation, Donor, Receipt
from ledger.collection.services import donation_import
from ledger.models import JournalEntry

from .factories import UNIT_CODE, book, english  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

HEADER = [
    "捐赠方",
    "类型",
    "统一社会信用代码",
    "匿名",
    "基金",
    "金额",
    "币种",
    "方式",
    "日期",
    "项目",
]
TODAY = date.today().isoformat()


def rows_ok():
    return [
        ["县财政局", "单位", UNIT_CODE, "否", "RELIEF", "1000.00", "CNY", "银行", TODAY, ""],
        ["张小明", "个人", "", "否", "RELIEF", "200", "CNY", "现金", TODAY, "助学"],
        ["李四", "person", "", "yes", "REWARD", "30.5", "", "cash", TODAY, ""],
    ]


def csv_bytes(rows, header=HEADER):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def counts():
    return (
        Donation.objects.count(),
        Receipt.objects.count(),
        JournalEntry.objects.count(),
        Donor.objects.count(),
    )


@pytest.fixture(autouse=True)
def receipt_book():
    book(first=1, last=100)


@pytest.mark.parametrize("maker, name", [(csv_bytes, "day.csv"), (xlsx_bytes, "day.xlsx")])
def test_a_valid_file_records_every_row_once(maker, name):
    content = maker(rows_ok())
    progress = []
    result = donation_import(
        content=content, filename=name, actor=None, progress=lambda i, n: progress.append(i)
    )
    assert result.ok and len(result.recorded) == 3
    assert progress == [1, 2, 3]
    assert result.totals == {"CNY": Money("1230.50", "CNY")}
    assert Donor.objects.get(name="李四").anonymous
    # the same file again records nothing
    before = counts()
    again = donation_import(content=content, filename=name, actor=None)
    assert again.already_imported is not None and again.recorded == []
    assert counts() == before


def test_a_bad_row_is_reported_and_nothing_is_recorded():
    rows = rows_ok()
    rows[1][5] = "-3"  # negative amount in row 3 of the file
    rows[2][4] = "NOPE"  # unknown fund in row 4
    before = counts()
    result = donation_import(content=csv_bytes(rows), filename="day.csv", actor=None)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "amount"), (4, "fund")]
    assert "more than zero" in result.errors[0].message
    assert counts() == before


@pytest.mark.parametrize(
    "cell, column, message",
    [
        ((0, 2), "credit_code", "check character"),
        ((0, 5), "amount", "two decimal places"),
        ((1, 8), "date", "not a date"),
        ((1, 7), "method", "bank"),
        ((2, 6), "currency", "does not hold"),
    ],
)
def test_each_kind_of_bad_cell_is_named(cell, column, message):
    rows = rows_ok()
    values = {
        (0, 2): UNIT_CODE[:-1] + "X",
        (0, 5): "1.005",
        (1, 8): "yesterday",
        (1, 7): "bitcoin",
        (2, 6): "USD",
    }
    rows[cell[0]][cell[1]] = values[cell]
    result = donation_import(content=csv_bytes(rows), filename="d.csv", actor=None)
    [error] = result.errors
    assert error.row == cell[0] + 2 and error.column == column and message in error.message
    assert Donation.objects.count() == 0


def test_a_wrong_column_refuses_the_file():
    header = HEADER[:-1] + ["备注"]
    with pytest.raises(ImportRefused, match="unknown columns: 备注"):
        donation_import(content=csv_bytes(rows_ok(), header=header), filename="d.csv", actor=None)
    with pytest.raises(ImportRefused, match="missing columns: amount"):
        donation_import(
            content=csv_bytes([r[:5] + r[6:] for r in rows_ok()], header=HEADER[:5] + HEADER[6:]),
            filename="d.csv",
            actor=None,
        )
    assert Donation.objects.count() == 0


@pytest.mark.parametrize("maker, name", [(csv_bytes, "f.csv"), (xlsx_bytes, "f.xlsx")])
def test_a_formula_in_a_cell_is_refused(maker, name):
    rows = rows_ok()
    rows[0][5] = "=SUM(1,2)"
    result = donation_import(content=maker(rows), filename=name, actor=None)
    [error] = result.errors
    assert error.row == 2 and error.column == "amount" and "formula" in error.message
    assert Donation.objects.count() == 0


def test_not_enough_receipt_numbers_refuses_the_whole_file():
    Receipt.objects.all()  # the autouse book has 100 numbers
    from ledger.collection.models import ReceiptBook

    ReceiptBook.objects.update(active=False)
    book(first=1, last=2, series="SMALL")
    result = donation_import(content=csv_bytes(rows_ok()), filename="d.csv", actor=None)
    assert not result.ok and "Only 2" in result.errors[0].message
    assert counts()[0] == 0


def test_other_file_types_are_refused():
    with pytest.raises(ImportRefused, match=r"\.xlsx or \.csv"):
        donation_import(content=b"x", filename="d.pdf", actor=None)
    with pytest.raises(ImportRefused, match="Excel"):
        donation_import(content=b"not a zip", filename="d.xlsx", actor=None)


def test_a_negative_amount_is_named_as_such_not_as_a_formula():
    rows = rows_ok()
    rows[0][5] = "-5.00"
    result = donation_import(content=csv_bytes(rows), filename="d.csv", actor=None)
    [error] = result.errors
    assert error.column == "amount" and "formula" not in error.message
    assert Donation.objects.count() == 0
