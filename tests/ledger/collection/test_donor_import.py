"""Importing a donor list: every row checked first, all or nothing, twice adds nothing."""

import csv
import io

import pytest
from django.urls import reverse

from ledger.collection.exceptions import ImportRefused
from ledger.collection.models import Donor
from ledger.collection.services import donor_import

from .factories import UNIT_CODE, english  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db
HEADER = ["名称", "类型", "统一社会信用代码", "匿名", "电话", "地址"]


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


ROWS = [
    ["县财政局", "单位", UNIT_CODE, "否", "0371-1234567", "县府路1号"],
    ["王小红", "个人", "", "是", "", ""],
]


def test_a_valid_list_adds_every_donor_once():
    result = donor_import(content=csv_bytes(ROWS), filename="donors.csv", actor=None)
    assert result.ok and len(result.created) == 2
    assert Donor.objects.get(credit_code=UNIT_CODE).phone == "0371-1234567"
    assert Donor.objects.get(name="王小红").anonymous
    again = donor_import(content=csv_bytes(ROWS), filename="donors.csv", actor=None)
    assert again.created == [] and len(again.known) == 2
    assert Donor.objects.count() == 2


def test_a_bad_row_adds_nothing_and_is_named():
    rows = [
        *ROWS,
        ["某公司", "单位", UNIT_CODE[:-1] + "X", "否", "", ""],
        ["某单位", "单位", UNIT_CODE, "是", "", ""],
    ]
    result = donor_import(content=csv_bytes(rows), filename="donors.csv", actor=None)
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "credit_code"),
        (5, "credit_code"),
        (5, "anonymous"),
    ]
    assert "check character" in result.errors[0].message
    assert Donor.objects.count() == 0


def test_formulas_and_wrong_columns_are_refused():
    result = donor_import(
        content=csv_bytes([["=HYPERLINK(1)", "单位", UNIT_CODE, "", "", ""]]),
        filename="d.csv",
        actor=None,
    )
    assert result.errors[0].column == "donor_name" and "formula" in result.errors[0].message
    with pytest.raises(ImportRefused, match="unknown columns: 金额"):
        donor_import(
            content=csv_bytes(ROWS, header=[*HEADER[:5], "金额"]), filename="d.csv", actor=None
        )
    assert Donor.objects.count() == 0


def test_the_import_screen_reports_rows(client, officer, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    url = reverse("collection:donor-import")
    bad = SimpleUploadedFile("d.csv", csv_bytes([["", "单位", "", "", "", ""]]))
    page = client.post(url, {"file": bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400 and "name is empty" in page.content.decode()
    good = SimpleUploadedFile("d.csv", csv_bytes(ROWS))
    page = client.post(url, {"file": good}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "2 donors added" in page.content.decode()
    client.force_login(make_user("case_worker"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["-2+3+cmd|' /C calc'!A0", "\t=1+1", " =HYPERLINK(1)", "\r@SUM(1)", "+1+1", "@A1"],
)
def test_every_formula_prefix_in_a_name_is_refused_even_after_blanks(name):
    # issue 13: the guard missed "-", a leading tab or CR, and ran after strip()
    result = donor_import(
        content=csv_bytes([[name, "个人", "", "否", "", ""]]), filename="d.csv", actor=None
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "donor_name")]
    assert "formula" in result.errors[0].message
    assert Donor.objects.count() == 0


def test_a_telephone_number_with_a_plus_is_a_number_not_a_formula():
    rows = [["王小红", "个人", "", "否", "+86 138-0000-0000", "-A1+B1"]]
    result = donor_import(content=csv_bytes(rows), filename="d.csv", actor=None)
    # the address is text a spreadsheet would run: refused; the phone number is not
    assert [(e.row, e.column) for e in result.errors] == [(2, "address")]
    rows[0][5] = "-"  # a lone dash, a spreadsheet's "none", runs nothing
    result = donor_import(content=csv_bytes(rows), filename="d.csv", actor=None)
    assert result.ok and Donor.objects.get().phone == "+86 138-0000-0000"
