"""Uploaded files, checked in one place before anything reads them.

* Documents (a case's certificates, a manual entry's bank slip or minutes): what a file really
  is, told by its first bytes, never by its name or the type the browser claims, and its size
  (``check_document``). Only PDF, JPEG and PNG are kept anywhere in the site.
* Tables imported from a spreadsheet or CSV (donations, donors, bank result files, holiday
  schedules): the file's size (``check_size``) and, while it is read, its rows and cells
  (``table_rows``): reading stops at the first row past the limit or the first cell longer than
  allowed, so a file of a million rows or one enormous cell costs no more than the limit does.
  An .xlsx file is a zip archive: the uncompressed sizes its members declare are checked before
  openpyxl opens it (``check_xlsx_archive``), so a small file that inflates to gigabytes (a zip
  bomb, or one 400 MB cell) is refused unread. Python's zipfile never inflates a member past
  the size it declares, so the declared sizes are a true bound.

Every refusal is an ``UploadRefused`` carrying a message in the user's language; each app turns
it into its own refusal (an import's ``ImportRefused``, a bank file's problem line...).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")

# Magic numbers: what the file is, whatever its name or the browser's claimed type says.
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

MB = 1024 * 1024

# The limits of each kind of upload: settings override any of them (``UPLOAD_LIMITS``).
DEFAULT_LIMITS: dict[str, dict[str, int]] = {
    # a case's or an entry request's document
    "document": {"bytes": 10 * MB},
    # a day's donations or a donor list
    "import": {"bytes": 5 * MB, "rows": 5000, "cell_chars": 1000, "unzipped_bytes": 20 * MB},
    # a bank's result file: one line per payment of a batch (a batch holds up to ~100,000)
    "bank_result": {
        "bytes": 50 * MB,
        "rows": 200_000,
        "cell_chars": 1000,
        "unzipped_bytes": 100 * MB,
    },
    # a year's holiday schedule (a few dozen lines)
    "holidays": {"bytes": 1 * MB, "rows": 1000, "cell_chars": 500},
}
# Columns read from an .xlsx sheet: every import knows fewer; a sheet whose size claims 16,384
# columns is not padded to that width.
MAX_COLUMNS = 64
# Blank lines tolerated beyond the row limit (spreadsheets keep formatted empty rows at the end).
BLANK_ROWS_ALLOWED = 1000


class UploadRefused(Exception):
    """An upload refused before or while reading it; ``str()`` is the user's message."""


def limit(kind: str, name: str) -> int:
    """The limit ``name`` (bytes, rows, cell_chars, unzipped_bytes) of an upload ``kind``."""
    configured = getattr(settings, "UPLOAD_LIMITS", {}).get(kind, {})
    return int(configured.get(name, DEFAULT_LIMITS[kind][name]))


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


def check_size(size: int | None, kind: str, name: str = "") -> None:
    """Refuse an empty upload or one larger than the ``kind``'s byte limit."""
    name = name or _("The file")
    if not size:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    most = limit(kind, "bytes")
    if size > most:
        raise UploadRefused(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(most)}
        )


def size_validator(kind: str):
    """A form field validator: the upload's size checked before anything reads it."""
    from django.core.exceptions import ValidationError

    def validate(upload) -> None:
        try:
            check_size(getattr(upload, "size", None), kind, getattr(upload, "name", "") or "")
        except UploadRefused as exc:
            raise ValidationError(str(exc), code="file_size") from exc

    return validate


def sniff_content_type(head: bytes) -> str | None:
    """The document type of a file starting with ``head`` (16 bytes are enough), or ``None``."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def check_document(upload) -> str:
    """The real type (PDF, JPEG or PNG) of an uploaded document within the size limit, or
    ``UploadRefused`` saying what is wrong. The one check of every document upload."""
    name = upload.name or "document"
    check_size(upload.size, "document", name)
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise UploadRefused(
            _("%(name)s is not a PDF, JPEG or PNG file (checked by its content, not its name).")
            % {"name": name}
        )
    return content_type


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def _too_many_rows(most: int) -> UploadRefused:
    return UploadRefused(_("The file has more than %(n)s rows; split it.") % {"n": most})


def _cell_too_long(row: int, most: int) -> UploadRefused:
    return UploadRefused(
        _("Row %(row)s has a cell longer than %(n)s characters; the file was not read further.")
        % {"row": row, "n": most}
    )


def check_xlsx_archive(content: bytes, kind: str) -> None:
    """Refuse an .xlsx whose members would inflate past the ``kind``'s ``unzipped_bytes``."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadRefused(
            _("The file is not a readable Excel workbook (%(err)s).") % {"err": exc}
        ) from exc
    most = limit(kind, "unzipped_bytes")
    total = sum(member.file_size for member in members)
    if len(members) > 10_000 or total > most:
        raise UploadRefused(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed; "
                "save it again as a plain workbook or split it."
            )
            % {"size": _megabytes(total), "limit": _megabytes(most)}
        )


def _counted(rows: Iterator[tuple[int, list]], kind: str) -> Iterator[tuple[int, list]]:
    """Rows with their numbers, refused at the first one past the limits: more non-blank rows
    than ``rows`` (+1 for the header), more blank ones than ``BLANK_ROWS_ALLOWED`` beyond, or a
    cell longer than ``cell_chars``."""
    most_rows = limit(kind, "rows")
    most_chars = limit(kind, "cell_chars")
    filled = 0
    for number, values in rows:
        if number > most_rows + 1 + BLANK_ROWS_ALLOWED:
            raise _too_many_rows(most_rows)
        blank = True
        for value in values:
            if value is None or value == "":
                continue
            blank = False
            text = value[1] if isinstance(value, tuple) else value
            if isinstance(text, str) and len(text) > most_chars:
                raise _cell_too_long(number, most_chars)
        if not blank:
            filled += 1
            if filled > most_rows + 1:
                raise _too_many_rows(most_rows)
        yield number, values


def xlsx_rows(
    content: bytes, kind: str, *, data_only: bool = True, mark_formulas: bool = False
) -> Iterator[tuple[int, list]]:
    """The first sheet's rows (number, values), read lazily in openpyxl's read-only mode. With
    ``mark_formulas`` a formula cell's value is ``("__formula__", text)``."""
    check_xlsx_archive(content, kind)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise UploadRefused(
            _("The file is not a readable Excel workbook (%(err)s).") % {"err": exc}
        ) from exc
    hard_stop = limit(kind, "rows") + 2 + BLANK_ROWS_ALLOWED

    def rows():
        sheet = book.worksheets[0]
        # Explicit bounds: the sheet's own size claim is neither trusted nor used to pad rows.
        for number, cells in enumerate(
            sheet.iter_rows(min_row=1, max_row=hard_stop, max_col=MAX_COLUMNS), start=1
        ):
            values = []
            for cell in cells:
                if mark_formulas and getattr(cell, "data_type", None) == "f":
                    values.append(("__formula__", cell.value))
                else:
                    values.append(getattr(cell, "value", None))
            while values and values[-1] is None:
                values.pop()
            yield number, values

    try:
        yield from _counted(rows(), kind)
    finally:
        book.close()


def decode_text(content: bytes, encodings=("utf-8-sig", "gb18030")) -> str:
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UploadRefused(_("The CSV file is neither UTF-8 nor GB18030 text."))


def csv_rows(text: str, kind: str, *, delimiter: str = ",") -> Iterator[tuple[int, list]]:
    """The lines of a CSV text (number, cells), read lazily; a line the csv module cannot read
    (a field past its own limit of 128 KiB, a NUL byte) refuses the file."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    most_chars = limit(kind, "cell_chars")

    def rows():
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise _cell_too_long(number + 1, most_chars) from exc
                raise UploadRefused(
                    _("Line %(line)s of the file cannot be read (%(err)s).")
                    % {"line": number + 1, "err": exc}
                ) from exc
            number += 1
            yield number, cells

    yield from _counted(rows(), kind)


__all__ = [
    "DOCUMENT_TYPES",
    "UploadRefused",
    "check_document",
    "check_size",
    "check_xlsx_archive",
    "csv_rows",
    "decode_text",
    "limit",
    "size_validator",
    "sniff_content_type",
    "xlsx_rows",
]
