"""Bank files in a bank's own layout (``BankLayout``): writing the payment file (CSV or Excel) and
reading the result file (CSV or Excel) into plain rows.

Nothing here touches the database. Amounts are written as text with two decimals (never a
float); account numbers are written as text (Excel would otherwise turn a 19-digit number into
``6.22848E+18``). Reading returns every line with its line number and the problems of the file's
*shape* (missing columns, unreadable file); the services judge the lines against the batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from common import uploads
from common.exports import neutralise

from .models import RESULT_FIELDS, BankLayout, ExportFormat


def _csv_encoding(layout: BankLayout) -> str:
    return layout.encoding or "utf-8"


def write_payment_file(
    layout: BankLayout, rows: Iterable[dict[str, str]], fmt: str
) -> tuple[bytes, int]:
    """The payment file as bytes, and the number of payment rows in it.

    ``rows`` hold the ``EXPORT_FIELDS`` as text; the layout picks and orders them.
    """
    columns = [(f, h) for f, h in layout.export_columns]
    if fmt == ExportFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=layout.delimiter or ",", lineterminator="\r\n")
        writer.writerow([neutralise(h) for _f, h in columns])
        count = 0
        for row in rows:
            # Names and memos come from people: none may run as a formula next to account
            # numbers (issue 13); amounts and account numbers are digits, left as they are.
            writer.writerow([neutralise(row.get(f, "")) for f, _h in columns])
            count += 1
        return buffer.getvalue().encode(_csv_encoding(layout)), count
    if fmt == ExportFormat.XLSX:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        # Write-only mode streams rows to the file: a 100,000-row batch stays small in memory.
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title="payments")

        def text_cell(value):
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.data_type = "s"  # every bank-file cell is text, never a formula
            return cell

        sheet.append([text_cell(h) for _f, h in columns])
        count = 0
        for row in rows:
            sheet.append([text_cell(row.get(f, "")) for f, _h in columns])
            count += 1
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), count
    raise ValueError(fmt)


@dataclass
class ResultFile:
    """A result file read into rows: ``rows`` are (line number, {field: text})."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores "1000" as 1000.0; a bank transaction number must not gain ".0".
        return str(int(value))
    return str(value).strip()


def _csv_lines(layout: BankLayout, content: bytes) -> Iterator[list[str]]:
    encoding = _csv_encoding(layout)
    if encoding == "utf-8":
        encoding = "utf-8-sig"  # tolerate a byte-order mark written by Excel
    text = content.decode(encoding)
    for _number, cells in uploads.csv_rows(text, "bank_result", delimiter=layout.delimiter or ","):
        yield cells


def _xlsx_lines(content: bytes) -> Iterator[list[str]]:
    # Read lazily, rows and cells checked while reading, the archive before it is opened.
    for _number, values in uploads.xlsx_rows(content, "bank_result", data_only=True):
        yield [_text(v) for v in values]


def read_result_file(layout: BankLayout, content: bytes, filename: str = "") -> ResultFile:
    """Rows of a result file by the layout's ``result_columns``. Excel is recognised by its
    content (a zip archive), anything else is read as CSV in the layout's encoding."""
    result = ResultFile()
    is_xlsx = content[:2] == b"PK" or filename.lower().endswith(".xlsx")
    try:
        # the size first: nothing of a file past the limit is read (issue 13)
        uploads.check_size(len(content), "bank_result", filename)
    except uploads.UploadRefused as exc:
        result.problems.append({"line": 0, "code": "too_large", "message": str(exc)})
        return result
    try:
        lines = _xlsx_lines(content) if is_xlsx else _csv_lines(layout, content)
        header = next(lines, None)
    except uploads.UploadRefused as exc:
        result.problems.append({"line": 0, "code": "unreadable", "message": str(exc)})
        return result
    except (UnicodeDecodeError, csv.Error, OSError, ValueError, KeyError) as exc:
        result.problems.append(
            {
                "line": 0,
                "code": "unreadable",
                "message": _(
                    "The file cannot be read as %(kind)s in the layout's encoding (%(error)s)."
                )
                % {"kind": "Excel" if is_xlsx else "CSV", "error": exc},
            }
        )
        return result
    if header is None:
        result.problems.append(
            {"line": 0, "code": "empty", "message": _("The file is empty: no header line.")}
        )
        return result
    header = [_text(h) for h in header]
    positions: dict[str, int] = {}
    for name, title in (layout.result_columns or {}).items():
        if title in header:
            positions[name] = header.index(title)
        elif name not in ("charge", "failure_reason"):
            result.problems.append(
                {
                    "line": 1,
                    "code": "wrong_column",
                    "message": _(
                        "The file has no column “%(title)s” (%(field)s) that layout %(layout)s "
                        "expects; its columns are: %(found)s."
                    )
                    % {
                        "title": title,
                        "field": RESULT_FIELDS[name],
                        "layout": layout.name,
                        "found": ", ".join(header) or "-",
                    },
                }
            )
    if result.problems:
        return result
    # Both readers yield text (the Excel one through ``_text``), so a plain strip will do here:
    # this loop runs once per line of a 100,000-line file.
    wanted = list(positions.items())
    rows = result.rows
    try:
        for line_no, values in enumerate(lines, start=2):
            if not any(v.strip() for v in values):
                continue  # blank lines at the end of a file are not results
            width = len(values)
            rows.append(
                (
                    line_no,
                    {name: values[pos].strip() if pos < width else "" for name, pos in wanted},
                )
            )
    except uploads.UploadRefused as exc:
        # a row past the limit, or a cell too long: refused there, nothing further read
        result.problems.append({"line": 0, "code": "unreadable", "message": str(exc)})
    except (UnicodeDecodeError, csv.Error) as exc:
        result.problems.append(
            {
                "line": 0,
                "code": "unreadable",
                "message": _("The file cannot be read past a broken line (%(error)s).")
                % {"error": exc},
            }
        )
    return result
