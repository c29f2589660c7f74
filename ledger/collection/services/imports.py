"""Bulk entry of a day's donations, and of a list of donors, from an Excel (.xlsx) or CSV file.

Every row is checked first (``_import_rows``) and every problem is reported with its row and
column; nothing is recorded unless the whole file is valid. A donations file is known by its
SHA-256: importing the same file again records nothing. Rows are recorded with idempotency keys
derived from the file and the row, so a retry after a crash half-way cannot record a row twice
either (the whole import is one transaction anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from djmoney.money import Money

from common.dbstats import refresh_after

from ...models import DocumentKind, Fund, JournalEntry, JournalLine
from ..models import (
    Donation,
    DonationImport,
    Donor,
    Receipt,
    ReceiptBook,
    ReceiptStatus,
    ReceiptType,
)
from ._books import AuditAction, audit, ceiling_for, lock_head, require
from ._import_rows import (
    DONOR_COLUMNS,
    DONOR_REQUIRED,
    RowError,
    map_header,
    parse_donation_row,
    parse_donor_row,
    read_file,
)
from .donations import DonationInput, donation_record_locked


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


def donation_import(
    *,
    content: bytes,
    filename: str,
    actor,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check every row, then record all of them in one transaction, or nothing."""
    require(actor, "ledger.add_donation")
    sha = hashlib.sha256(content).hexdigest()
    result = ImportResult(file_sha256=sha)
    previous = DonationImport.objects.filter(file_sha256=sha).first()
    if previous is not None:
        result.already_imported = previous
        return result
    header, rows = read_file(content, filename)
    mapping = map_header(header)
    funds = {f.code: f for f in Fund.objects.filter(is_active=True)}
    ceiling = ceiling_for(DocumentKind.DONATION)
    seen_refs: dict[str, dict[str, int]] = {}
    parsed = [
        p
        for number, values in rows
        if (
            p := parse_donation_row(
                number, values, mapping, funds, result.errors, ceiling, seen_refs
            )
        )
    ]
    result.rows = len(rows)
    if not rows:
        result.errors.append(RowError(1, "", _("The file has a header but no rows.")))
    if result.errors:
        return result

    with transaction.atomic():
        lock_head()
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
        taken = _channel_refs_taken(parsed)
        if taken:
            result.errors.extend(taken)
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
                channel_ref=row.channel_ref,
            )
            result.recorded.append(donation_record_locked(data, row.fund, row.amount, actor))
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
        audit(actor=actor, action=AuditAction.DONATION_IMPORT, obj=record, rows=len(parsed))
        refresh_after(
            len(parsed),
            Donation._meta.db_table,
            Receipt._meta.db_table,
            JournalEntry._meta.db_table,
            JournalLine._meta.db_table,
        )
    return result


def _channel_refs_taken(parsed) -> list[RowError]:
    """Rows whose WeChat Pay / Alipay / POS transaction is already a (valid) donation."""
    errors = []
    for method in {row.method for row in parsed if row.channel_ref}:
        refs = {row.channel_ref: row for row in parsed if row.method == method and row.channel_ref}
        for donation in (
            Donation.objects.filter(method=method, channel_ref__in=list(refs))
            .exclude(receipt__status=ReceiptStatus.VOID)
            .select_related("receipt__book")
        ):
            errors.append(
                RowError(
                    refs[donation.channel_ref].row,
                    "channel_ref",
                    _(
                        "The %(channel)s transaction %(ref)s is already recorded (receipt "
                        "%(code)s); one payment is one donation."
                    )
                    % {
                        "channel": donation.get_method_display(),
                        "ref": donation.channel_ref,
                        "code": donation.receipt.code,
                    },
                )
            )
    return sorted(errors, key=lambda e: e.row)


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
    require(actor, "ledger.add_donor")
    header, rows = read_file(content, filename)
    mapping = map_header(header, DONOR_COLUMNS, DONOR_REQUIRED)
    result = DonorImportResult(rows=len(rows))
    seen_codes: dict[str, int] = {}
    parsed = [
        p
        for number, values in rows
        if (p := parse_donor_row(number, values, mapping, seen_codes, result.errors))
    ]
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
            action=AuditAction.DONOR_IMPORT,
            object_type="ledger.donor",
            file_name=filename[:200],
            created=len(result.created),
            known=len(result.known),
        )
    return result
