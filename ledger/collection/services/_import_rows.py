"""Reading a bulk import file (.xlsx or .csv) and checking each of its rows.

The file's header row is matched to the columns an import knows (English and Chinese headers);
each row is then checked cell by cell, and every problem is reported with its row (as the user
sees it: the header is row 1) and column. A cell holding a formula is refused, since its value
could change after the check. Used by the import services in ``imports.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from common import uploads
from common.exports import starts_like_formula

from ...exceptions import AmountTooLarge
from ...models import DocumentKind, Fund
from ..exceptions import CollectionError, ImportRefused, InvalidCreditCode
from ..models import DonorKind, PaymentMethod
from ._books import check_ceiling
from ._common import clean_channel_ref
from .donors import validate_credit_code

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
    "channel_ref": ["channel_ref", "transaction_ref", "交易单号", "商户单号", "交易参考号"],
}
REQUIRED = ["donor_name", "donor_kind", "fund", "amount", "method", "date"]
DONOR_COLUMNS = {
    "donor_name": COLUMNS["donor_name"],
    "donor_kind": COLUMNS["donor_kind"],
    "credit_code": COLUMNS["credit_code"],
    "anonymous": COLUMNS["anonymous"],
    "phone": ["phone", "电话", "联系电话"],
    "address": ["address", "地址"],
}
DONOR_REQUIRED = ["donor_name", "donor_kind"]
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
    "wechat": PaymentMethod.WECHAT,
    "微信": PaymentMethod.WECHAT,
    "微信支付": PaymentMethod.WECHAT,
    "alipay": PaymentMethod.ALIPAY,
    "支付宝": PaymentMethod.ALIPAY,
    "pos": PaymentMethod.POS,
    "刷卡": PaymentMethod.POS,
    "pos刷卡": PaymentMethod.POS,
}
YES = {"1", "yes", "y", "true", "是"}
NO = {"", "0", "no", "n", "false", "否"}


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
    channel_ref: str = ""


class DonorRow(NamedTuple):
    name: str
    kind: str
    code: str
    anonymous: bool
    phone: str
    address: str


# Columns read as numbers or dates: "-5" there is a negative amount (refused as such, with
# its own message), not text that a spreadsheet would run.
_NUMERIC_COLUMNS = frozenset({"amount", "date"})
# A telephone number may start with "+" (+86 ...): digits, blanks and - ( ) only is a number,
# which no spreadsheet can turn into a command (exports still write it with the apostrophe).
_PHONE = re.compile(r"\+?[\d\s()\-]+")


def _is_formula(value, col: str = "") -> bool:
    if not isinstance(value, str):
        return False
    if col == "phone" and _PHONE.fullmatch(value.strip()):
        return False
    if col in _NUMERIC_COLUMNS:
        return value.lstrip(" \t\r\n").startswith(("=", "+", "@")) and len(value.strip()) > 1
    # A lone "-" (a spreadsheet's "none") runs nothing.
    return starts_like_formula(value) and len(value.strip()) > 1


def _holds_formula(value, col: str = "") -> bool:
    """An .xlsx formula cell (marked by ``read_file``) or CSV text that Excel would run
    (``=``, ``+``, ``-``, ``@`` first, also after blanks, or a tab or carriage return first);
    checked on the cell as read, before any blank is stripped."""
    return bool(
        (isinstance(value, tuple) and value and value[0] == "__formula__")
        or _is_formula(value, col)
    )


def read_file(content: bytes, filename: str) -> tuple[list[str], list[tuple[int, list]]]:
    """Header and rows (with their row numbers) of an .xlsx or .csv file, read lazily: the size,
    the rows and the cells are checked while reading (``common.uploads``), so reading stops at
    the first row past the limit (issue 13)."""
    name = filename.lower()
    try:
        uploads.check_size(len(content), "import", filename)
        if name.endswith(".xlsx"):
            lines = uploads.xlsx_rows(content, "import", data_only=False, mark_formulas=True)
        elif name.endswith(".csv"):
            lines = uploads.csv_rows(uploads.decode_text(content), "import")
        else:
            raise ImportRefused(_("Upload an .xlsx or .csv file."))
        rows = [(i, r) for i, r in lines if any(v not in (None, "") for v in r)]
    except uploads.UploadRefused as exc:
        raise ImportRefused(str(exc)) from exc
    if not rows:
        raise ImportRefused(_("The file is empty."))
    header = [str(v or "").strip() for v in rows[0][1]]
    return header, rows[1:]


def map_header(header: list[str], columns=COLUMNS, required=REQUIRED) -> dict[str, int]:
    """Column name -> index in the row; a wrong header row refuses the whole file."""
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


def parse_donation_row(
    number: int,
    values: list,
    mapping: dict[str, int],
    funds: dict[str, Fund],
    errors: list[RowError],
    ceiling: Decimal | None = None,
    seen_refs: dict[str, dict[str, int]] | None = None,
) -> ParsedRow | None:
    """The row checked and typed, or None with its problems added to ``errors``. ``ceiling``:
    the largest amount of one donation (``ledger.limits``), read once for the whole file.
    ``seen_refs`` (method -> transaction reference -> row) carries the channel references of the
    rows before, so that one payment twice in a file is reported."""
    if seen_refs is None:
        seen_refs = {}

    def get(col):
        index = mapping.get(col)
        return values[index] if index is not None and index < len(values) else None

    row_errors: list[RowError] = []

    def bad(col, message):
        row_errors.append(RowError(number, col, message))

    for col in mapping:
        if _holds_formula(get(col), col):
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
        elif ceiling is not None and value > ceiling:
            try:  # the ledger's own message (only for a row above it: it reads the ceiling)
                check_ceiling(DocumentKind.DONATION, value)
            except AmountTooLarge as exc:
                bad("amount", str(exc))
            else:  # pragma: no cover - raised meanwhile by the administrator
                amount = Money(value, currency)
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
        bad(
            "method",
            _(
                "The method must be bank/银行, cash/现金, cheque/支票, wechat/微信, alipay/支付宝 "
                "or pos/刷卡."
            ),
        )
    channel_ref = str(get("channel_ref") or "").strip()
    if method is not None:
        try:
            channel_ref = clean_channel_ref(method, channel_ref)
        except CollectionError as exc:
            bad("channel_ref", str(exc))
        else:
            if channel_ref and channel_ref in seen_refs.setdefault(method, {}):
                bad(
                    "channel_ref",
                    _("The same transaction reference is on row %(row)s.")
                    % {"row": seen_refs[method][channel_ref]},
                )
            elif channel_ref:
                seen_refs[method][channel_ref] = number
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
        channel_ref,
    )


def parse_donor_row(
    number: int,
    values: list,
    mapping: dict[str, int],
    seen_codes: dict[str, int],
    errors: list[RowError],
) -> DonorRow | None:
    """The row of a donor list checked, or None with its problems added to ``errors``.

    ``seen_codes`` (credit code -> row) carries the codes of the rows before, so that the same
    unit twice in one file is reported."""

    def get(col):
        index = mapping.get(col)
        return values[index] if index is not None and index < len(values) else None

    row_errors: list[RowError] = []
    for col in mapping:
        if _holds_formula(get(col), col):
            row_errors.append(
                RowError(number, col, _("The cell holds a formula; type the value itself."))
            )
    if row_errors:
        errors.extend(row_errors)
        return None
    name = str(get("donor_name") or "").strip()
    kind = KINDS.get(str(get("donor_kind") or "").strip().lower())
    code = str(get("credit_code") or "").strip()
    anon_text = str(get("anonymous") or "").strip().lower()
    if not name:
        row_errors.append(RowError(number, "donor_name", _("The donor's name is empty.")))
    if kind is None:
        row_errors.append(
            RowError(number, "donor_kind", _("The kind must be unit/单位 or person/个人."))
        )
    if kind == DonorKind.UNIT:
        try:
            code = validate_credit_code(code)
        except InvalidCreditCode as exc:
            row_errors.append(RowError(number, "credit_code", str(exc)))
        else:
            if code in seen_codes:
                row_errors.append(
                    RowError(
                        number,
                        "credit_code",
                        _("The same credit code is on row %(row)s.") % {"row": seen_codes[code]},
                    )
                )
            seen_codes[code] = number
    elif code:
        row_errors.append(
            RowError(number, "credit_code", _("A person has no unified social credit code."))
        )
    if anon_text not in YES | NO:
        row_errors.append(RowError(number, "anonymous", _("Anonymous must be yes/是 or no/否.")))
    elif anon_text in YES and kind == DonorKind.UNIT:
        row_errors.append(
            RowError(
                number,
                "anonymous",
                _("A unit is listed by name; only a person can stay anonymous."),
            )
        )
    if row_errors:
        errors.extend(row_errors)
        return None
    return DonorRow(
        name,
        kind,
        code,
        anon_text in YES,
        str(get("phone") or "")[:30],
        str(get("address") or "")[:200],
    )
