"""Building a payout batch (a finance officer): select every final award and entitlement still
owed, leave out (and list why) what cannot be paid, and write the payments in one
``INSERT ... SELECT`` per source kind. The batch's life after building (approve, discard, export)
is in ``batches``.

Lock order, as everywhere: the ledger's chain head first (``ledger.locks.lock_head``: every
service that checks money and then books or commits it takes it), then the batch row.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from djmoney.money import Money

from approvals.models import (
    AccountChangeStatus,
    AwardClaim,
    BankAccountChange,
    ClaimStatus,
    Household,
    Person,
    Program,
    Region,
    region_covers,
)
from approvals.selectors import staff_region
from common.dbstats import refresh_after
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head

from ..exceptions import InvalidInput, InvalidState, NotAllowed, NothingToPay
from ..models import AccountOwner, EnrolmentStatus, Payment, PaymentStatus, PayoutBatch
from ..selectors import open_recoveries, unpaid_cases, unpaid_entitlements
from ._common import NO_PROGRESS, ZERO, Progress, check_payout_cover, require_perm, without_jit
from .batches import PERM_BUILD, batch_label, save_batch

SKIPPED_LISTED = 200


def _head(field: str):
    # No ordering: a household has one head (a unique constraint), and Person's default ordering
    # joined household and region for every payment of the batch.
    return Subquery(
        Person.objects.filter(household=OuterRef("household_id"), is_head=True)
        .order_by()
        .values(field)[:1]
    )


def _payee(kind: str, field: str):
    """A field of whom a source pays: a case its household's head (the applicant, as always),
    an entitlement its own beneficiary (the enrolled person, not the head)."""
    if kind == "case":
        if field == "id":
            return _head(field)
        return Coalesce(_head(field), Value(""), output_field=TextField())
    return F(f"enrolment__person__{field}")


def _with_payee_account(qs, kind: str):
    """The source with where its money would go: the payee's own account, else the household's
    default (``to_hash`` empty: neither has one)."""
    qs = qs.annotate(
        payee_ref=_payee(kind, "id"),
        payee_enc=_payee(kind, "bank_account_enc"),
        payee_hash=_payee(kind, "bank_account_hash"),
    )
    return qs.annotate(
        to_hash=DbCase(
            When(~Q(payee_enc=""), then=F("payee_hash")),
            default=F("household__bank_account_hash"),
            output_field=TextField(),
        )
    )


def _unchanged_account(source: str):
    """A failed payment of the source went to the account its payee would be paid to again."""
    return Exists(
        Payment.objects.filter(
            **{source: OuterRef("pk")},
            status=PaymentStatus.FAILED,
            account_hash=OuterRef("to_hash"),
        )
    )


def _duplicate(source: str):
    """The source was found, when the one-award rule came in, to be a second award of the same
    beneficiary, program and cycle (``ClaimStatus.DUPLICATE``): it is never paid beside the
    first."""
    return Exists(
        AwardClaim.objects.filter(
            source=source, source_id=OuterRef("pk"), status=ClaimStatus.DUPLICATE
        )
    )


def _account_change_waiting():
    """A change of the payee's own account, or of the household's default, awaits a second
    person's approval: the account on file may be the one being replaced."""
    waiting = BankAccountChange.objects.filter(status=AccountChangeStatus.PENDING)
    return Exists(waiting.filter(person_id=OuterRef("payee_ref"))) | Exists(
        waiting.filter(person__isnull=True, household_id=OuterRef("household_id"))
    )


def _sources(program, cycle, region, final_from, final_to, retry_unchanged):
    """(payable cases, payable entitlements, left out [(kind, label, reason)], left-out count)."""
    filters = dict(
        program=program, cycle=cycle, region=region, final_from=final_from, final_to=final_to
    )
    cases = _with_payee_account(unpaid_cases(**filters), "case")
    ents = _with_payee_account(unpaid_entitlements(**filters), "entitlement")
    skipped: list[dict] = []
    skipped_count = 0

    def leave_out(qs, kind: str, label: str, reason: str):
        nonlocal skipped_count
        n = qs.count()
        skipped_count += n
        for value in qs.values_list(label, flat=True)[: max(0, SKIPPED_LISTED - len(skipped))]:
            skipped.append({"kind": kind, "label": str(value), "reason": reason})

    no_account = _(
        "neither the payee nor the household has a bank account on file; set one on the "
        "person's or the household's page"
    )
    unchanged = _(
        "an earlier payment to the same account failed; correct the payee's bank account "
        "(or build with “retry unchanged accounts” if the bank's failure was temporary)"
    )
    suspended = _("the beneficiary's enrolment is suspended")
    duplicate = _(
        "a second award of the same beneficiary in this program and cycle (found when the "
        "one-award rule came in): cancel one of the two"
    )
    waiting = _(
        "a change of the payee's or the household's bank account awaits a second person's "
        "approval; build again once it is decided"
    )
    leave_out(cases.filter(_duplicate("case")), "case", "number", duplicate)
    cases = cases.exclude(_duplicate("case"))
    leave_out(cases.filter(to_hash=""), "case", "number", no_account)
    cases = cases.exclude(to_hash="")
    ents_label = "enrolment__person__name"
    leave_out(ents.filter(_duplicate("entitlement")), "entitlement", ents_label, duplicate)
    ents = ents.exclude(_duplicate("entitlement"))
    leave_out(ents.filter(to_hash=""), "entitlement", ents_label, no_account)
    ents = ents.exclude(to_hash="")
    leave_out(cases.filter(_account_change_waiting()), "case", "number", waiting)
    cases = cases.exclude(_account_change_waiting())
    leave_out(ents.filter(_account_change_waiting()), "entitlement", ents_label, waiting)
    ents = ents.exclude(_account_change_waiting())
    leave_out(
        ents.filter(enrolment__status=EnrolmentStatus.SUSPENDED),
        "entitlement",
        ents_label,
        suspended,
    )
    ents = ents.exclude(enrolment__status=EnrolmentStatus.SUSPENDED)
    if not retry_unchanged:
        leave_out(cases.filter(_unchanged_account("case")), "case", "number", unchanged)
        cases = cases.exclude(_unchanged_account("case"))
        leave_out(
            ents.filter(_unchanged_account("entitlement")), "entitlement", ents_label, unchanged
        )
        ents = ents.exclude(_unchanged_account("entitlement"))
    return cases, ents, skipped, skipped_count


_PAYMENT_COLUMNS = (
    "batch_id",
    "case_id",
    "entitlement_id",
    "household_id",
    "payee_id",
    "payee_name",
    "payee_id_enc",
    "account_owner",
    "account_enc",
    "account_hash",
    "account_last4",
    "bank_name",
    "amount",
    "amount_currency",
    "reference",
    "owed_since",
    "status",
    "bank_txn_id",
    "failure_reason",
    "reissue_of_id",
)


def _insert_payments(batch: PayoutBatch, kind: str, qs, since_field: str, first: int) -> int:
    """Write the batch's payments for one kind of source (``case`` or ``entitlement``) in one
    ``INSERT ... SELECT`` and return how many were written.

    The selection (``qs``, built by the selectors) runs inside the database: no row travels to
    Python and back. References are ``PB<batch>-<n>``, numbered on from ``first`` in source
    order. A source whose earlier payment in this program failed is reissued: the new payment
    points to the latest failed one (``reissue_of``), which the approval marks reissued. The
    database guards check the statement as they check any other insert.

    The payee (a case's household head, an entitlement's beneficiary) is joined once: their
    name and encrypted ID number are copied, and their own account when they have one, else
    the household's default (``account_owner`` says which).
    """
    source = qs.order_by().values(
        src=F("id"),
        hh=F("household_id"),
        amt=F("amount"),
        cur=F("amount_currency"),
        payee_pk=F("payee_ref"),
        since=F(since_field),
    )
    sub_sql, sub_params = source.query.get_compiler(using=source.db).as_sql()
    payment = Payment._meta.db_table
    person, household = Person._meta.db_table, Household._meta.db_table
    own = "pp.bank_account_enc <> ''"
    case_id, entitlement_id = ("s.src", "NULL") if kind == "case" else ("NULL", "s.src")
    sql = f"""
        INSERT INTO {payment} ({", ".join(_PAYMENT_COLUMNS)})
        SELECT %s, CAST({case_id} AS BIGINT), CAST({entitlement_id} AS BIGINT), s.hh,
               pp.id, SUBSTR(pp.name, 1, 50), pp.id_number_enc,
               CASE WHEN {own} THEN %s ELSE %s END,
               CASE WHEN {own} THEN pp.bank_account_enc ELSE h.bank_account_enc END,
               CASE WHEN {own} THEN pp.bank_account_hash ELSE h.bank_account_hash END,
               CASE WHEN {own} THEN pp.bank_account_last4 ELSE h.bank_account_last4 END,
               CASE WHEN {own} THEN pp.bank_name ELSE h.bank_name END,
               s.amt, s.cur,
               %s || CAST(%s + ROW_NUMBER() OVER (ORDER BY s.src) AS VARCHAR(20)), s.since,
               %s, '', '', f.failed_id
        FROM ({sub_sql}) s
        JOIN {person} pp ON pp.id = s.payee_pk
        JOIN {household} h ON h.id = s.hh
        LEFT JOIN (
            SELECT p.{kind}_id AS src, MAX(p.id) AS failed_id
            FROM {payment} p JOIN {PayoutBatch._meta.db_table} b ON b.id = p.batch_id
            WHERE b.program_id = %s AND p.status = %s AND p.{kind}_id IS NOT NULL
            GROUP BY p.{kind}_id
        ) f ON f.src = s.src
        ORDER BY s.src
    """  # noqa: S608 - table and column names are ours; every value is a parameter
    params = [
        batch.pk,
        AccountOwner.PERSON.value,
        AccountOwner.HOUSEHOLD.value,
        f"{batch_label(batch)}-",
        first,
        PaymentStatus.PENDING.value,
        *sub_params,
        batch.program_id,
        PaymentStatus.FAILED.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def batch_build(
    *,
    program: Program,
    actor,
    cycle: str = "",
    region: Region | None = None,
    final_from: date | None = None,
    final_to: date | None = None,
    retry_unchanged: bool = False,
    progress: Progress = NO_PROGRESS,
) -> PayoutBatch:
    """A draft batch of every final award and entitlement of ``program`` still owed, filtered by
    cycle, region (and below) and the date the award became final.

    Each payment pays its payee (an entitlement its beneficiary, a case its household's head)
    into the payee's own account, else the household's default. Left out, and listed on the
    batch: payees with neither account, payees whose account (or household's default) has a
    change awaiting approval, suspended
    beneficiaries, and (unless ``retry_unchanged``) sources whose last payment failed to the
    account the household still has. A failed payment's source goes into the new batch with
    ``reissue_of`` pointing to it; the failed payment is marked reissued when the batch is
    approved. Refused when the fund's cash at bank does not cover this batch plus the fund's
    approved batches not yet paid (``check_payout_cover``).
    """
    require_perm(actor, PERM_BUILD)
    if not getattr(actor, "pk", None):
        raise NotAllowed(
            _("A batch is built by a person (maker-checker): name the finance officer.")
        )
    own = staff_region(actor)
    if region is not None and own is not None and not region_covers(own, region):
        raise NotAllowed(
            _("Region %(region)s lies outside your region %(own)s.")
            % {"region": region.name, "own": own.name}
        )
    if final_from and final_to and final_from > final_to:
        raise InvalidInput(_("The period's first day must not be after its last day."))
    region = region or own
    currency = program.currency
    fund = program.fund
    progress.start(0, _("Selecting awards still owed"))
    with transaction.atomic():
        lock_head()
        without_jit()
        cases, ents, skipped, skipped_count = _sources(
            program, cycle, region, final_from, final_to, retry_unchanged
        )
        cases = cases.filter(amount_currency=currency)
        ents = ents.filter(amount_currency=currency)
        totals = [qs.aggregate(n=Count("id"), total=Sum("amount")) for qs in (cases, ents)]
        count = sum(t["n"] or 0 for t in totals)
        total = sum((t["total"] or ZERO for t in totals), ZERO).quantize(ZERO)
        if not count:
            raise NothingToPay(
                _(
                    "Nothing to pay in program %(code)s for this selection: every final award is "
                    "paid or already in a batch%(left)s."
                )
                % {
                    "code": program.code,
                    "left": (_("; %(n)s left out (see why in the list)") % {"n": skipped_count})
                    if skipped_count
                    else "",
                },
                problems=skipped,
            )
        check_payout_cover(fund=fund, currency=currency, amount=total)
        batch = PayoutBatch(
            program=program,
            fund=fund,
            cycle=cycle,
            region=region,
            final_from=final_from,
            final_to=final_to,
            total=Money(total, currency),
            count=count,
            skipped=[*skipped, {"count": skipped_count}] if skipped_count else [],
            built_by=actor,
        )
        save_batch(batch)
        progress.start(count, _("Writing payments"))
        n = 0
        for kind, qs, since_field in (
            ("case", cases, "final_at"),
            ("entitlement", ents, "created_at"),
        ):
            n += _insert_payments(batch, kind, qs, since_field, first=n)
            progress.step(n)
        if n != count:  # pragma: no cover - the selection is read under the posting lock
            raise InvalidState(_("The selection changed while the batch was built; build again."))
        # Payees who still owe back money paid in error are paid in full all the same (nothing
        # is deducted: 以扣代罚 is banned, and a recovery is claimed through its own refunds),
        # but never silently: the batch page lists them and the event counts them.
        owing = len(open_recoveries(Payment.objects.filter(batch=batch).values("payee_id")))
        audit(
            actor=actor,
            action=AuditAction.BATCH_BUILD,
            obj=batch,
            program=program.code,
            count=count,
            total=str(total),
            left_out=skipped_count,
            open_recoveries=owing,
        )
        refresh_after(count, Payment._meta.db_table)
    return batch
