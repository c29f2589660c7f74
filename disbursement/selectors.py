"""Reads of the payout domain: what is still owed, what a fund has committed, a batch's
reconciliation, and how long awards wait for their money (on time).

"Owed" means a final award (approvals ``Case`` in state ``final``) or an entitlement with no
*live* payment (pending, sent or paid). A failed payment leaves its source owed until it is
reissued; a reissued payment's replacement is the live one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Case, CaseState, Program, Region, RegionLevel
from ledger import chart
from ledger.models import Account, Fund, JournalLine, Side

from .models import (
    LIVE_STATUSES,
    BatchStatus,
    Cycle,
    Enrolment,
    Entitlement,
    ExportLog,
    JobProgress,
    Payment,
    PaymentStatus,
    PayoutBatch,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def late_days_setting() -> int:
    return int(getattr(settings, "PAYOUT_LATE_DAYS", 30))


def _q(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


# --------------------------------------------------------------------------------------------
# what is owed
# --------------------------------------------------------------------------------------------
def _live(source: str):
    return Exists(Payment.objects.filter(**{source: OuterRef("pk")}, status__in=LIVE_STATUSES))


def unpaid_cases(
    *,
    program: Program,
    cycle: str = "",
    region: Region | None = None,
    final_from: date | None = None,
    final_to: date | None = None,
) -> QuerySet[Case]:
    """Final awards of the program with no live payment, filtered as a batch is built."""
    qs = Case.objects.filter(program=program, state=CaseState.FINAL).exclude(_live("case"))
    if cycle:
        qs = qs.filter(cycle=cycle)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    if final_from is not None:
        qs = qs.filter(final_at__date__gte=final_from)
    if final_to is not None:
        qs = qs.filter(final_at__date__lte=final_to)
    return qs


def unpaid_entitlements(
    *,
    program: Program,
    cycle: str = "",
    region: Region | None = None,
    final_from: date | None = None,
    final_to: date | None = None,
) -> QuerySet[Entitlement]:
    """Entitlements of the program with no live payment, filtered as a batch is built."""
    qs = Entitlement.objects.filter(program=program).exclude(_live("entitlement"))
    if cycle:
        qs = qs.filter(cycle__code=cycle)
    if region is not None:
        qs = qs.filter(household__region__code__startswith=region.prefix)
    if final_from is not None:
        qs = qs.filter(created_at__date__gte=final_from)
    if final_to is not None:
        qs = qs.filter(created_at__date__lte=final_to)
    return qs


def fund_committed(
    *, fund: Fund, currency: str, exclude_batch: PayoutBatch | None = None
) -> Decimal:
    """Money promised to the bank: payments not yet paid or failed in the fund's approved or
    exported batches."""
    qs = Payment.objects.filter(
        batch__fund=fund,
        batch__status__in=[BatchStatus.APPROVED, BatchStatus.EXPORTED],
        status__in=[PaymentStatus.PENDING, PaymentStatus.SENT],
        amount_currency=currency,
    )
    if exclude_batch is not None:
        qs = qs.exclude(batch=exclude_batch)
    return _q(qs.aggregate(total=Sum("amount"))["total"])


# --------------------------------------------------------------------------------------------
# reconciliation
# --------------------------------------------------------------------------------------------
@dataclass
class Reconciliation:
    batch: PayoutBatch
    currency: str
    payments_count: int
    payments_total: Decimal  # every payment of the batch
    file_rows: int | None  # the latest export (None: not exported)
    file_total: Decimal | None
    results_count: int  # payments with a result from the bank
    results_total: Decimal  # their amounts as the bank reported them (paid and failed)
    results_paid_total: Decimal  # reported paid
    paid_count: int
    paid_total: Decimal  # payments marked paid
    failed_total: Decimal  # failed or reissued
    ledger_total: Decimal  # awards payable debits of the batch's payment entries
    charges_total: Decimal
    differences: list[str] = field(default_factory=list)
    waiting_count: int = 0  # sent, no result yet
    waiting_total: Decimal = ZERO

    @property
    def agrees(self) -> bool:
        return not self.differences


_PAID = PaymentStatus.PAID.value
_WAITING = f"('{PaymentStatus.PENDING.value}', '{PaymentStatus.SENT.value}')"
_FAILED = f"('{PaymentStatus.FAILED.value}', '{PaymentStatus.REISSUED.value}')"
# Per payment: whether the bank reported another amount, and whether the ledger disagrees (a paid
# payment not booked for exactly its amount, a failed one booked at all). ABS(...) >= half a cent
# rather than <>: SQLite sums decimals as floating point.
_REPORTED_DIFFERS = "(r.imp IS NOT NULL AND r.reported IS NOT NULL AND r.reported <> r.amount)"
_LEDGER_DIFFERS = (
    f"(r.status = '{_PAID}' AND ABS(r.led - r.amount) >= 0.005"
    f" OR r.status IN {_FAILED} AND ABS(r.led) >= 0.005)"
)


_SUMS = f"""
    SELECT COUNT(*), SUM(r.amount),
           SUM(CASE WHEN r.imp IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.imp IS NOT NULL THEN COALESCE(r.reported, 0) ELSE 0 END),
           SUM(CASE WHEN r.imp IS NOT NULL AND r.status = '{_PAID}'
                    THEN COALESCE(r.reported, 0) ELSE 0 END),
           SUM(CASE WHEN r.imp IS NULL AND r.status IN {_WAITING} THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.imp IS NULL AND r.status IN {_WAITING} THEN r.amount ELSE 0 END),
           SUM(COALESCE(r.charge, 0)), SUM(r.led),
           SUM(CASE WHEN r.status = '{_PAID}' THEN 1 ELSE 0 END),
           SUM(CASE WHEN r.status = '{_PAID}' THEN r.amount ELSE 0 END),
           SUM(CASE WHEN r.status IN {_FAILED} THEN r.amount ELSE 0 END),
           SUM(CASE WHEN {_REPORTED_DIFFERS} THEN 1 ELSE 0 END)
           + SUM(CASE WHEN {_LEDGER_DIFFERS} THEN 1 ELSE 0 END)
    FROM r
"""  # noqa: S608 - constant SQL
_DIFFERING = f"""
    SELECT r.reference, r.amount, r.status, r.reported, r.imp, r.led FROM r
    WHERE {_REPORTED_DIFFERS} OR {_LEDGER_DIFFERS}
    ORDER BY r.id LIMIT %s
"""  # noqa: S608 - constant SQL


def _reconciliation_rows(batch: PayoutBatch) -> tuple[str, list]:
    """The batch's payments, each with what the ledger's awards-payable debits of its entry add
    up to (``led``), as a common table expression ``r``; one join, not a look-up per payment."""
    payment, line = Payment._meta.db_table, JournalLine._meta.db_table
    payable = Account.objects.filter(code=chart.AWARDS_PAYABLE).values_list("id", flat=True)
    sql = f"""
        WITH r AS (
            SELECT p.id AS id, p.reference AS reference, p.amount AS amount, p.status AS status,
                   p.reported_amount AS reported, p.result_import_id AS imp,
                   p.charge AS charge, COALESCE(led.amount, 0) AS led
            FROM {payment} p
            LEFT JOIN (
                SELECT l.entry_id AS entry_id, SUM(l.amount) AS amount
                FROM {line} l
                WHERE l.entry_id IN (SELECT q.entry_id FROM {payment} q WHERE q.batch_id = %s)
                  AND l.account_id = %s AND l.side = %s
                GROUP BY l.entry_id
            ) led ON led.entry_id = p.entry_id
            WHERE p.batch_id = %s
        )
    """  # noqa: S608 - table names and status constants are ours; values are parameters
    return sql, [batch.pk, payable.first() or 0, Side.DEBIT.value, batch.pk]


def batch_reconciliation(batch: PayoutBatch, *, max_listed: int = 50) -> Reconciliation:
    """The batch's four sums side by side, and every place where they differ.

    * payments = the bank file (rows and total of the latest export);
    * payments = what the bank reported (paid and failed) + what still waits for a result;
    * reported paid = payments marked paid = the ledger's awards-payable debits of their entries,
      payment by payment.

    The sums are one aggregate query and the payments that differ are listed by a second one
    (the first ``max_listed``): nothing is read row by row, so a batch of 100,000 takes about as
    long as a small one.
    """
    currency = str(batch.total.currency)
    rows_sql, params = _reconciliation_rows(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Planned and run in well under a second; JIT compiling it took longer than that.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(rows_sql + _SUMS, params)
        (
            count,
            payments_total,
            results_count,
            results_total,
            results_paid_total,
            waiting_count,
            waiting_total,
            charges_total,
            ledger_total,
            paid_count,
            paid_total,
            failed_total,
            differing,
        ) = cursor.fetchone()
        differing, differing_rows = differing or 0, []
        if differing:
            cursor.execute(rows_sql + _DIFFERING, [*params, max_listed])
            differing_rows = cursor.fetchall()
    export = ExportLog.objects.filter(batch=batch).order_by("-id").first()
    rec = Reconciliation(
        batch=batch,
        currency=currency,
        payments_count=count or 0,
        payments_total=_q(payments_total),
        file_rows=export.rows if export else None,
        file_total=_q(export.total.amount) if export else None,
        results_count=results_count or 0,
        results_total=_q(results_total),
        results_paid_total=_q(results_paid_total),
        paid_count=paid_count or 0,
        paid_total=_q(paid_total),
        failed_total=_q(failed_total),
        ledger_total=_q(ledger_total),
        charges_total=_q(charges_total),
        waiting_count=waiting_count or 0,
        waiting_total=_q(waiting_total),
    )
    listed: list[str] = []
    for reference, amount, status, reported, import_id, in_ledger in differing_rows:
        amount, in_ledger = _q(amount), _q(in_ledger)
        if import_id is not None and reported is not None and _q(reported) != amount:
            listed.append(
                _("%(ref)s: the bank reported %(rep)s, the payment is %(amt)s.")
                % {"ref": reference, "rep": _q(reported), "amt": amount}
            )
        if status == PaymentStatus.PAID and in_ledger != amount:
            listed.append(
                _("%(ref)s: paid %(amt)s, but the ledger shows %(led)s against awards payable.")
                % {"ref": reference, "amt": amount, "led": in_ledger}
            )
        elif status in (PaymentStatus.FAILED, PaymentStatus.REISSUED) and in_ledger:
            listed.append(
                _("%(ref)s: failed, but the ledger shows %(led)s paid.")
                % {"ref": reference, "led": in_ledger}
            )
    money = lambda v: f"{currency} {_q(v):,}"  # noqa: E731
    diffs = rec.differences
    if _q(rec.payments_total) != _q(batch.total.amount):
        diffs.append(
            _("The payments add up to %(sum)s, but the approved batch total is %(total)s.")
            % {"sum": money(rec.payments_total), "total": money(batch.total.amount)}
        )
    if export is None:
        if batch.status not in (BatchStatus.DRAFT, BatchStatus.APPROVED, BatchStatus.DISCARDED):
            diffs.append(_("The batch has no bank file export on record."))
    else:
        if export.rows != rec.payments_count or rec.file_total != _q(rec.payments_total):
            diffs.append(
                _(
                    "The bank file (%(file)s) holds %(rows)s rows for %(ftotal)s; the batch has "
                    "%(n)s payments for %(ptotal)s."
                )
                % {
                    "file": export.filename,
                    "rows": export.rows,
                    "ftotal": money(rec.file_total),
                    "n": rec.payments_count,
                    "ptotal": money(rec.payments_total),
                }
            )
    if _q(rec.results_total + rec.waiting_total) != _q(rec.payments_total):
        diffs.append(
            _(
                "The bank reported %(rep)s and %(wait)s waits for a result, but the payments add "
                "up to %(total)s."
            )
            % {
                "rep": money(rec.results_total),
                "wait": money(rec.waiting_total),
                "total": money(rec.payments_total),
            }
        )
    if not (_q(rec.results_paid_total) == _q(rec.paid_total) == _q(rec.ledger_total)):
        diffs.append(
            _(
                "Reported paid %(rep)s, payments marked paid %(paid)s and the ledger's "
                "awards-payable movement %(led)s differ."
            )
            % {
                "rep": money(rec.results_paid_total),
                "paid": money(rec.paid_total),
                "led": money(rec.ledger_total),
            }
        )
    diffs.extend(listed[:max_listed])
    if differing > max_listed:
        diffs.append(_("… and %(n)s more payments.") % {"n": differing - max_listed})
    return rec


# --------------------------------------------------------------------------------------------
# on time
# --------------------------------------------------------------------------------------------
@dataclass
class Timeliness:
    paid: int
    average_days: Decimal | None
    longest_days: int | None
    paid_late: int  # paid after more than ``late_days``
    late_days: int


def payment_days(payment: Payment) -> int | None:
    """Days from final approval (or the entitlement's creation) to payment; None while unpaid."""
    if payment.paid_at is None:
        return None
    return (payment.paid_at - payment.owed_since).days


def payment_timeliness(
    *,
    batch: PayoutBatch | None = None,
    program: Program | None = None,
    late_days: int | None = None,
) -> Timeliness:
    late_days = late_days_setting() if late_days is None else late_days
    qs = Payment.objects.filter(status=PaymentStatus.PAID)
    if batch is not None:
        qs = qs.filter(batch=batch)
    if program is not None:
        qs = qs.filter(batch__program=program)
    days = [(paid - owed).days for owed, paid in qs.values_list("owed_since", "paid_at")]
    if not days:
        return Timeliness(0, None, None, 0, late_days)
    return Timeliness(
        paid=len(days),
        average_days=(Decimal(sum(days)) / len(days)).quantize(Decimal("0.1")),
        longest_days=max(days),
        paid_late=sum(1 for d in days if d > late_days),
        late_days=late_days,
    )


@dataclass
class LateAward:
    kind: str  # "case" or "entitlement"
    id: int
    label: str  # case number, or program/cycle/person
    program: str
    household_id: int
    amount: Decimal
    currency: str
    owed_since: datetime
    days: int
    last_status: str  # the latest payment's status, "" if never in a batch


def _paid(source: str):
    return Exists(Payment.objects.filter(**{source: OuterRef("pk")}, status=PaymentStatus.PAID))


def _last_status(source: str, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for sid, status in (
        Payment.objects.filter(**{f"{source}_id__in": ids})
        .order_by("id")
        .values_list(f"{source}_id", "status")
    ):
        found[sid] = status
    return found


def late_awards(
    *,
    days: int | None = None,
    now: datetime | None = None,
    program: Program | None = None,
    region: Region | None = None,
    limit: int | None = 500,
) -> list[LateAward]:
    """Final awards and entitlements still unpaid more than ``days`` (default
    ``PAYOUT_LATE_DAYS``, 30) after they became final, oldest first; ``region``: only those of
    households in that region and below."""
    days = late_days_setting() if days is None else days
    now = now or timezone.now()
    cases, ents = _late_querysets(days=days, now=now, region=region)
    if program is not None:
        cases = cases.filter(program=program)
        ents = ents.filter(program=program)
    case_rows = list(
        cases.order_by("final_at").values_list(
            "id", "number", "program__code", "household_id", "amount", "amount_currency", "final_at"
        )[:limit]
    )
    ent_rows = list(
        ents.order_by("created_at").values_list(
            "id",
            "cycle__code",
            "program__code",
            "household_id",
            "amount",
            "amount_currency",
            "created_at",
            "enrolment__person__name",
        )[:limit]
    )
    case_status = _last_status("case", [r[0] for r in case_rows])
    ent_status = _last_status("entitlement", [r[0] for r in ent_rows])
    out = [
        LateAward(
            "case",
            pk,
            number,
            prog,
            hh,
            amount,
            cur,
            since,
            (now - since).days,
            case_status.get(pk, ""),
        )
        for pk, number, prog, hh, amount, cur, since in case_rows
    ]
    out += [
        LateAward(
            "entitlement",
            pk,
            f"{prog} {code} {name}",
            prog,
            hh,
            amount,
            cur,
            since,
            (now - since).days,
            ent_status.get(pk, ""),
        )
        for pk, code, prog, hh, amount, cur, since, name in ent_rows
    ]
    out.sort(key=lambda row: row.owed_since)
    return out[:limit] if limit else out


def _late_querysets(*, days: int, now: datetime, region: Region | None):
    cutoff = now - timedelta(days=days)
    cases = Case.objects.filter(state=CaseState.FINAL, final_at__lt=cutoff).exclude(_paid("case"))
    ents = Entitlement.objects.filter(created_at__lt=cutoff).exclude(_paid("entitlement"))
    if region is not None:
        cases = cases.filter(region__code__startswith=region.prefix)
        ents = ents.filter(household__region__code__startswith=region.prefix)
    return cases, ents


def late_awards_count(
    *, days: int | None = None, now: datetime | None = None, region: Region | None = None
) -> int:
    """For the home page: how many awards are unpaid past ``PAYOUT_LATE_DAYS`` (in ``region``
    and below, when given)."""
    days = late_days_setting() if days is None else days
    cases, ents = _late_querysets(days=days, now=now or timezone.now(), region=region)
    return cases.count() + ents.count()


# --------------------------------------------------------------------------------------------
# batches and jobs
# --------------------------------------------------------------------------------------------
def batches(*, status: str | None = None, program: Program | None = None) -> QuerySet[PayoutBatch]:
    qs = PayoutBatch.objects.select_related("program", "fund", "built_by", "approved_by")
    if status:
        qs = qs.filter(status=status)
    if program is not None:
        qs = qs.filter(program=program)
    return qs


def batch_payments(batch: PayoutBatch) -> QuerySet[Payment]:
    return Payment.objects.filter(batch=batch).select_related("case", "entitlement").order_by("id")


def job_progress(job_id: int) -> JobProgress | None:
    return JobProgress.objects.filter(pk=job_id).first()


# --------------------------------------------------------------------------------------------
# what a staff user may see (the screens scope every read by the user's region)
# --------------------------------------------------------------------------------------------
def staff_region(user) -> Region | None:
    profile = getattr(user, "staff_profile", None) if getattr(user, "pk", None) else None
    return profile.region if profile is not None else None


def covers_whole_county(user) -> bool:
    """A user of the county itself (not a township or village) acts on program-wide things:
    opening and generating a cycle creates entitlements in every village."""
    region = staff_region(user)
    return region is not None and region.level == RegionLevel.COUNTY


def batches_for_user(user) -> QuerySet[PayoutBatch]:
    """Batches built for the user's region or a region below it. A batch with no region covers
    every region, so only county users see it. None without a staff region."""
    region = staff_region(user)
    if region is None:
        return PayoutBatch.objects.none()
    scope = Q(region__code__startswith=region.prefix)
    if region.level == RegionLevel.COUNTY:
        scope |= Q(region__isnull=True)
    return PayoutBatch.objects.filter(scope).select_related(
        "program", "fund", "region", "built_by", "approved_by"
    )


def enrolments_for_user(user) -> QuerySet[Enrolment]:
    """Enrolments paid to households of the user's region and below (none without a region)."""
    region = staff_region(user)
    if region is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(
        household__region__code__startswith=region.prefix
    ).select_related("program", "person", "household", "household__region")


def cycles_with_counts(*, program: Program | None = None) -> QuerySet[Cycle]:
    """Cycles of recurring programs with how many entitlements each has and their total."""
    qs = Cycle.objects.select_related("program", "created_by").annotate(
        entitlement_count=Count("entitlements"), entitlement_total=Sum("entitlements__amount")
    )
    if program is not None:
        qs = qs.filter(program=program)
    return qs.order_by("program__code", "-code")
