"""Hostile upload files for the upload-limit tests (issue 13, finding 9): built by rewriting the
sheet (and shared strings) of a tiny workbook, so a 300,000-row sheet costs the test a second
to write, and compresses to a few hundred kB as the reviewer's file did."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook


def _base() -> bytes:
    book = Workbook()
    book.active.append(["x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_with_sheet(sheet_rows: str, shared: list[str] | None = None) -> bytes:
    """A workbook whose first sheet holds ``sheet_rows`` (``<row>`` elements) and whose shared
    strings are ``shared``."""
    source = zipfile.ZipFile(io.BytesIO(_base()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f"<sheetData>{sheet_rows}</sheetData></worksheet>"
                ).encode()
            target.writestr(info.filename, data)
        if shared is not None:
            items = "".join(f"<si><t>{s}</t></si>" for s in shared)
            target.writestr(
                "xl/sharedStrings.xml",
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"{items}</sst>",
            )
    if shared is not None:
        return _with_shared_strings_type(out.getvalue())
    return out.getvalue()


def _with_shared_strings_type(content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml" and b"sharedStrings" not in data:
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            elif info.filename == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            target.writestr(info.filename, data)
    return out.getvalue()


def inline_row(number: int, *values: str) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def many_rows_xlsx(header: list[str], row: list[str], count: int) -> bytes:
    """A header and ``count`` copies of ``row``: hundreds of thousands of rows in a small file
    (the cells name shared strings, as Excel writes them)."""
    shared = [*header, *row]
    first = "".join(f'<c t="s"><v>{i}</v></c>' for i in range(len(header)))
    cells = "".join(f'<c t="s"><v>{len(header) + i}</v></c>' for i in range(len(row)))
    body = f"<row>{first}</row>" + f"<row>{cells}</row>" * count
    return xlsx_with_sheet(body, shared=shared)


def huge_cell_xlsx(header: list[str], row: list[str], column: int, chars: int) -> bytes:
    """A header and one row whose cell ``column`` holds ``chars`` characters (a shared string:
    one repeated letter compresses a thousandfold)."""
    values = list(row)
    cells = []
    for i, v in enumerate(values):
        ref = f"{chr(65 + i)}2"
        if i == column:
            cells.append(f'<c r="{ref}" t="s"><v>0</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>')
    body = inline_row(1, *header) + f'<row r="2">{"".join(cells)}</row>'
    return xlsx_with_sheet(body, shared=["A" * chars])
