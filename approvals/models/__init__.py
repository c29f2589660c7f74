"""The relief-case domain: who applies, for what, who reviews it, and what the public sees.

Design
------
* **Registry.** ``Region`` (county > township > village, 12-digit national division codes;
  everything at or below a region shares its code prefix, so "this region and below" is one
  ``startswith``), ``StaffProfile`` (the region a staff user works in), ``Household`` and
  ``Person``. ID and bank account numbers are stored only encrypted, each with a keyed hash
  beside it for look-up and de-duplication (``approvals/crypto.py``); a person is registered
  once (unique hash).
* **Programs.** ``Program`` names its paying fund (which must allow the program's purpose), its
  amount rule, its notice period, window and eligibility; ``ProgramTier`` rows are its ordered
  review tiers (role group, region level, optional minimum amount from which a tier applies).
* **Cases.** ``Case`` carries a django-fsm-2 state machine (``protected`` state field,
  ``ConcurrentTransitionMixin``). The transition methods only change the case's own fields;
  everything else (locks, permission and business rules, history, audit, money) lives in
  ``approvals/services``. States::

      draft -> submitted -> in_review (tier 1..n) -> approved -> on_notice -> final -> cancelled
      in_review|objected -> returned -> in_review (same tier)
      in_review|objected -> rejected        any state before final -> withdrawn
      on_notice -> objected (re-investigation at a chosen tier) -> in_review/approved -> new notice

  ``approved`` is an explicit state (all applicable tiers approved, waiting for a notice);
  ``current_tier`` is set exactly while a tier holds the case (``in_review``, ``objected``).
* **Money.** Putting a case on notice creates an active ``Reservation`` in the program's fund;
  it stays through a re-investigation and is released when the case is rejected, withdrawn or
  becomes final (when the award is booked to the ledger in the same transaction).
* **Holiday schedule.** ``HolidayScheduleYear`` / ``HolidayScheduleDay``: the official holidays
  and make-up workdays the administrator enters (or imports) for a year, consulted by
  ``common.workdays`` before the calendar package (``approvals/calendar.py``).
* **Notices and objections.** ``Notice`` (program, region, cycle, version) with ``NoticeItem``
  snapshots of exactly what the public may see, and ``Objection`` rows from the public.

* **Award claims.** ``AwardClaim``: one live claim per person, program and cycle, written in the
  transaction that books an award (a final case here, an entitlement in ``disbursement``), so one
  beneficiary receives one award per program and cycle whatever its source (``claims.py``).

Database-held invariants: constraints on each model, plus triggers in ``approvals/dbguards.py``
(region hierarchy, case members copying their case's program and cycle, append-only history and
approvals).
"""

from .attachments import ATTACHMENT_TYPES, Attachment
from .bankaccounts import PERM_APPROVE_ACCOUNT_CHANGE, AccountChangeStatus, BankAccountChange
from .calendar import HolidayKind, HolidayScheduleDay, HolidayScheduleYear
from .cases import (
    BEFORE_FINAL,
    CLOSED_STATES,
    OPEN_STATES,
    PERM_CANCEL,
    PERM_FILE,
    PERM_OBJECTION,
    PERM_PUBLISH,
    PERM_REVEAL,
    PERM_REVIEW,
    PERM_WITHDRAW,
    REVIEW_STATES,
    Case,
    CaseApproval,
    CaseHistory,
    CaseMember,
    CaseState,
    Reservation,
    new_lookup_code,
)
from .claims import AwardClaim, ClaimSource, ClaimStatus
from .notices import (
    PUBLIC_ITEM_FIELDS,
    Notice,
    NoticeItem,
    NoticeStatus,
    Objection,
    ObjectionStatus,
)
from .programs import (
    CATEGORY_PURPOSE,
    AmountRule,
    NameMasking,
    Program,
    ProgramCategory,
    ProgramTier,
)
from .registry import (
    LEVEL_PREFIX,
    PARENT_LEVEL,
    BankAccountMixin,
    Household,
    Person,
    PersonStatus,
    Region,
    RegionLevel,
    Relation,
    Sex,
    StaffProfile,
    region_covers,
)

__all__ = [
    "ATTACHMENT_TYPES",
    "PERM_APPROVE_ACCOUNT_CHANGE",
    "AccountChangeStatus",
    "BankAccountChange",
    "Attachment",
    "BEFORE_FINAL",
    "CATEGORY_PURPOSE",
    "CLOSED_STATES",
    "LEVEL_PREFIX",
    "OPEN_STATES",
    "PARENT_LEVEL",
    "PERM_CANCEL",
    "PERM_FILE",
    "PERM_OBJECTION",
    "PERM_PUBLISH",
    "PERM_REVEAL",
    "PERM_REVIEW",
    "PERM_WITHDRAW",
    "PUBLIC_ITEM_FIELDS",
    "REVIEW_STATES",
    "AmountRule",
    "AwardClaim",
    "BankAccountMixin",
    "Case",
    "new_lookup_code",
    "CaseApproval",
    "CaseHistory",
    "CaseMember",
    "CaseState",
    "ClaimSource",
    "ClaimStatus",
    "HolidayKind",
    "HolidayScheduleDay",
    "HolidayScheduleYear",
    "Household",
    "NameMasking",
    "Notice",
    "NoticeItem",
    "NoticeStatus",
    "Objection",
    "ObjectionStatus",
    "Person",
    "PersonStatus",
    "Program",
    "ProgramCategory",
    "ProgramTier",
    "Region",
    "RegionLevel",
    "Relation",
    "Reservation",
    "Sex",
    "StaffProfile",
    "region_covers",
]
