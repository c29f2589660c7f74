"""Bulk entry of a day's donations from an Excel (.xlsx) or CSV file.

Every row is checked first and every problem is reported with its row and column; nothing is
recorded unless the whole file is valid. A file is known by its SHA-256: importing the same file
again records nothing. Rows are recorded with idempotency keys derived from the file and the row,
so a retry after a crash half-way cannot record a row twice either (the whole import is one
transaction anyway).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ..exceptions import LedgerError
from ..models import Fund
from ..services import _lock_head, _require, audit
from .models import (
    Donation,
    DonationImport,
    Donor,
    DonorKind,
    PaymentMethod,
    ReceiptBook,
    ReceiptType,
)
from .services import DonationInput, InvalidCreditCode, _record_donation, validate_credit_code

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

# column -> accepted headers (English and Chinese); the first is the canonical name.
COLUMNS = {
    "donor_name": ["donor_name", "donor", "捐赠方", "捐赠人", "名称"],
    "donor_kind": ["donor_kind", "kind", "类型", "捐赠方类型"],
    "credit_code": ["credit_code", "统一社会信用代码", "信用代码"],
    "anonymous": ["anonymous", "匿名"],
    "fund": ["fund", "基金", "基金代码"],
    "amount": ["amount", "金额"],
    "currency": ["currency", "币种"],
    "method": ["method", "方式", "收款方式"],
    "date": ["date", "日期", "收款日期"],
    "project": ["project", "项目"],
}
REQUIRED = ["donor_name", "donor_kind", "fund", "amount", "method", "date"]
KINDS = {
    "unit": DonorKind.UNIT,
    "单位": DonorKind.UNIT,
    "person": DonorKind.PERSON,
    "个人": DonorKind.PERSON,
}
METHODS = {
    "bank": PaymentMethod.BANK,
    "银行": PaymentMethod.BANK,
    "银行转账": PaymentMethod.BANK,
    "cash": PaymentMethod.CASH,
    "现金": PaymentMethod.CASH,
    "cheque": PaymentMethod.CHEQUE,
    "支票": PaymentMethod.CHEQUE,
}
YES = {"1", "yes", "y", "true", "是"}
NO = {"", "0", "no", "n", "false", "否"}


class ImportRefused(LedgerError):
    code = "import_refused"


@dataclass
class RowError:
    row: int  # as the user sees it in the file (header is row 1)
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    donor_name: str
    donor_kind: str
    credit_code: str
    anonymous: bool
    fund: Fund
    amount: Money
    method: str
    date: date
    project: str


@dataclass
class ImportResult:
    file_sha256: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    recorded: list[Donation] = field(default_factory=list)
    already_imported: DonationImport | None = None
    totals: dict[str, Money] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(("=", "+", "@")) and len(value) > 1


def _read(content: bytes, filename: str) -> tuple[list[str], list[tuple[int, list]]]:
    """Header and rows (with their row numbers) of an .xlsx or .csv file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ImportRefused(
                _("The file is not a readable Excel workbook (%(err)s).") % {"err": exc}
            ) from exc
        sheet = book.worksheets[0]
        rows = []
        for index, cells in enumerate(sheet.iter_rows(), start=1):
            values = []
            for cell in cells:
                if cell.data_type == "f":
                    values.append(("__formula__", cell.value))
                else:
                    values.append(cell.value)
            rows.append((index, values))
        book.close()
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise ImportRefused(_("The CSV file is neither UTF-8 nor GB18030 text."))
        rows = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text)), start=1)]
    else:
        raise ImportRefused(_("Upload an .xlsx or .csv file."))
    rows = [(i, r) for i, r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        raise ImportRefused(_("The file is empty."))
    header = [str(v or "").strip() for v in rows[0][1]]
    return header, rows[1:]


def _map_header(header: list[str], columns=COLUMNS, required=REQUIRED) -> dict[str, int]:
    lookup = {
        alias.lower(): canonical for canonical, aliases in columns.items() for alias in aliases
    }
    mapping: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(header):
        if not title:
            continue
        canonical = lookup.get(title.lower())
        if canonical is None:
            unknown.append(title)
        elif canonical in mapping:
            raise ImportRefused(_("The column %(col)s appears twice.") % {"col": title})
        else:
            mapping[canonical] = index
    missing = [c for c in required if c not in mapping]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(_("unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})
        if missing:
            parts.append(_("missing columns: %(cols)s") % {"cols": ", ".join(missing)})
        raise ImportRefused(
            _("The header row is wrong (%(what)s). Expected columns: %(expected)s.")
            % {"what": "; ".join(parts), "expected": ", ".join(columns)}
        )
    return mapping


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    return date.fromisoformat(text)


def _parse_row(
    number: int,
    values: list,
    mapping: dict[str, int],
    funds: dict[str, Fund],
    errors: list[RowError],
):
    def get(col):
        index = mapping.get(col)
        return values[index] if index is not None and index < len(values) else None

    row_errors: list[RowError] = []

    def bad(col, message):
        row_errors.append(RowError(number, col, message))

    for col in mapping:
        value = get(col)
        if isinstance(value, tuple) and value and value[0] == "__formula__" or _is_formula(value):
            bad(col, _("The cell holds a formula; type the value itself."))
    if row_errors:
        errors.extend(row_errors)
        return None

    name = str(get("donor_name") or "").strip()
    if not name:
        bad("donor_name", _("The donor's name is empty."))
    kind = KINDS.get(str(get("donor_kind") or "").strip().lower())
    if kind is None:
        bad("donor_kind", _("The kind must be unit/单位 or person/个人."))
    code = str(get("credit_code") or "").strip()
    if kind == DonorKind.UNIT:
        try:
            code = validate_credit_code(code)
        except InvalidCreditCode as exc:
            bad("credit_code", str(exc))
    elif code:
        bad("credit_code", _("A person has no unified social credit code."))
    anon_text = str(get("anonymous") or "").strip().lower()
    if anon_text not in YES | NO:
        bad("anonymous", _("Anonymous must be yes/是 or no/否."))
    anonymous = anon_text in YES
    if anonymous and kind == DonorKind.UNIT:
        bad("anonymous", _("A unit is listed by name; only a person can stay anonymous."))
    fund = funds.get(str(get("fund") or "").strip())
    if fund is None:
        bad("fund", _("There is no open fund %(code)s.") % {"code": get("fund")})
    currency = str(get("currency") or settings.DEFAULT_CURRENCY).strip().upper()
    raw_amount = get("amount")
    amount = None
    try:
        value = (
            Decimal(str(raw_amount).strip().replace(",", ""))
            if raw_amount not in (None, "")
            else None
        )
        if value is None:
            bad("amount", _("The amount is empty."))
        elif not value.is_finite() or value <= 0:
            bad("amount", _("The amount must be more than zero."))
        elif value != value.quantize(Decimal("0.01")):
            bad("amount", _("The amount has more than two decimal places."))
        else:
            amount = Money(value, currency)
    except (InvalidOperation, ValueError):
        bad("amount", _("%(value)s is not an amount.") % {"value": raw_amount})
    if fund is not None and amount is not None and not fund.holds_currency(currency):
        bad(
            "currency",
            _("Fund %(fund)s does not hold %(cur)s.") % {"fund": fund.code, "cur": currency},
        )
    method = METHODS.get(str(get("method") or "").strip().lower())
    if method is None:
        bad("method", _("The method must be bank/银行, cash/现金 or cheque/支票."))
    received = None
    try:
        received = _parse_date(get("date"))
        if received > timezone.localdate():
            bad("date", _("The date is in the future."))
    except (ValueError, TypeError):
        bad("date", _("%(value)s is not a date (use YYYY-MM-DD).") % {"value": get("date")})
    if row_errors:
        errors.extend(row_errors)
        return None
    return ParsedRow(
        number,
        name,
        kind,
        code,
        anonymous,
        fund,
        amount,
        method,
        received,
        str(get("project") or ""),
    )


def donation_import(
    *,
    content: bytes,
    filename: str,
    actor,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row, then record all of them in one transaction, or nothing."""
    _require(actor, "ledger.add_donation")
    if len(content) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB; split it."))
    sha = hashlib.sha256(content).hexdigest()
    result = ImportResult(file_sha256=sha)
    previous = DonationImport.objects.filter(file_sha256=sha).first()
    if previous is not None:
        result.already_imported = previous
        return result
    header, rows = _read(content, filename)
    if len(rows) > MAX_ROWS:
        raise ImportRefused(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    mapping = _map_header(header)
    funds = {f.code: f for f in Fund.objects.filter(is_active=True)}
    parsed = [
        p
        for number, values in rows
        if (p := _parse_row(number, values, mapping, funds, result.errors))
    ]
    result.rows = len(rows)
    if not rows:
        result.errors.append(RowError(1, "", _("The file has a header but no rows.")))
    if result.errors:
        return result

    with transaction.atomic():
        _lock_head()
        if DonationImport.objects.filter(file_sha256=sha).exists():  # imported meanwhile
            result.already_imported = DonationImport.objects.get(file_sha256=sha)
            return result
        free = sum(
            max(
                0,
                b.last_number
                - (
                    b.receipts.order_by("-number").values_list("number", flat=True).first()
                    or b.first_number - 1
                ),
            )
            for b in ReceiptBook.objects.filter(type=ReceiptType.DONATION, active=True)
        )
        if free < len(parsed):
            result.errors.append(
                RowError(
                    1,
                    "",
                    _(
                        "Only %(free)s donation receipt numbers are left for %(n)s rows; add a receipt book first."
                    )
                    % {"free": free, "n": len(parsed)},
                )
            )
            return result
        donors: dict[tuple, Donor] = {}
        totals: dict[str, Decimal] = {}
        for index, row in enumerate(parsed, start=1):
            key = (row.donor_kind, row.credit_code or row.donor_name)
            donor = donors.get(key)
            if donor is None:
                lookup = (
                    {"credit_code": row.credit_code}
                    if row.credit_code
                    else {"kind": row.donor_kind, "name": row.donor_name, "credit_code": ""}
                )
                donor = Donor.objects.filter(**lookup).order_by("pk").first()
                if donor is None:
                    donor = Donor.objects.create(
                        kind=row.donor_kind,
                        name=row.donor_name,
                        credit_code=row.credit_code,
                        anonymous=row.anonymous,
                    )
                donors[key] = donor
            data = DonationInput(
                donor=donor,
                fund=row.fund,
                amount=row.amount,
                method=row.method,
                received_on=row.date,
                idempotency_key=f"import:{sha[:32]}:{row.row}",
                project=row.project,
            )
            result.recorded.append(_record_donation(data, row.fund, row.amount, actor))
            cur = str(row.amount.currency)
            totals[cur] = totals.get(cur, Decimal("0")) + row.amount.amount
            if progress:
                progress(index, len(parsed))
        result.totals = {c: Money(v, c) for c, v in totals.items()}
        record = DonationImport.objects.create(
            file_sha256=sha,
            file_name=filename[:200],
            rows=len(parsed),
            total={c: f"{v:.2f}" for c, v in totals.items()},
            imported_by=actor if getattr(actor, "pk", None) else None,
        )
        audit(actor=actor, action="donation.import", obj=record, rows=len(parsed))
    return result


# --------------------------------------------------------------------------------------------
# donor lists
# --------------------------------------------------------------------------------------------
DONOR_COLUMNS = {
    "donor_name": COLUMNS["donor_name"],
    "donor_kind": COLUMNS["donor_kind"],
    "credit_code": COLUMNS["credit_code"],
    "anonymous": COLUMNS["anonymous"],
    "phone": ["phone", "电话", "联系电话"],
    "address": ["address", "地址"],
}
DONOR_REQUIRED = ["donor_name", "donor_kind"]


@dataclass
class DonorImportResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[Donor] = field(default_factory=list)
    known: list[Donor] = field(default_factory=list)  # already in the register: left unchanged

    @property
    def ok(self) -> bool:
        return not self.errors


def donor_import(*, content: bytes, filename: str, actor) -> DonorImportResult:
    """Add the donors of a list; all rows valid or nothing is added.

    A unit already registered under the same credit code, or a person with the same name who is
    already registered, is reported as known and left as it is, so importing the same list twice
    adds nothing the second time.
    """
    _require(actor, "ledger.add_donor")
    if len(content) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB; split it."))
    header, rows = _read(content, filename)
    if len(rows) > MAX_ROWS:
        raise ImportRefused(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    mapping = _map_header(header, DONOR_COLUMNS, DONOR_REQUIRED)
    result = DonorImportResult(rows=len(rows))
    parsed = []
    seen_codes: dict[str, int] = {}
    for number, values in rows:

        def get(col, values=values):
            index = mapping.get(col)
            return values[index] if index is not None and index < len(values) else None

        errors = []
        for col in mapping:
            value = get(col)
            if (isinstance(value, tuple) and value and value[0] == "__formula__") or _is_formula(
                value
            ):
                errors.append(
                    RowError(number, col, _("The cell holds a formula; type the value itself."))
                )
        if errors:
            result.errors.extend(errors)
            continue
        name = str(get("donor_name") or "").strip()
        kind = KINDS.get(str(get("donor_kind") or "").strip().lower())
        code = str(get("credit_code") or "").strip()
        anon_text = str(get("anonymous") or "").strip().lower()
        if not name:
            errors.append(RowError(number, "donor_name", _("The donor's name is empty.")))
        if kind is None:
            errors.append(
                RowError(number, "donor_kind", _("The kind must be unit/单位 or person/个人."))
            )
        if kind == DonorKind.UNIT:
            try:
                code = validate_credit_code(code)
            except InvalidCreditCode as exc:
                errors.append(RowError(number, "credit_code", str(exc)))
            else:
                if code in seen_codes:
                    errors.append(
                        RowError(
                            number,
                            "credit_code",
                            _("The same credit code is on row %(row)s.")
                            % {"row": seen_codes[code]},
                        )
                    )
                seen_codes[code] = number
        elif code:
            errors.append(
                RowError(number, "credit_code", _("A person has no unified social credit code."))
            )
        if anon_text not in YES | NO:
            errors.append(RowError(number, "anonymous", _("Anonymous must be yes/是 or no/否.")))
        elif anon_text in YES and kind == DonorKind.UNIT:
            errors.append(
                RowError(
                    number,
                    "anonymous",
                    _("A unit is listed by name; only a person can stay anonymous."),
                )
            )
        if errors:
            result.errors.extend(errors)
            continue
        parsed.append(
            (
                name,
                kind,
                code,
                anon_text in YES,
                str(get("phone") or "")[:30],
                str(get("address") or "")[:200],
            )
        )
    if not rows:
        result.errors.append(RowError(1, "", _("The file has a header but no rows.")))
    if result.errors:
        return result
    with transaction.atomic():
        for name, kind, code, anonymous, phone, address in parsed:
            lookup = (
                {"credit_code": code} if code else {"kind": kind, "name": name, "credit_code": ""}
            )
            existing = Donor.objects.select_for_update().filter(**lookup).order_by("pk").first()
            if existing is not None:
                result.known.append(existing)
                continue
            result.created.append(
                Donor.objects.create(
                    kind=kind,
                    name=name,
                    credit_code=code,
                    anonymous=anonymous,
                    phone=phone,
                    address=address,
                )
            )
        audit(
            actor=actor,
            action="donor.import",
            object_type="ledger.donor",
            file_name=filename[:200],
            created=len(result.created),
            known=len(result.known),
        )
    return result
