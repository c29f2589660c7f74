"""Reads of the relief-case domain: the staff region and region scoping, what the staff screens
list (households, cases, notice candidates, objections), the reviewer's queue, public notices,
the public status look-up, and money reserved per fund (the ledger's reservation hook).

Public reads (``public_notices``, ``case_status_public``, ``objection_status_public``) return
plain dicts holding only what the public may see, so a view cannot show more by accident.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import workdays
from common.permissions import holds_perm
from ledger.models import Fund

from .hooks import objection_status_elsewhere, public_status_facts
from .models import (
    PERM_OBJECTION,
    REVIEW_STATES,
    Attachment,
    Case,
    CaseApproval,
    CaseHistory,
    CaseState,
    Household,
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Person,
    PersonStatus,
    Program,
    ProgramTier,
    Region,
    RegionLevel,
    Relation,
    Reservation,
    Sex,
    region_covers,
)

CENT = Decimal("0.01")


def regions_below(region: Region) -> QuerySet[Region]:
    """The region and every region below it (one index range scan on the code)."""
    return Region.objects.filter(code__startswith=region.prefix)


def staff_region(user) -> Region | None:
    """The region a staff user works in, or ``None`` when there is none to act in: for
    ``None`` (the system acting on its own), an anonymous or unsaved user, and a user without
    a staff profile. The one rule every app's scoping, permission class and service asks."""
    if user is None or not getattr(user, "pk", None):
        return None
    # A missing profile raises RelatedObjectDoesNotExist, an AttributeError: getattr's default.
    profile = getattr(user, "staff_profile", None)
    return profile.region if profile is not None else None


def cases_for_user(user) -> QuerySet[Case]:
    """Cases of the user's region and below (none without a region)."""
    region = staff_region(user)
    if region is None:
        return Case.objects.none()
    return Case.objects.filter(region__code__startswith=region.prefix).select_related(
        "program", "region", "household"
    )


def cases_with_ids(user, ids) -> QuerySet[Case]:
    """Those of ``ids`` that are cases of the user's region, by id (others are left out)."""
    return cases_for_user(user).filter(pk__in=ids).order_by("pk")


CASE_PAGE_SIZE = 50


def cases_numbered(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Those of ``cases`` whose number is ``text`` or begins with it (letters in any case):
    ``RC202612-000123`` or ``rc202612``. A range scan of the number's index."""
    text = "".join((text or "").split()).upper()
    return cases.filter(number__startswith=text) if text else cases


def cases_of_person_named(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Those of ``cases`` whose household has a person whose name contains ``text``: a
    substring, as Chinese names have no spaces to split at (明 finds 张小明). Letters in any
    case for names written in Latin letters."""
    text = (text or "").strip()
    if not text:
        return cases
    named = Person.objects.filter(household=OuterRef("household"), name__icontains=text)
    return cases.filter(Exists(named))


@dataclass
class CasePage:
    """One page of a case list in keyset order (newest first): no count of all the rows is
    ever taken; ``next_after`` is the id the next page starts below (None on the last)."""

    rows: list[Case]
    next_after: int | None
    tiers: dict[tuple[int, int], ProgramTier]


def case_list_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` newest first (the primary key's order), with what a list row shows."""
    heads = Prefetch("household__people", queryset=Person.objects.filter(is_head=True))
    return (
        cases.select_related("program", "region", "household")
        .prefetch_related(heads)
        .order_by("-id")
    )


def case_page(cases: QuerySet[Case], *, after: int | None, size: int | None = None) -> CasePage:
    """The page of ``cases`` (newest first) below id ``after`` (the first page for None)."""
    size = size or CASE_PAGE_SIZE
    rows = case_list_rows(cases)
    if after is not None:
        rows = rows.filter(pk__lt=after)
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    return CasePage(
        rows=found,
        next_after=found[-1].pk if more else None,
        tiers=tiers_of(found),
    )


def all_tiers() -> QuerySet[ProgramTier]:
    """Every program's tiers (a small configuration table), with their program."""
    return ProgramTier.objects.select_related("program")


def tiers_of(cases) -> dict[tuple[int, int], ProgramTier]:
    """(program id, order) -> tier, for the programs of ``cases`` (one query)."""
    programs = {c.program_id for c in cases}
    if not programs:
        return {}
    return {(t.program_id, t.order): t for t in ProgramTier.objects.filter(program__in=programs)}


def case_history(case: Case) -> QuerySet[CaseHistory]:
    return (
        case.history.select_related("actor", "case__program")
        .prefetch_related("case__program__tiers")
        .order_by("id")
    )


def case_attachments(case: Case) -> QuerySet[Attachment]:
    return case.attachments.select_related("uploaded_by")


# --------------------------------------------------------------------------------------------
# what the staff screens list, within the user's region
# --------------------------------------------------------------------------------------------
def households_for_user(user) -> QuerySet[Household]:
    """Households of the user's region and below, with their village (none without a region)."""
    region = staff_region(user)
    if region is None:
        return Household.objects.none()
    return Household.objects.filter(region__code__startswith=region.prefix).select_related("region")


def household_search(user, query: str = "", *, limit: int | None = 200) -> QuerySet[Household]:
    """The user's households, newest first, with their members: those whose address or a
    member's name contains ``query`` (a substring: Chinese names have no spaces), or whose
    number is ``query`` (every one when it is empty); at most ``limit`` (None: all)."""
    rows = households_for_user(user).prefetch_related("people").order_by("-id")
    if query:
        named = Person.objects.filter(household=OuterRef("pk"), name__icontains=query)
        found = Q(address__icontains=query) | Q(Exists(named))
        if query.isascii() and query.isdigit() and len(query) <= 18:
            found |= Q(pk=int(query))
        rows = rows.filter(found)
    return rows if limit is None else rows[:limit]


def household_members(household: Household) -> QuerySet[Person]:
    """The head first, then the others in the order they were registered."""
    return household.people.order_by("-is_head", "id")


def household_cases(household: Household) -> QuerySet[Case]:
    return household.cases.select_related("program").order_by("-id")


def programs(*, active_only: bool = False) -> QuerySet[Program]:
    """Programs by code; only the open ones (``is_active``) when ``active_only``."""
    rows = Program.objects.filter(is_active=True) if active_only else Program.objects.all()
    return rows.order_by("code")


def program_tiers(program: Program) -> QuerySet[ProgramTier]:
    return ProgramTier.objects.filter(program=program).order_by("order")


def villages_below(region: Region) -> QuerySet[Region]:
    """The villages of ``region`` and below (where a household is registered), by code."""
    return regions_below(region).filter(level=RegionLevel.VILLAGE).order_by("code")


def notice_regions_below(region: Region) -> QuerySet[Region]:
    """Where a notice may be posted: ``region`` and every region below it (village, township
    or county)."""
    return regions_below(region).order_by("code")


def notice_candidates(user, *, program: Program, region: Region, cycle: str) -> QuerySet[Case]:
    """Approved cases of the program and cycle in ``region`` and below that the user sees, by
    id: what a notice for them may carry."""
    return (
        cases_for_user(user)
        .filter(
            state=CaseState.APPROVED,
            program=program,
            cycle=cycle,
            region__code__startswith=region.prefix,
        )
        .order_by("id")
    )


def objections_for_user(user) -> QuerySet[Objection]:
    """Objections to cases of the user's region and below, with their case (none without a
    region)."""
    region = staff_region(user)
    if region is None:
        return Objection.objects.none()
    return Objection.objects.filter(case__region__code__startswith=region.prefix).select_related(
        "case", "case__program", "case__region"
    )


# Who reads the objector's name, contact and tracking code: only the role that handles
# objections (reviewers), the same permission the objection screens require. The case worker
# (often the official objected to), the finance roles, the auditor and the administrator read
# the objection and its outcome, never who filed it (DOMAIN.md: the complainant's contact is
# private). The screens, the API and the admin all ask this one function.
OBJECTOR_FIELDS = ("name", "contact", "tracking_code")


def objector_visible(user) -> bool:
    """Whether ``user`` may read objectors' contact details (``OBJECTOR_FIELDS``)."""
    return bool(user is not None and user.is_active and holds_perm(user, PERM_OBJECTION))


def objection_merge_targets(user, objection: Objection) -> list[Objection]:
    """The objections to the same case that ``objection`` may be merged into (not itself, not
    one already merged), oldest first."""
    return list(
        objections_for_user(user)
        .filter(case_id=objection.case_id)
        .exclude(pk=objection.pk)
        .exclude(status=ObjectionStatus.MERGED)
        .order_by("created_at", "pk")
    )


def objections_same_sender(user, objection: Objection) -> QuerySet[Objection]:
    """The other open objections to the same notice from the same client address or the same
    contact (keyed hashes: ``ip_hash``, ``contact_key``), for the reviewer's spam tool."""
    if objection.notice_item_id is None:
        return Objection.objects.none()
    sender = Q(pk__in=[])
    if objection.ip_hash:
        sender |= Q(ip_hash=objection.ip_hash)
    if objection.contact_key:
        sender |= Q(contact_key=objection.contact_key)
    return (
        objections_for_user(user)
        .filter(sender, notice_item__notice_id=objection.notice_item.notice_id)
        .filter(status=ObjectionStatus.OPEN)
        .exclude(pk=objection.pk)
        .order_by("created_at", "pk")
    )


def objection_list(user) -> QuerySet[Objection]:
    """The user's objections by status, then oldest first."""
    return objections_for_user(user).order_by("status", "created_at")


@dataclass
class QueueRow:
    case: Case
    tier: ProgramTier
    waiting_since: datetime
    days_waiting: int
    due_on: date | None = None  # the tier's deadline (review_days working days), if it has one
    overdue: bool = False
    deadline_unknown: str = ""  # why the deadline cannot be counted (calendar year unknown)


def review_deadline(tier: ProgramTier, since: datetime) -> date | None:
    """The last day tier ``tier`` has to decide a case that reached it at ``since``: its
    ``review_days`` working days after that day (``None`` without a deadline). May raise
    ``CalendarYearUnknown``."""
    if not tier.review_days:
        return None
    return workdays.deadline(timezone.localtime(since).date(), tier.review_days)


def reviewer_queue_cases(user) -> QuerySet[Case]:
    """The cases of ``reviewer_queue``, as a queryset (the home page counts it): waiting at a
    tier the user may act at, in their region, not filed or approved earlier by them."""
    region = staff_region(user)
    if region is None:
        return Case.objects.none()
    roles = list(user.groups.values_list("name", flat=True))
    tiers = ProgramTier.objects.filter(
        program=OuterRef("program"),
        order=OuterRef("current_tier"),
        role__in=roles,
        region_level=region.level,
    )
    earlier = CaseApproval.objects.filter(
        case=OuterRef("pk"), user=user, tier_order__lt=OuterRef("current_tier")
    )
    return (
        Case.objects.filter(state__in=REVIEW_STATES, region__code__startswith=region.prefix)
        .filter(Exists(tiers))
        .exclude(filed_by=user)
        .exclude(Exists(earlier))
    )


def reviewer_queue(user, *, now: datetime | None = None) -> list[QueueRow]:
    """Cases waiting at a tier the user may act at (role group, region level, region covering
    the case), oldest first, without those the user filed or approved at an earlier tier."""
    if staff_region(user) is None:
        return []
    now = now or timezone.now()
    cases = (
        reviewer_queue_cases(user)
        .select_related("program", "region", "household")
        .order_by("tier_since", "id")
    )
    tier_map = {
        (t.program_id, t.order): t
        for t in ProgramTier.objects.filter(program__in={c.program_id for c in cases})
    }
    today = timezone.localtime(now).date()
    rows = []
    for case in cases:
        since = case.tier_since or case.created_at
        row = QueueRow(
            case=case,
            tier=tier_map[(case.program_id, case.current_tier)],
            waiting_since=since,
            days_waiting=max(0, (now - since).days),
        )
        try:
            row.due_on = review_deadline(row.tier, since)
        except workdays.CalendarYearUnknown as exc:
            row.deadline_unknown = str(exc)
        row.overdue = row.due_on is not None and today > row.due_on
        rows.append(row)
    return rows


@dataclass
class OverdueCount:
    count: int
    unknown: str = ""  # set when a deadline could not be counted (calendar year unknown)


def overdue_reviews(region: Region | None, *, today: date | None = None) -> OverdueCount:
    """Cases of ``region`` and below waiting at a tier past its review deadline (working days),
    at whatever tier (for the home page)."""
    if region is None:
        return OverdueCount(0)
    today = today or timezone.localdate()
    total, unknown = 0, ""
    for tier in ProgramTier.objects.filter(review_days__isnull=False):
        try:
            cutoff = workdays.latest_start_overdue(today, tier.review_days)
        except workdays.CalendarYearUnknown as exc:
            unknown = str(exc)
            continue
        total += Case.objects.filter(
            state__in=REVIEW_STATES,
            program_id=tier.program_id,
            current_tier=tier.order,
            region__code__startswith=region.prefix,
            tier_since__date__lte=cutoff,
        ).count()
    return OverdueCount(total, unknown)


def payment_overdue_cutoffs(*, today: date | None = None) -> tuple[dict[Program, date], str]:
    """Per program with a payment deadline: the latest day an award may have become final and
    be overdue today if still unpaid (``payment_days`` working days after it); and why some
    could not be counted (calendar year unknown), or ""."""
    today = today or timezone.localdate()
    cutoffs, unknown = {}, ""
    for program in Program.objects.filter(payment_days__isnull=False):
        try:
            cutoffs[program] = workdays.latest_start_overdue(today, program.payment_days)
        except workdays.CalendarYearUnknown as exc:
            unknown = str(exc)
    return cutoffs, unknown


def fund_reserved(fund: Fund) -> dict[str, Decimal]:
    """Active reservations of a fund per currency (registered with the ledger's
    ``fund_position`` in ``ApprovalsConfig.ready``)."""
    rows = (
        Reservation.objects.filter(fund=fund, active=True)
        .values("amount_currency")
        .annotate(total=Sum("amount"))
        .order_by("amount_currency")
    )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["amount_currency"]] += Decimal(row["total"] or 0).quantize(CENT)
    return dict(totals)


def public_notices(today: date | None = None) -> list[dict]:
    """Notices open on ``today``: each notice's public fields and its lines' public fields
    (lines taken off after an upheld objection are left out)."""
    today = today or timezone.localdate()
    notices = (
        Notice.objects.filter(
            status=NoticeStatus.PUBLISHED, starts_on__lte=today, ends_on__gte=today
        )
        .select_related("program", "region")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=NoticeItem.objects.filter(struck=False).order_by("id"),
                to_attr="shown_items",
            )
        )
        .order_by("starts_on", "id")
    )
    return [
        {
            "id": notice.pk,
            **notice.public_fields(),
            "items": [{"id": item.pk, **item.public_fields()} for item in notice.shown_items],
        }
        for notice in notices
    ]


def archive_years() -> int:
    """How many calendar years back the public archive keeps notices (``NOTICE_ARCHIVE_YEARS``,
    default 5: the current year and the four before it)."""
    return max(1, int(getattr(settings, "NOTICE_ARCHIVE_YEARS", 5)))


def public_notice_archive(
    *,
    program: str = "",
    year: int | None = None,
    region: str = "",
    today: date | None = None,
) -> list[dict]:
    """Every notice published and already started, in the archive's years, newest first: by
    program code, year of its first day and region code (that region and below). Each with its
    public fields, its lines as published (``taken_off``: taken off after an upheld objection;
    ``reposted``: back after such an objection, a correction) and its addenda, each with its own
    period and lines. For sensitive programs a closed notice shows only its number of lines and
    total, not the lines."""
    today = today or timezone.localdate()
    first_year = today.year - archive_years() + 1
    rows = Notice.objects.filter(
        status__in=[NoticeStatus.PUBLISHED, NoticeStatus.CLOSED],
        starts_on__lte=today,
        starts_on__year__gte=first_year,
    )
    if program:
        rows = rows.filter(program__code=program)
    if year:
        rows = rows.filter(starts_on__year=year)
    if region:
        area = Region.objects.filter(code=region).first()
        if area is None:
            return []
        rows = rows.filter(region__code__startswith=area.prefix)
    rows = list(
        rows.select_related("program", "region")
        .prefetch_related(Prefetch("items", queryset=NoticeItem.objects.order_by("id")))
        .order_by("-starts_on", "-id")
    )
    struck_before = defaultdict(set)  # (program, region, cycle) -> cases taken off earlier
    for item in NoticeItem.objects.filter(
        struck=True, notice__in=[n.pk for n in rows]
    ).select_related("notice"):
        struck_before[(item.notice.program_id, item.notice.region_id, item.notice.cycle)].add(
            (item.notice.version, item.case_id)
        )

    def shown(notice: Notice) -> dict:
        key = (notice.program_id, notice.region_id, notice.cycle)
        items = []
        for item in notice.items.all():
            reposted = any(v < notice.version and c == item.case_id for v, c in struck_before[key])
            items.append({**item.public_fields(), "taken_off": item.struck, "reposted": reposted})
        summary_only = notice.program.sensitive and notice.status == NoticeStatus.CLOSED
        kept = [i for i in items if not i["taken_off"]]
        return {
            "id": notice.pk,
            **notice.public_fields(),
            "status": notice.status,
            "closed": notice.status == NoticeStatus.CLOSED,
            "items": [] if summary_only else items,
            "summary_only": summary_only,
            "count": len(kept),
            "total": sum((i["amount"] for i in kept[1:]), kept[0]["amount"]) if kept else None,
            "addenda": [],
        }

    by_id = {n.pk: shown(n) for n in rows}
    result = []
    for notice in rows:
        entry = by_id[notice.pk]
        if notice.parent_id and notice.parent_id in by_id:
            by_id[notice.parent_id]["addenda"].append(entry)
        else:
            result.append(entry)
    for entry in by_id.values():
        entry["addenda"].sort(key=lambda a: a["addendum"])
    return result


def archive_choices(*, today: date | None = None) -> dict:
    """What the archive's filters offer: programs that published a notice, years, regions."""
    today = today or timezone.localdate()
    first_year = today.year - archive_years() + 1
    published = Notice.objects.filter(
        status__in=[NoticeStatus.PUBLISHED, NoticeStatus.CLOSED], starts_on__year__gte=first_year
    )
    return {
        "programs": Program.objects.filter(pk__in=published.values("program")).order_by("code"),
        "years": list(range(today.year, first_year - 1, -1)),
        "regions": Region.objects.filter(pk__in=published.values("region")).order_by("code"),
    }


NEXT_STEP = {
    CaseState.DRAFT: _("The case worker will submit the application."),
    CaseState.SUBMITTED: _("The application is waiting for review."),
    CaseState.IN_REVIEW: _("The application is being reviewed."),
    CaseState.RETURNED: _("Materials are missing: please contact your case worker."),
    CaseState.APPROVED: _("Approved; it will be posted on a public notice."),
    CaseState.ON_NOTICE: _("On public notice; it becomes final when the notice period ends."),
    CaseState.OBJECTED: _("Being re-investigated after an objection."),
    CaseState.FINAL: _("Final; the award will be paid."),
    CaseState.REJECTED: _("Rejected; your case worker can tell you why."),
    CaseState.WITHDRAWN: _("Withdrawn; nothing more will happen."),
    CaseState.CANCELLED: _("Cancelled; your case worker can tell you why."),
}


PAID_STEP = _("Paid: nothing more to do. Check the payment in your account.")


def case_status_public(number: str, code: str) -> dict | None:
    """The status and next step of a case, for someone who knows its number and its look-up
    code (printed on the applicant's acknowledgement; ``Case.lookup_code``). ``None`` for any
    mismatch (the caller must not tell an unknown number from a wrong code).

    The last characters of an ID number are no longer accepted: for someone who knows the
    birth date they have about a thousand values, and case numbers are sequential.

    ``facts``: what the apps above say of the case's end (``hooks.public_status_facts``): the
    day the award was paid, and for a recurring program the cycles paid, masked."""
    number = (number or "").strip().upper()
    code = "".join((code or "").split()).upper().replace("-", "")
    case = Case.objects.filter(number=number).first()
    # Compared in constant time, and compared even when the case is unknown (no early answer
    # that a stopwatch could tell apart).
    expected = case.lookup_code if case is not None and case.lookup_code else "\x00" * 10
    matched = hmac.compare_digest(expected.encode(), code.encode())
    if case is None or not matched:
        return None
    state = CaseState(case.state)
    facts = public_status_facts(case)
    paid = state == CaseState.FINAL and any(f.get("paid_on") for f in facts if f.get("award"))
    return {
        "number": case.number,
        "status": state.value,
        "status_label": str(state.label),
        "next_step": str(PAID_STEP if paid else NEXT_STEP[state]),
        "facts": facts,
    }


def objection_status_public(tracking_code: str) -> dict | None:
    objection = Objection.objects.filter(
        tracking_code=(tracking_code or "").strip().upper()
    ).first()
    if objection is None:
        # An objection filed in an app above (a confirmation row's), found through its hook.
        return objection_status_elsewhere((tracking_code or "").strip().upper())
    return {
        "tracking_code": objection.tracking_code,
        "status": objection.status,
        "status_label": str(objection.get_status_display()),
        "reply": objection.reply,
        "filed_at": objection.created_at,
    }


def user_may_see_case(user, case: Case) -> bool:
    return region_covers(staff_region(user), case.region)


# --------------------------------------------------------------------------------------------
# a household's history (who, when, what changed, why), from the audit trail
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    what: str
    changes: list[tuple[str, str, str]]  # (field, before, after), shown masked where needed
    reason: str


def _action_labels() -> dict[str, str]:
    from ledger.audit import AuditAction as A

    return {
        A.HOUSEHOLD_REGISTER: _("registered"),
        A.HOUSEHOLD_UPDATE: _("household corrected"),
        A.PERSON_ADD: _("member added"),
        A.PERSON_UPDATE: _("member corrected"),
        A.PERSON_REMOVE: _("member removed"),
        A.PERSON_STATUS: _("status recorded"),
        A.BANK_ACCOUNT_CHANGE: _("bank account changed"),
        A.BANK_ACCOUNT_CHANGE_REQUEST: _("bank account change asked (awaits approval)"),
        A.BANK_ACCOUNT_CHANGE_APPROVE: _("bank account change approved"),
        A.BANK_ACCOUNT_CHANGE_REJECT: _("bank account change rejected"),
        A.PERSON_REVEAL_ID_NUMBER: _("whole ID number shown"),
        A.PERSON_REVEAL_BANK_ACCOUNT: _("whole bank account number shown"),
        A.HOUSEHOLD_REVEAL_BANK_ACCOUNT: _("whole bank account number shown"),
    }


def _field_labels() -> dict[str, str]:
    return {
        "address": _("Address"),
        "phone": _("Phone"),
        "region": _("Village"),
        "name": _("Name"),
        "relation": _("Relation"),
        "id_number": _("ID number"),
        "birth_date": _("birth date"),
        "sex": _("sex"),
    }


def _shown(field: str, value, regions: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if field == "region":
        return regions.get(value, value)
    if field == "relation" and value in Relation.values:
        return str(Relation(value).label)
    if field == "sex" and value in Sex.values:
        return str(Sex(value).label)
    if field == "status" and value in PersonStatus.values:
        return str(PersonStatus(value).label)
    return str(value)


def _person_label(event, names: dict[str, str]) -> str:
    return names.get(event.object_id, "") if event.object_type == "approvals.person" else ""


def household_history(household: Household, *, limit: int = 200) -> list[HistoryRow]:
    """What happened to the household and its members, newest first: registration,
    corrections (each field before and after), members added or removed, status, bank account
    changes and whole-number reveals, with who, when and why. Read through the audit trail's
    object index only (the household, its members past and present, its account changes)."""
    from ledger.audit import AuditAction
    from ledger.models import AuditEvent

    from .models import BankAccountChange

    key = str(household.pk)
    own = AuditEvent.objects.filter(object_type="approvals.household", object_id=key)
    removed = {
        str(e["data"].get("person"))
        for e in own.filter(action=AuditAction.PERSON_REMOVE).values("data")
    }
    people = {str(p.pk): p.name for p in household.people.all()}
    person_ids = set(people) | removed
    changes = {
        str(pk)
        for pk in BankAccountChange.objects.filter(household=household).values_list("pk", flat=True)
    }
    events = (
        AuditEvent.objects.filter(
            Q(object_type="approvals.household", object_id=key)
            | Q(object_type="approvals.person", object_id__in=person_ids)
            | Q(object_type="approvals.bankaccountchange", object_id__in=changes)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    labels, fields = _action_labels(), _field_labels()
    events = list(events)
    codes = {
        code
        for e in events
        for code in (e.data.get("changes") or {}).get("region", [])
        if isinstance(code, str)
    }
    regions = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for event in events:
        data = event.data or {}
        diff = [
            (str(fields.get(f, f)), _shown(f, pair[0], regions), _shown(f, pair[1], regions))
            for f, pair in (data.get("changes") or {}).items()
        ]
        if event.action == AuditAction.PERSON_STATUS:
            diff.append(
                (
                    str(_("status")),
                    _shown("status", data.get("before"), regions),
                    _shown("status", data.get("after"), regions),
                )
            )
        if "previous" in data and "new" in data:
            diff.append((str(_("Bank account")), data["previous"] or "—", data["new"] or "—"))
        who_removed = data.get("removed") or {}
        if who_removed:
            diff.append(
                (
                    str(_("Member")),
                    f"{who_removed.get('name', '')} {who_removed.get('id_number', '')}",
                    "—",
                )
            )
        what = str(labels.get(event.action, event.action))
        if (name := _person_label(event, people)) or (
            event.action == AuditAction.PERSON_ADD and (name := data.get("name", ""))
        ):
            what = f"{what} · {name}"
        actor = event.actor
        rows.append(
            HistoryRow(
                at=event.at,
                actor=(actor.get_full_name() or actor.username) if actor else _("the system"),
                what=what,
                changes=diff,
                reason=str(data.get("reason") or data.get("note") or ""),
            )
        )
    return rows
