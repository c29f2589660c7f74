"""Every write of the relief-case domain, by noun: ``household_register``, ``case_approve``,
``notice_publish``, ``objection_uphold``... Keyword-only, one transaction each, an audit event
(and, for a case, a history row) in the same transaction, typed errors from
``approvals.exceptions``.

By concern: ``registry`` (regions, households, people, staff regions), ``programs``,
``cases`` (the applicant's side: file, submit, resubmit, withdraw), ``review`` (approve, return,
reject at a tier), ``awards`` (the money: reservation released, award booked when final,
cancelled and reversed), ``calendar`` (the official holiday schedule), ``notices`` (publish with reservations, objections, closing),
``attachments``. This package is their public face: import services from here."""

from ..idnumbers import ParsedId, id_number_parse
from .awards import case_cancel, case_finalise
from .bankaccounts import (
    bank_account_change,
    bank_account_change_approve,
    bank_account_change_reject,
    clean_account_number,
    reveal_person_bank_account,
)
from .calendar import holiday_schedule_import
from .cases import (
    case_amount,
    case_file,
    case_lookup_code_issue,
    case_resubmit,
    case_submit,
    case_withdraw,
)
from .corrections import household_update, member_add, member_remove, person_update
from .notices import (
    CloseReport,
    ObjectionInput,
    case_resume_review,
    notice_first_day,
    notice_publish,
    notices_close,
    objection_cap_check,
    objection_contact_key,
    objection_dismiss,
    objection_file,
    objection_input,
    objection_mark_spam,
    objection_merge,
    objection_release_case,
    objection_uphold,
)
from .programs import TierSpec, program_create
from .registry import (
    PersonSpec,
    household_register,
    person_add,
    person_status_set,
    region_create,
    reveal_bank_account,
    reveal_id_number,
    staff_region_set,
)
from .review import (
    case_approve,
    case_approve_many,
    case_reject,
    case_return,
    check_tier_holder,
)

__all__ = [
    "bank_account_change",
    "bank_account_change_approve",
    "bank_account_change_reject",
    "clean_account_number",
    "reveal_person_bank_account",
    "CloseReport",
    "ParsedId",
    "PersonSpec",
    "TierSpec",
    "case_amount",
    "case_approve",
    "case_approve_many",
    "case_cancel",
    "case_file",
    "case_lookup_code_issue",
    "case_finalise",
    "case_reject",
    "holiday_schedule_import",
    "case_resubmit",
    "case_return",
    "case_submit",
    "case_withdraw",
    "check_tier_holder",
    "household_register",
    "household_update",
    "member_add",
    "member_remove",
    "person_update",
    "id_number_parse",
    "notice_publish",
    "notices_close",
    "case_resume_review",
    "notice_first_day",
    "objection_contact_key",
    "objection_dismiss",
    "objection_file",
    "ObjectionInput",
    "objection_cap_check",
    "objection_input",
    "objection_mark_spam",
    "objection_merge",
    "objection_release_case",
    "objection_uphold",
    "person_add",
    "person_status_set",
    "program_create",
    "region_create",
    "reveal_bank_account",
    "reveal_id_number",
    "staff_region_set",
]
