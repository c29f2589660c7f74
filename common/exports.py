"""Lists as downloadable files: Excel (xlsx, via openpyxl) and CSV, for any app's screens.

``export_response(fmt=..., title=..., headers=..., rows=...)`` turns a title, column headers and
rows into an ``HttpResponse`` to download. What it guarantees:

* money stays exact and numeric: ``Decimal`` (and the amount of a ``Money``) is written as a
  number with two decimals in xlsx and as a plain ``1234.50`` in CSV, never through float
  formatting and never with thousands separators; callers put the currency in its own column;
* dates are real dates in xlsx and ISO ``YYYY-MM-DD`` in CSV; aware datetimes are shown in the
  site's time zone;
* CSV is UTF-8 with a byte-order mark, so Excel opens Chinese headers correctly;
* the file name is built from the title and today's date, and survives Chinese titles
  (RFC 6266 ``filename*``) with an ASCII fallback;
* no text becomes a formula (CSV/formula injection, OWASP): text that a spreadsheet would run
  (starting with ``=``, ``+``, ``-`` or ``@``, also after leading spaces, tabs or line breaks,
  or starting with a tab or carriage return) is written with a leading apostrophe, and xlsx
  text cells are typed as strings. Every file a person opens in Excel or WPS goes through
  ``neutralise``: these lists, the public lists and the bank payment file.

Headers are whatever the caller passes, already translated (gettext) for the user's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .permissions import holds_perm

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CENT = Decimal("0.01")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


# What makes Excel, WPS and LibreOffice read a cell as a formula (OWASP "CSV injection"): one
# of these first, possibly after blanks; a tab or carriage return first is treated alike.
FORMULA_PREFIXES = ("=", "+", "-", "@")
_LEADING_BLANKS = " \t\r\n"


def starts_like_formula(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (or a command it may run)?"""
    if not text:
        return False
    return text[0] in "\t\r" or text.lstrip(_LEADING_BLANKS).startswith(FORMULA_PREFIXES)


def neutralise(value):
    """``value`` made safe for a spreadsheet cell: text that would run as a formula gets a
    leading apostrophe (shown, never run); numbers, dates and other text are unchanged.
    Written by hand: the OWASP rule is four lines, and no maintained library does only it."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def formula_name_error(text: str, label) -> str | None:
    """The refusal for a name (a donor, a person, a paying department) that a spreadsheet would
    run as a formula, or None. Names never begin so; free text is neutralised on the way out
    instead (a memo may well begin with "-")."""
    if starts_like_formula(text or ""):
        return _(
            "%(field)s must not begin with =, +, - or @ (a spreadsheet would run it as a "
            "formula); write the name as it is."
        ) % {"field": label}
    return None


def requested_format(request) -> str | None:
    """The export format asked for with ``?format=xlsx|csv``, or None for the HTML page."""
    fmt = (request.GET.get("format") or "").strip().lower()
    return fmt if fmt in FORMATS else None


def _plain(value):
    """A cell value openpyxl and csv both understand, keeping money exact."""
    if isinstance(value, Money):
        value = value.amount
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(value)
    if value is None or isinstance(value, bool | int | float | date):
        return value
    return neutralise(str(value))  # lazy translations, model instances, choices


def _filename(title: str, extension: str) -> tuple[str, str]:
    stamp = timezone.localdate().isoformat()
    name = re.sub(r"[\s/\\:*?\"<>|]+", "-", str(title)).strip("-") or "export"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "export"
    return f"{name}-{stamp}.{extension}", f"{ascii_name}-{stamp}.{extension}"


def _disposition(title: str, extension: str) -> str:
    full, fallback = _filename(title, extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(full)}"


def csv_response(*, title: str, headers: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(h)) for h in headers])
    for row in rows:
        out = []
        for value in row:
            value = _plain(value)
            if isinstance(value, datetime):
                value = value.isoformat(sep=" ", timespec="seconds")
            elif isinstance(value, date):
                value = value.isoformat()
            elif value is None:
                value = ""
            out.append(value)
        writer.writerow(out)
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _disposition(title, CSV)
    return response


def _sheet_title(title: str) -> str:
    # Excel forbids []:*?/\ in sheet names and allows at most 31 characters.
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet1"


def xlsx_response(*, title: str, headers: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    workbook.properties.title = str(title)
    sheet.append([neutralise(str(h)) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [max(8, len(str(h)) * 2) for h in headers]
    for row in rows:
        values = [_plain(v) for v in row]
        sheet.append(values)
        for index, value in enumerate(values):
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula (openpyxl reads "=..." as one)
            elif isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if index < len(widths):
                widths[index] = min(60, max(widths[index], len(str(value or "")) + 2))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(title, XLSX)
    return response


def export_response(
    *, fmt: str, title: str, headers: Sequence, rows: Iterable[Sequence]
) -> HttpResponse:
    """Build the download for ``fmt`` ("xlsx" or "csv")."""
    if fmt == XLSX:
        return xlsx_response(title=title, headers=headers, rows=rows)
    if fmt == CSV:
        return csv_response(title=title, headers=headers, rows=rows)
    raise ValueError(f"unknown export format {fmt!r}; use one of {FORMATS}")


# Every list's download needs this permission (declared on the ledger's models, given to the
# officer, supervisor, auditor and administrator: fundapp/roles.py).
EXPORT_PERMISSION = "ledger.export_ledger"


def export_or_none(request, *, title, headers, rows) -> HttpResponse | None:
    """The download when ``?format=`` asks for one (and the user may export), else None.

    ``rows`` is a callable so the rows are only read when a file is really wanted.
    """
    fmt = requested_format(request)
    if fmt is None:
        return None
    if not holds_perm(request.user, EXPORT_PERMISSION):
        raise PermissionDenied
    return export_response(fmt=fmt, title=title, headers=headers, rows=rows())


def query_without(request, *names: str) -> str:
    """The current query string minus ``names`` (for paging and export links)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
