"""Recurring programs: enrol beneficiaries, suspend / exit / reinstate them, open cycles and
generate each cycle's entitlements (booked to awards payable in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed
from djmoney.money import Money

from approvals.models import (
    AmountRule,
    AwardClaim,
    Case,
    CaseState,
    ClaimSource,
    ClaimStatus,
    ObjectionStatus,
    Person,
    Program,
    RegionLevel,
)
from approvals.selectors import staff_region
from approvals.services.claims import claim_source_text, duplicate_award_error
from common.dbstats import refresh_after
from common.replay import mark_replayed
from ledger import chart
from ledger.audit import AuditAction, audit
from ledger.locks import lock_head
from ledger.models import Account, JournalEntry, JournalLine
from ledger.services import EntrySpec, LineSpec, journal_post_many

from ..exceptions import InsufficientFunds, InvalidInput, InvalidState, NotAllowed
from ..models import (
    PAID_OUTCOMES,
    RECURRING_CATEGORIES,
    Confirmation,
    ConfirmationRow,
    ConfirmationStatus,
    Cycle,
    CycleStatus,
    Enrolment,
    EnrolmentHistory,
    EnrolmentStatus,
    Entitlement,
)
from ._common import NO_PROGRESS, ZERO, Progress, available, money_text, require_perm, required_text

PERM_ENROL = "disbursement.manage_enrolment"
PERM_GENERATE = "disbursement.generate_cycle"
POST_CHUNK = 5000
HELD_LISTED = 200


def _recurring_program(program: Program) -> Money:
    """The fixed amount each beneficiary of a recurring program receives per cycle."""
    if program.category not in RECURRING_CATEGORIES:
        raise InvalidInput(
            _(
                "Program %(code)s is a one-off relief program; cycles and enrolments are for "
                "recurring programs (annual reward, special assistance)."
            )
            % {"code": program.code}
        )
    if program.amount_rule == AmountRule.REQUESTED or program.amount is None:
        raise InvalidInput(
            _("Program %(code)s has no fixed amount; a recurring program pays a fixed amount.")
            % {"code": program.code}
        )
    return program.amount


# --------------------------------------------------------------------------------------------
# enrolments
# --------------------------------------------------------------------------------------------
def enrolments_from_case(case: Case) -> list[Enrolment]:
    """Enrol the beneficiaries of a final case of a recurring program (``approvals.hooks``
    calls it inside the case's finalisation). The case is the enrolment's source: reviewed tier
    by tier and posted publicly, never one person's click. Idempotent: a person already
    enrolled in the program keeps the enrolment they have (an exit stays an exit)."""
    program = case.program
    if program.category not in RECURRING_CATEGORIES:
        return []
    if case.state != CaseState.FINAL:
        raise InvalidState(
            _("Case %(number)s is not final: only a final case enrols its beneficiaries.")
            % {"number": case.number}
        )
    on = timezone.localdate(case.final_at) if case.final_at else timezone.localdate()
    people = list(
        Person.objects.filter(memberships__case=case).select_related("household").order_by("pk")
    )
    known = set(
        Enrolment.objects.filter(program=program, person__in=people).values_list(
            "person_id", flat=True
        )
    )
    made = []
    for person in people:
        if person.pk in known:
            continue
        enrolment = Enrolment.objects.create(
            program=program,
            person=person,
            household=person.household,
            source_case=case,
            enrolled_on=on,
            created_by=None,  # the case's approval enrols; the case names its people
        )
        EnrolmentHistory.objects.create(
            enrolment=enrolment,
            actor=None,
            from_status="",
            to_status=EnrolmentStatus.ACTIVE,
            reason=_("Final case %(number)s") % {"number": case.number},
            effective_date=on,
        )
        audit(
            actor=None,
            action=AuditAction.ENROLMENT_CREATE,
            obj=enrolment,
            program=program.code,
            case=case.number,
        )
        made.append(enrolment)
    return made


_LABELS = {
    "suspend": gettext_lazy("suspended"),
    "exit": gettext_lazy("exited"),
    "reinstate": gettext_lazy("reinstated"),
}


def _change(enrolment: Enrolment, action: str, *, reason: str, on: date | None, actor) -> Enrolment:
    require_perm(actor, PERM_ENROL)
    reason = required_text(reason, _("The reason"))
    on = on or timezone.localdate()
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        method = getattr(enrolment, action)
        if not can_proceed(method):
            raise InvalidState(
                _("The enrolment is %(status)s: it cannot be %(action)s.")
                % {
                    "status": EnrolmentStatus(enrolment.status).label,
                    "action": _LABELS[action],
                }
            )
        before = enrolment.status
        method(reason, on)
        try:
            enrolment.save()
        except ConcurrentTransition as exc:
            raise InvalidState(_("The enrolment was changed a moment ago; reload it.")) from exc
        EnrolmentHistory.objects.create(
            enrolment=enrolment,
            actor=actor if getattr(actor, "pk", None) else None,
            from_status=before,
            to_status=enrolment.status,
            reason=reason,
            effective_date=on,
        )
        audit(
            actor=actor,
            action=AuditAction(f"enrolment.{action}"),
            obj=enrolment,
            reason=reason,
            on=on.isoformat(),
        )
    return enrolment


def enrolment_suspend(*, enrolment: Enrolment, reason: str, actor, on: date | None = None):
    """Pause a beneficiary: no new entitlements, and unpaid ones wait, until reinstated."""
    return _change(enrolment, "suspend", reason=reason, on=on, actor=actor)


def enrolment_exit(*, enrolment: Enrolment, reason: str, actor, on: date | None = None):
    """End an enrolment for good (death, moved away, found ineligible): no further
    entitlements. Entitlements generated before stay owed and are paid."""
    return _change(enrolment, "exit", reason=reason, on=on, actor=actor)


def enrolment_reinstate(*, enrolment: Enrolment, reason: str, actor, on: date | None = None):
    """Lift a suspension (an exit is final)."""
    return _change(enrolment, "reinstate", reason=reason, on=on, actor=actor)


# --------------------------------------------------------------------------------------------
# cycles
# --------------------------------------------------------------------------------------------
def _require_county(actor) -> None:
    """A cycle creates entitlements in every village: staff of a township or village do not
    open or generate one (the screens and the API say so before they get here)."""
    region = staff_region(actor)
    if region is not None and region.level != RegionLevel.COUNTY:
        raise NotAllowed(
            _(
                "Cycles are opened and generated for the whole county (entitlements in every "
                "village): only staff working at the county do it."
            )
        )


def cycle_open(*, program: Program, code: str, actor) -> Cycle:
    require_perm(actor, PERM_GENERATE)
    _require_county(actor)
    _recurring_program(program)
    code = required_text(code, _("The cycle"))
    with transaction.atomic():
        cycle, created = Cycle.objects.get_or_create(
            program=program,
            code=code,
            defaults={"created_by": actor if getattr(actor, "pk", None) else None},
        )
        if created:
            audit(
                actor=actor,
                action=AuditAction.CYCLE_OPEN,
                obj=cycle,
                program=program.code,
                code=code,
            )
    # Decided by the unique (program, code) under the transaction, so a concurrent repeat is a
    # replay too (common.replay: the API answers 200, not 201).
    return cycle if created else mark_replayed(cycle)


@dataclass
class GenerationReport:
    cycle: Cycle
    created: int
    total: Money
    already: int  # entitlements this cycle had before
    # Active beneficiaries left out because they already have an award in the program and
    # cycle (a final relief case): [{"name", "source", "label"}], at most HELD_LISTED of them.
    held: list[dict] = field(default_factory=list)
    held_count: int = 0
    # Confirmed rows not booked: an open objection, back at a tier after an upheld one, or
    # posted again after a change and still on display. Booked by a later generation.
    objection_held: int = 0

    def held_text(self) -> list[str]:
        return [held_text(h) for h in self.held]


def held_text(held: dict) -> str:
    """One beneficiary left out of a cycle, in a sentence naming the award they already have."""
    claim = AwardClaim(source=held["source"], label=held["label"])
    return _("%(name)s: already awarded through %(source)s") % {
        "name": held["name"],
        "source": claim_source_text(claim),
    }


def cycle_generate(
    *, cycle: Cycle, actor, today: date | None = None, progress: Progress = NO_PROGRESS
) -> GenerationReport:
    """Book the entitlements of the cycle's approved annual confirmation that are not booked
    yet (its approval books them: this books what it could not, e.g. a beneficiary reinstated
    since). Refused without an approved confirmation. See ``book_confirmed``."""
    require_perm(actor, PERM_GENERATE)
    _require_county(actor)
    return book_confirmed(cycle=cycle, actor=actor, today=today, progress=progress)


def held_rows(confirmation, today: date):
    """The confirmation's rows held by an objection: open, or upheld and back at a tier
    (the database refuses to book these too), or re-posted after their review and still on
    display until ``repost_ends_on``."""
    return confirmation.rows.filter(
        Q(review_tier__isnull=False)
        | Q(objections__status=ObjectionStatus.OPEN)
        | Q(repost_ends_on__gte=today)
    ).distinct()


def book_confirmed(
    *, cycle: Cycle, actor, today: date | None = None, progress: Progress = NO_PROGRESS
) -> GenerationReport:
    """One entitlement per continued or new row of the cycle's approved annual confirmation
    whose enrolment is active and has none in this cycle yet, each booked (expense Dr / awards
    payable Cr in the program's fund), all in one transaction. The caller checked who acts
    (``cycle_generate``: the officer; ``confirmation_approve``: the second person).

    Refused, with nothing written, without an approved confirmation of the cycle (the database
    refuses such an entitlement too), and when the fund's available money (bank less awards
    payable and reservations) does not cover the new entitlements. Running it again creates
    nothing new: ``(cycle, enrolment)`` is unique in the database and each booking has the
    idempotency key ``entitlement:<cycle>:<enrolment>``.
    """
    today = today or timezone.localdate()
    program = cycle.program
    amount = _recurring_program(program)
    currency = str(amount.currency)
    fund = program.fund
    progress.start(0, _("Finding active enrolments"))
    with transaction.atomic():
        lock_head()  # the global lock order: the ledger's chain head first
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.OPEN:
            raise InvalidState(
                _("Cycle %(code)s is closed; no entitlements are generated in it.")
                % {"code": cycle.code}
            )
        confirmation = Confirmation.objects.filter(
            cycle=cycle, status=ConfirmationStatus.APPROVED
        ).first()
        if confirmation is None:
            raise InvalidState(
                _(
                    "Cycle %(code)s has no approved annual confirmation: prepare the "
                    "confirmation, have it reviewed and posted, and have a second person approve "
                    "the cycle; its approval books the entitlements."
                )
                % {"code": cycle.code}
            )
        already = Entitlement.objects.filter(cycle=cycle).count()
        held_back = held_rows(confirmation, today)
        objection_held = (
            held_back.filter(outcome__in=PAID_OUTCOMES)
            .exclude(enrolment__entitlements__cycle=cycle)
            .count()
        )
        due = Enrolment.objects.filter(
            program=program,
            status=EnrolmentStatus.ACTIVE,
            enrolled_on__lte=today,
            pk__in=ConfirmationRow.objects.filter(
                confirmation=confirmation, outcome__in=PAID_OUTCOMES
            )
            .exclude(pk__in=held_back.values("pk"))
            .values("enrolment_id"),
        ).exclude(entitlements__cycle=cycle)
        # One beneficiary, one award per program and cycle: a person already awarded in this
        # cycle (a final relief case of the program) is left out and listed, not booked twice.
        # Read after the ledger's lock, which every award booking takes first.
        awarded = AwardClaim.objects.filter(
            program=program, cycle=cycle.code, status=ClaimStatus.LIVE
        )
        held_qs = awarded.filter(person_id__in=due.values("person_id"))
        held_count = held_qs.count()
        held = [
            {"name": c.person.name, "source": c.source, "label": c.label}
            for c in held_qs.select_related("person").order_by("person_id")[:HELD_LISTED]
        ]
        todo = list(
            due.exclude(Exists(awarded.filter(person_id=OuterRef("person_id"))))
            .order_by("id")
            .values_list("id", "household_id")
        )
        total = amount.amount * len(todo)
        progress.start(len(todo), _("Booking entitlements"))
        if todo:
            free = available(fund, currency)
            if free < total:
                raise InsufficientFunds(
                    _(
                        "Fund %(fund)s has %(free)s available (bank less awards payable and "
                        "reservations); cycle %(code)s needs %(need)s for %(n)s beneficiaries. "
                        "Add money to the fund before generating the cycle."
                    )
                    % {
                        "fund": fund.code,
                        "free": money_text(free, currency),
                        "code": cycle.code,
                        "need": money_text(total, currency),
                        "n": len(todo),
                    }
                )
            accounts = Account.objects.in_bulk(
                [program.expense_account, chart.AWARDS_PAYABLE], field_name="code"
            )
            expense, payable = accounts[program.expense_account], accounts[chart.AWARDS_PAYABLE]
            memo = _("Entitlement %(program)s %(cycle)s") % {
                "program": program.code,
                "cycle": cycle.code,
            }
            done = 0
            for start in range(0, len(todo), POST_CHUNK):
                chunk = todo[start : start + POST_CHUNK]
                entries = journal_post_many(
                    entries=[
                        EntrySpec(
                            date=today,
                            lines=[
                                LineSpec(expense, fund, "D", amount),
                                LineSpec(payable, fund, "C", amount),
                            ],
                            idempotency_key=f"entitlement:{cycle.pk}:{enrolment_id}",
                            memo=memo,
                            source="disbursement",
                        )
                        for enrolment_id, _household in chunk
                    ],
                    actor=None,  # the system books it; the audit event names who generated
                )
                Entitlement.objects.bulk_create(
                    [
                        Entitlement(
                            cycle=cycle,
                            enrolment_id=enrolment_id,
                            program=program,
                            household_id=household_id,
                            amount=amount,
                            entry=entry,
                        )
                        for (enrolment_id, household_id), entry in zip(chunk, entries, strict=True)
                    ]
                )
                done += len(chunk)
                progress.step(done)
            _take_claims(cycle)
        cycle.generated_at = timezone.now()
        cycle.save(update_fields=["generated_at"])
        audit(
            actor=actor,
            action=AuditAction.CYCLE_GENERATE,
            obj=cycle,
            created=len(todo),
            total=str(total),
            already=already,
            held=held_count,
            objection_held=objection_held,
        )
        refresh_after(
            len(todo),
            Entitlement._meta.db_table,
            JournalEntry._meta.db_table,
            JournalLine._meta.db_table,
        )
    return GenerationReport(
        cycle=cycle,
        created=len(todo),
        total=Money(total or ZERO, currency),
        already=already,
        held=held,
        held_count=held_count,
        objection_held=objection_held,
    )


def _take_claims(cycle: Cycle) -> None:
    """The cycle's new entitlements claim their beneficiaries' one award of the program and
    cycle, in one ``INSERT ... SELECT``. The unique constraint on live claims refuses a second
    award that got past the reading above (it cannot under the ledger's lock, but a path that
    does not read would): the whole generation is then refused, naming the first award."""
    claim = AwardClaim._meta.db_table
    sql = f"""
        INSERT INTO {claim} (person_id, program_id, cycle, source, source_id, label, status,
                             created_at)
        SELECT en.person_id, e.program_id, %s, %s, e.id, %s, %s, %s
        FROM {Entitlement._meta.db_table} e
        JOIN {Enrolment._meta.db_table} en ON en.id = e.enrolment_id
        WHERE e.cycle_id = %s AND NOT EXISTS (
            SELECT 1 FROM {claim} c WHERE c.source = %s AND c.source_id = e.id
        )
    """  # noqa: S608 - table names are ours; every value is a parameter
    params = [
        cycle.code,
        ClaimSource.ENTITLEMENT.value,
        cycle.code,
        ClaimStatus.LIVE.value,
        timezone.now(),
        cycle.pk,
        ClaimSource.ENTITLEMENT.value,
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except IntegrityError as exc:
        person_ids = Enrolment.objects.filter(entitlements__cycle=cycle).values("person_id")
        first = (
            AwardClaim.objects.filter(
                program=cycle.program,
                cycle=cycle.code,
                status=ClaimStatus.LIVE,
                person_id__in=person_ids,
            )
            .exclude(source=ClaimSource.ENTITLEMENT)
            .select_related("person", "program")
            .first()
        )
        if first is None:  # pragma: no cover - an integrity error of another kind
            raise
        raise duplicate_award_error(first) from exc


def cycle_close(*, cycle: Cycle, actor) -> Cycle:
    require_perm(actor, PERM_GENERATE)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.CLOSED:
            cycle.status = CycleStatus.CLOSED
            cycle.save(update_fields=["status"])
            audit(actor=actor, action=AuditAction.CYCLE_CLOSE, obj=cycle)
    return cycle


__all__ = [
    "GenerationReport",
    "held_text",
    "cycle_close",
    "book_confirmed",
    "cycle_generate",
    "cycle_open",
    "enrolments_from_case",
    "enrolment_exit",
    "enrolment_reinstate",
    "enrolment_suspend",
]
