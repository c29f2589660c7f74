"""Small builders for payout tests: bank result files, ledger figures, a snapshot of everything
an import could change."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from disbursement.models import BankResultImport, Payment
from ledger import chart
from ledger.models import Account, AuditEvent, Fund, JournalEntry
from ledger.selectors import account_balance

HEADER = ["流水号", "状态", "银行流水号", "金额", "失败原因", "手续费"]


def result_rows(payments, *, failed=(), charge=None, txn_prefix="T"):
    """One result row per payment: paid unless its reference is in ``failed``."""
    rows = []
    for p in payments:
        bad = p.reference in failed
        rows.append(
            [
                p.reference,
                "失败" if bad else "成功",
                "" if bad else f"{txn_prefix}{p.pk}",
                f"{p.amount.amount:.2f}",
                "账户已销户" if bad else "",
                charge.get(p.reference, "") if charge else "",
            ]
        )
    return rows


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def read_xlsx(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def balance(code: str, fund: str) -> Decimal:
    """Debit-positive balance of an account in a fund (CNY)."""
    found = account_balance(
        account=Account.objects.get(code=code), fund=Fund.objects.get(code=fund)
    )
    return found["CNY"].amount if "CNY" in found else Decimal("0.00")


def bank(fund: str) -> Decimal:
    return balance(chart.BANK, fund)


def payable(fund: str) -> Decimal:
    """Awards payable as a positive figure (a credit balance)."""
    return -balance(chart.AWARDS_PAYABLE, fund)


def snapshot() -> tuple:
    """Everything a refused operation must leave alone (audit events aside)."""
    return (
        JournalEntry.objects.count(),
        tuple(
            Payment.objects.order_by("id").values_list("id", "status", "bank_txn_id", "entry_id")
        ),
        BankResultImport.objects.count(),
    )


def audit_count() -> int:
    return AuditEvent.objects.count()
