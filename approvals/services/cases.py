"""The applicant's side of a relief case: file it, submit it into review, resubmit it after a
return for materials, withdraw it before it is final; and what filing checks (the amount under
the program's rule, the cycle, eligibility, one open case per person, program and cycle).

The life of a relief case: file, submit, review tier by tier, return, reject, withdraw, become
final (award booked), cancel (award reversed). It runs through three modules: this one;
``review`` (approve, return, reject at a tier); ``awards`` (final with the award booked,
cancelled with the award reversed). ``notices`` puts approved cases on notice, reserving their
money.

Every service here runs in one transaction that locks the case row (filing: the people's rows,
in primary-key order), checks the state (``can_proceed``), the transition's permission
(``has_transition_perm``) and the domain rules (region, eligibility, duplicates), runs the
transition, saves, and writes a ``CaseHistory`` row and an audit event. A refusal raises a typed
error from ``approvals.exceptions`` and changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ledger.audit import AuditAction, audit
from ledger.limits import check_ceiling
from ledger.models import DocumentKind

from ..exceptions import (
    DuplicateBeneficiary,
    InvalidInput,
    NotEligible,
    ProgramMisconfigured,
)
from ..models import (
    PERM_FILE,
    AmountRule,
    Case,
    CaseMember,
    CaseState,
    Household,
    NoticeItem,
    NoticeStatus,
    Person,
    Program,
    new_lookup_code,
    region_covers,
)
from ._common import (
    check_transition,
    lock_case,
    record,
    require_perm,
    require_region,
    required_text,
)
from .awards import release_reservation
from .claims import claims_check
from .review import next_tier_order
from .steps import close_membership, save_case

CENT = Decimal("0.01")
CYCLE_FORMATS = ("%Y", "%Y-%m")


# --------------------------------------------------------------------------------------------
# amounts and eligibility
# --------------------------------------------------------------------------------------------
def case_amount(*, program: Program, people: int, requested: Money | None = None) -> Money:
    """The amount a case receives under the program's rule, within the award ceiling
    (``ledger.limits``: a mistyped program amount or cap cannot make an absurd award)."""
    amount = _rule_amount(program=program, people=people, requested=requested)
    check_ceiling(DocumentKind.AWARD, amount)
    return amount


def _rule_amount(*, program: Program, people: int, requested: Money | None) -> Money:
    if program.amount_rule == AmountRule.PER_HOUSEHOLD:
        return program.amount
    if program.amount_rule == AmountRule.PER_PERSON:
        return Money(program.amount.amount * people, program.amount.currency)
    if not isinstance(requested, Money):
        raise InvalidInput(
            _("Program %(code)s pays the amount requested: give the requested amount.")
            % {"code": program.code}
        )
    if str(requested.currency) != str(program.cap.currency):
        raise InvalidInput(_("Request the amount in %(cur)s.") % {"cur": program.cap.currency})
    value = requested.amount
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise InvalidInput(
            _("The requested amount must be above zero with at most two decimal places.")
        )
    if requested > program.cap:
        raise NotEligible(
            _("The requested amount %(amount)s is above the program's cap of %(cap)s.")
            % {"amount": requested, "cap": program.cap}
        )
    return requested


def _check_cycle(cycle: str) -> str:
    from datetime import datetime

    cycle = (cycle or "").strip()
    for fmt in CYCLE_FORMATS:
        try:
            datetime.strptime(cycle, fmt)  # noqa: DTZ007 - a label, not a moment
        except ValueError:
            continue
        if len(cycle) in (4, 7):
            return cycle
    raise InvalidInput(_('The cycle is a year or a month: "2026" or "2026-11".'))


def check_window(program: Program, today: date) -> None:
    """Applications to the program are taken on ``today``: inside its one-off dates and its
    yearly window (e.g. 1 January – 31 March), when it has them."""
    if program.window_open_on(today):
        return
    if program.opens_on and today < program.opens_on:
        raise NotEligible(
            _("Applications to %(code)s open on %(day)s.")
            % {"code": program.code, "day": program.opens_on.isoformat()}
        )
    if program.closes_on and today > program.closes_on:
        raise NotEligible(
            _("Applications to %(code)s closed on %(day)s.")
            % {"code": program.code, "day": program.closes_on.isoformat()}
        )
    raise NotEligible(
        _(
            "Applications to %(code)s are taken each year from %(window)s (month-day); today, "
            "%(today)s, is outside that window. File or submit the case within it."
        )
        % {"code": program.code, "window": program.window_text(), "today": today.isoformat()}
    )


def age_day(program: Program, cycle: str, today: date) -> date:
    """The day ages are counted on for a case of ``cycle``: the program's eligibility day in
    the cycle's year (e.g. 31 December: "aged 60 by the end of the year"), else ``today``."""
    return program.eligibility_date(int(cycle[:4])) or today


def age_refusal(program: Program, person: Person, on: date) -> str:
    """Why the person's age on ``on`` is outside the program's ages ("" when it is not)."""
    age = person.age_on(on)
    if program.min_age is not None and age < program.min_age:
        return _("%(name)s is %(age)s on %(day)s; program %(code)s starts at age %(min)s.") % {
            "name": person.name,
            "age": age,
            "day": on.isoformat(),
            "code": program.code,
            "min": program.min_age,
        }
    if program.max_age is not None and age > program.max_age:
        return _("%(name)s is %(age)s on %(day)s; program %(code)s ends at age %(max)s.") % {
            "name": person.name,
            "age": age,
            "day": on.isoformat(),
            "code": program.code,
            "max": program.max_age,
        }
    return ""


def _check_eligibility(
    *, program: Program, household: Household, members, today: date, cycle: str
) -> None:
    if not program.is_active:
        raise NotEligible(_("Program %(code)s is closed.") % {"code": program.code})
    errors = program.configuration_errors()
    if errors:
        raise ProgramMisconfigured(" ".join(str(e) for e in errors.values()))
    if not program.tiers.exists():
        raise ProgramMisconfigured(
            _("Program %(code)s has no review tier; the administrator must add one.")
            % {"code": program.code}
        )
    check_window(program, today)
    allowed = list(program.allowed_regions.all())
    if allowed and not any(region_covers(r, household.region) for r in allowed):
        raise NotEligible(
            _("Program %(code)s does not cover %(region)s.")
            % {"code": program.code, "region": household.region.name}
        )
    on = age_day(program, cycle, today)
    for person in members:
        refusal = age_refusal(program, person, on)
        if refusal:
            raise NotEligible(refusal)


def _check_duplicates(*, program: Program, cycle: str, members: Sequence[Person]) -> None:
    """One open case per person, program and cycle; none in an excluded program in the cycle.
    Called with the people's rows locked, so two clerks cannot slip past each other."""
    open_rows = CaseMember.objects.filter(
        person__in=members, cycle=cycle, is_open=True
    ).select_related("case", "person", "program")
    excluded = set(program.excludes.values_list("pk", flat=True))
    for row in open_rows:
        if row.program_id == program.pk:
            raise DuplicateBeneficiary(
                _(
                    "%(name)s is already in case %(number)s of program %(code)s for cycle "
                    "%(cycle)s; one person has one open case per program and cycle."
                )
                % {
                    "name": row.person.name,
                    "number": row.case.number,
                    "code": program.code,
                    "cycle": cycle,
                }
            )
        if row.program_id in excluded:
            raise DuplicateBeneficiary(
                _(
                    "%(name)s is in case %(number)s of program %(other)s for cycle %(cycle)s, "
                    "which excludes program %(code)s."
                )
                % {
                    "name": row.person.name,
                    "number": row.case.number,
                    "other": row.program.code,
                    "cycle": cycle,
                    "code": program.code,
                }
            )


def _strike_from_notices(case: Case) -> None:
    NoticeItem.objects.filter(
        case=case, struck=False, notice__status=NoticeStatus.PUBLISHED
    ).update(struck=True)


# --------------------------------------------------------------------------------------------
# the services
# --------------------------------------------------------------------------------------------
def case_file(
    *,
    program: Program,
    household: Household,
    cycle: str,
    actor,
    members: Sequence[Person] | None = None,
    requested_amount: Money | None = None,
    comment: str = "",
    today: date | None = None,
) -> Case:
    """Open a draft case for a household (all its people, or the listed ``members``)."""
    today = today or timezone.localdate()
    require_perm(actor, PERM_FILE)
    require_region(actor, household.region, _("Household %(id)s") % {"id": household.pk})
    cycle = _check_cycle(cycle)
    people = list(household.people.all()) if members is None else list(members)
    if not people:
        raise InvalidInput(_("Choose at least one beneficiary."))
    if any(p.household_id != household.pk for p in people):
        raise InvalidInput(_("Every beneficiary must belong to the household."))
    if len({p.pk for p in people}) != len(people):
        raise InvalidInput(_("A beneficiary is listed twice."))
    _check_eligibility(
        program=program, household=household, members=people, today=today, cycle=cycle
    )
    amount = case_amount(program=program, people=len(people), requested=requested_amount)
    try:
        with transaction.atomic():
            list(
                Person.objects.select_for_update()
                .filter(pk__in=[p.pk for p in people])
                .order_by("pk")
            )
            _check_duplicates(program=program, cycle=cycle, members=people)
            claims_check(program=program, cycle=cycle, person_ids=[p.pk for p in people])
            case = Case.objects.create(
                number=f"tmp-{uuid.uuid4().hex[:16]}",
                lookup_code=new_lookup_code(),
                program=program,
                household=household,
                cycle=cycle,
                region=household.region,
                amount=amount,
                filed_by=actor,
            )
            # A human number from the row id: unique without a counter to contend on.
            case.number = f"RC{today:%Y%m}-{case.pk:06d}"
            Case.objects.filter(pk=case.pk).update(number=case.number)
            CaseMember.objects.bulk_create(
                CaseMember(case=case, person=p, program=program, cycle=cycle) for p in people
            )
            record(
                case,
                actor=actor,
                from_state="",
                decision="file",
                comment=comment,
                amount=str(amount.amount),
                currency=str(amount.currency),
                people=len(people),
            )
    except IntegrityError as exc:
        # Only a race past the person locks (e.g. SQLite without them) reaches the constraint.
        raise DuplicateBeneficiary(
            _("One of these people was put in another open case of this program a moment ago.")
        ) from exc
    return case


def case_submit(*, case: Case, actor, comment: str = "", today: date | None = None) -> Case:
    """draft -> submitted -> in_review at the first tier that applies to the amount; refused
    outside the program's application window."""
    today = today or timezone.localdate()
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "submit", actor, _("submitted"))
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        check_window(case.program, today)
        first = next_tier_order(case, after=0)
        if first is None:
            raise ProgramMisconfigured(
                _(
                    "No review tier of program %(code)s applies to %(amount)s; the administrator "
                    "must add a tier without a minimum amount."
                )
                % {"code": case.program.code, "amount": case.amount}
            )
        case.submit()
        save_case(case)
        record(case, actor=actor, from_state=CaseState.DRAFT, decision="submit", comment=comment)
        case.start_review(first)
        save_case(case)
        record(
            case, actor=None, from_state=CaseState.SUBMITTED, decision="start_review", tier=first
        )
    return case


def case_resubmit(*, case: Case, actor, comment: str = "") -> Case:
    """returned -> in_review at the tier that returned it (materials supplied)."""
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "resubmit", actor, _("resubmitted"))
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        supplied = list(case.missing_items)
        case.resubmit()
        save_case(case)
        record(
            case,
            actor=actor,
            from_state=CaseState.RETURNED,
            decision="resubmit",
            tier=case.current_tier,
            comment=comment,
            supplied=supplied,
        )
    return case


def case_withdraw(*, case: Case, actor, reason: str) -> Case:
    """Withdraw before final (the applicant's wish, said through a case worker)."""
    reason = required_text(reason, _("The reason for withdrawing"))
    with transaction.atomic():
        case = lock_case(case)
        check_transition(case, "withdraw", actor, _("withdrawn"))
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        from_state = case.state
        case.withdraw(reason)
        save_case(case)
        released = release_reservation(case, "withdrawn")
        close_membership(case)
        _strike_from_notices(case)
        record(
            case,
            actor=actor,
            from_state=from_state,
            decision="withdraw",
            comment=reason,
            released=str(released.amount.amount) if released else None,
        )
    return case


def case_lookup_code_issue(*, case: Case, actor, reissue: bool = False) -> str:
    """The case's look-up code for the applicant's acknowledgement: the one it has, or a new
    one when it has none (or ``reissue``: the old one was seen by someone else; it stops
    working at once). Audited (never the code itself)."""
    require_perm(actor, PERM_FILE)
    with transaction.atomic():
        case = lock_case(case)
        require_region(actor, case.region, _("Case %(number)s") % {"number": case.number})
        if case.lookup_code and not reissue:
            return case.lookup_code
        case.lookup_code = new_lookup_code()
        Case.objects.filter(pk=case.pk).update(lookup_code=case.lookup_code)
        audit(
            actor=actor,
            action=AuditAction.CASE_LOOKUP_CODE_ISSUE,
            obj=case,
            number=case.number,
            reissue=reissue,
        )
    return case.lookup_code
