"""Uploads read lazily and within limits (issue 13, finding 9): a spreadsheet of 300,000 rows is
refused after the limit's worth of rows, not after reading them all; a huge cell is refused
before it is loaded (its archive member is too big) or at its row; a CSV field past the csv
module's own limit is a clear refusal, not a server error; any request body past the ceiling is
refused unread (413)."""

from __future__ import annotations

import tracemalloc

import pytest
from django.utils import translation
from openpyxl.worksheet import _reader

from common import uploads

from .uploads_util import huge_cell_xlsx, many_rows_xlsx

HEADER = ["donor_name", "donor_kind", "fund", "amount", "method", "date"]
ROW = ["张三", "person", "RELIEF", "1.00", "cash", "2026-01-05"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def rows_parsed(monkeypatch):
    """How many sheet rows openpyxl parsed (its streaming parser's row count)."""
    counter = {"rows": 0}
    original = _reader.WorkSheetParser.parse_row

    def counting(self, element):
        counter["rows"] += 1
        return original(self, element)

    monkeypatch.setattr(_reader.WorkSheetParser, "parse_row", counting)
    return counter


def test_a_sheet_of_300000_rows_stops_at_the_row_limit(rows_parsed):
    # one column, as the reviewer's 272 kB file of 300,000 rows
    content = many_rows_xlsx(["donor_name"], ["张三"], 300_000)
    assert len(content) < 300_000  # small enough to be uploaded
    read = 0
    with pytest.raises(uploads.UploadRefused, match="more than 5000 rows"):
        for _row in uploads.xlsx_rows(content, "import"):
            read += 1
    # reading stopped at the first row past the limit, not at the end of the sheet
    assert read == 5001 and rows_parsed["rows"] <= 5002


def test_a_wide_sheet_of_300000_rows_is_refused_before_it_is_opened(rows_parsed):
    content = many_rows_xlsx(HEADER, ROW, 300_000)
    with pytest.raises(uploads.UploadRefused, match="unpacks to"):
        list(uploads.xlsx_rows(content, "import"))
    assert rows_parsed["rows"] == 0


def test_a_csv_of_300000_lines_stops_at_the_row_limit():
    text = ",".join(HEADER) + "\n" + (",".join(ROW) + "\n") * 300_000
    read = 0
    with pytest.raises(uploads.UploadRefused, match="more than 5000 rows"):
        for _row in uploads.csv_rows(text, "import"):
            read += 1
    assert read == 5001


def test_blank_rows_count_too_past_a_margin(rows_parsed):
    # a sheet whose only data row sits at the bottom of the sheet: the gap is not walked
    from .uploads_util import inline_row, xlsx_with_sheet

    content = xlsx_with_sheet(inline_row(1, *HEADER) + inline_row(1_048_576, *ROW))
    with pytest.raises(uploads.UploadRefused, match="more than 5000 rows"):
        list(uploads.xlsx_rows(content, "import"))


def test_a_long_cell_is_refused_at_its_row():
    content = huge_cell_xlsx(HEADER, ROW, 0, 5000)
    with pytest.raises(uploads.UploadRefused, match="Row 2 has a cell longer than 1000"):
        list(uploads.xlsx_rows(content, "import"))
    text = ",".join(HEADER) + "\n" + ",".join(["x" * 5000, *ROW[1:]]) + "\n"
    with pytest.raises(uploads.UploadRefused, match="Row 2 has a cell longer than 1000"):
        list(uploads.csv_rows(text, "import"))


def test_a_huge_cell_is_refused_before_it_is_loaded():
    # one 60 MB cell, compressed to a few kB (the reviewer's was 400 MB)
    content = huge_cell_xlsx(HEADER, ROW, 0, 60 * 1024 * 1024)
    assert len(content) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(uploads.UploadRefused, match="unpacks to 60 MB"):
            list(uploads.xlsx_rows(content, "import"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024, peak  # nothing of the cell was inflated


def test_a_csv_field_past_the_csv_module_limit_is_refused_not_a_crash():
    text = ",".join(HEADER) + "\n" + "x" * 200_000 + "\n"
    with pytest.raises(uploads.UploadRefused, match="Row 2 has a cell longer than 1000"):
        list(uploads.csv_rows(text, "import"))


def test_not_a_workbook_is_refused():
    with pytest.raises(uploads.UploadRefused, match="not a readable Excel workbook"):
        list(uploads.xlsx_rows(b"PK\x03\x04 not really", "import"))


def test_limits_come_from_settings(settings):
    settings.UPLOAD_LIMITS = {"import": {"rows": 2}}
    text = ",".join(HEADER) + "\n" + (",".join(ROW) + "\n") * 3
    with pytest.raises(uploads.UploadRefused, match="more than 2 rows"):
        list(uploads.csv_rows(text, "import"))
    assert uploads.limit("import", "bytes") == uploads.DEFAULT_LIMITS["import"]["bytes"]
    with pytest.raises(uploads.UploadRefused, match="is too large"):
        uploads.check_size(uploads.limit("import", "bytes") + 1, "import", "big.xlsx")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/payouts/result-imports/", "/collection/donations/import/", "/nowhere/"]
)
def test_a_request_body_past_the_ceiling_is_refused_unread(client, settings, path):
    settings.UPLOAD_MAX_REQUEST_BYTES = 1000
    response = client.post(
        path,
        data=b"x" * 2000,
        content_type="application/octet-stream",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert response.json()["code"] == "request_too_large"
    assert "The request is too large" in response.content.decode()
