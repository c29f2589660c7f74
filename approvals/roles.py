"""The approvals permissions each staff role needs (merge into ``fundapp/roles.py``
``ROLE_PERMISSIONS``; the project's roles module owns the groups).

* case workers register households and file, submit, resubmit and withdraw cases, set or change
  a person's or household's bank account, and may see a whole ID or bank number (audited) to
  check it against the documents;
* reviewers approve, return and reject at their tier, publish notices, handle objections,
  cancel final awards (the service narrows cancelling to the deciding tier) and approve a bank
  account change another user asked while a payment to the account is pending;
* the administrator configures regions, staff regions, programs and tiers, and enters the
  official holiday schedule of each year;
* the auditor reads everything and may see whole numbers (audited).
"""

_READ = [
    "approvals.view_region",
    "approvals.view_household",
    "approvals.view_person",
    "approvals.view_program",
    "approvals.view_programtier",
    "approvals.view_case",
    "approvals.view_casehistory",
    "approvals.view_notice",
    "approvals.view_noticeitem",
    "approvals.view_objection",
    "approvals.view_bankaccountchange",
    "approvals.view_holidayscheduleyear",
    "approvals.view_holidayscheduleday",
]

APPROVALS_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "case_worker": [
        *_READ,
        "approvals.add_household",
        "approvals.change_household",
        "approvals.add_person",
        "approvals.change_person",
        "approvals.file_case",
        "approvals.withdraw_case",
        "approvals.reveal_personal_numbers",
    ],
    "reviewer": [
        *_READ,
        "approvals.review_case",
        "approvals.publish_notice",
        "approvals.handle_objection",
        "approvals.cancel_case",
        "approvals.view_reservation",
        "approvals.approve_bankaccountchange",
    ],
    "administrator": [
        *_READ,
        "approvals.add_region",
        "approvals.change_region",
        "approvals.view_staffprofile",
        "approvals.add_staffprofile",
        "approvals.change_staffprofile",
        "approvals.add_program",
        "approvals.change_program",
        "approvals.add_programtier",
        "approvals.change_programtier",
        "approvals.delete_programtier",
        # the official holiday schedule (working days for notices and deadlines)
        "approvals.view_holidayscheduleyear",
        "approvals.add_holidayscheduleyear",
        "approvals.change_holidayscheduleyear",
        "approvals.import_holidayscheduleyear",
        "approvals.view_holidayscheduleday",
        "approvals.add_holidayscheduleday",
        "approvals.change_holidayscheduleday",
        "approvals.delete_holidayscheduleday",
    ],
    "auditor": [
        *_READ,
        "approvals.view_staffprofile",
        "approvals.view_caseapproval",
        "approvals.view_casemember",
        "approvals.view_reservation",
        "approvals.reveal_personal_numbers",
    ],
}
