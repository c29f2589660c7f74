"""The audit trail: one catalogue of what can be recorded, and ``audit()`` to record it.

Every write that is not itself a posting (a posting's own record is the journal entry: who,
when, chained by hash) adds an ``AuditEvent`` row in the same transaction as the change it
records, so the trail and the books cannot disagree after a crash. The database refuses to
update or delete an audit row (``ledger.dbguards``).

``AuditAction`` names every kind of event once, for every app (Saleor's typed events rather than
free text): a reader finds who writes an action by searching for its member, and a typo cannot
start a new kind of event. The values are the text stored in ``AuditEvent.action``; they never
change, since rows already written keep theirs (the model field has no ``choices``: a new action
needs no migration). The catalogue lives at the bottom floor, beside the table it describes, and
holds plain names only, so the apps above use it without the ledger importing them.
"""

from __future__ import annotations

from django.db import models

from .models import AuditEvent


class AuditAction(models.TextChoices):
    """Every action an ``AuditEvent`` can record, by app and then by noun."""

    # ledger: the books
    JOURNAL_POST_MANY = "journal.post_many"
    JOURNAL_REVERSE = "journal.reverse"
    PERIOD_OPEN = "period.open"
    PERIOD_CLOSE = "period.close"
    # ledger: manual entries and reversals asked by one person, decided by another
    ENTRY_REQUEST_SUBMIT = "entry_request.submit"
    ENTRY_REQUEST_ATTACH = "entry_request.attach"
    ENTRY_REQUEST_APPROVE = "entry_request.approve"
    ENTRY_REQUEST_REJECT = "entry_request.reject"
    ENTRY_REQUEST_WITHDRAW = "entry_request.withdraw"
    CEILING_CHANGE = "ceiling.change"

    # ledger: money in (donors, receipts, donations, allocations, cash, pledges)
    DONOR_CREATE = "donor.create"
    DONOR_IMPORT = "donor.import"
    DONOR_UPDATE = "donor.update"
    RECEIPT_BOOK_CREATE = "receipt_book.create"
    RECEIPT_BOOK_CHANGE = "receipt_book.change"
    DONATION_RECORD = "donation.record"
    DONATION_IMPORT = "donation.import"
    ALLOCATION_RECORD = "allocation.record"
    RECEIPT_VOID_REQUEST = "receipt.void_request"
    RECEIPT_VOID = "receipt.void"
    RECEIPT_VOID_REJECT = "receipt.void_reject"
    CASH_DEPOSIT = "cash.deposit"
    CHANNEL_SETTLEMENT_IMPORT = "channel_settlement.import"
    CHANNEL_EXCEPTION_SETTLE = "channel_settlement.exception_settle"
    PLEDGE_CREATE = "pledge.create"
    PLEDGE_WRITE_OFF = "pledge.write_off"

    # approvals: regions, staff, households and people, programs
    REGION_CREATE = "region.create"
    STAFF_REGION = "staff.region"
    HOUSEHOLD_REGISTER = "household.register"
    HOUSEHOLD_REVEAL_BANK_ACCOUNT = "household.reveal_bank_account"
    HOUSEHOLD_UPDATE = "household.update"
    PERSON_ADD = "person.add"
    PERSON_UPDATE = "person.update"
    PERSON_REMOVE = "person.remove"
    PERSON_REVEAL_ID_NUMBER = "person.reveal_id_number"
    PERSON_REVEAL_BANK_ACCOUNT = "person.reveal_bank_account"
    BANK_ACCOUNT_CHANGE = "bank_account.change"
    BANK_ACCOUNT_CHANGE_REQUEST = "bank_account.change_request"
    BANK_ACCOUNT_CHANGE_APPROVE = "bank_account.change_approve"
    BANK_ACCOUNT_CHANGE_REJECT = "bank_account.change_reject"
    PROGRAM_CREATE = "program.create"

    # approvals: a case's steps, "case.<decision>" (the decision also kept in CaseHistory)
    CASE_FILE = "case.file"
    CASE_SUBMIT = "case.submit"
    CASE_RESUBMIT = "case.resubmit"
    CASE_START_REVIEW = "case.start_review"
    CASE_APPROVE = "case.approve"
    CASE_RETURN = "case.return"
    CASE_REJECT = "case.reject"
    CASE_WITHDRAW = "case.withdraw"
    CASE_NOTICE = "case.notice"
    CASE_OBJECTION = "case.objection"
    CASE_OBJECTION_UPHELD = "case.objection_upheld"
    CASE_OBJECTION_DISMISSED = "case.objection_dismissed"
    CASE_OBJECTION_MERGED = "case.objection_merged"
    CASE_OBJECTION_SPAM = "case.objection_spam"
    CASE_LOOKUP_CODE_ISSUE = "case.lookup_code_issue"
    CASE_RESUME = "case.resume"
    CASE_FINAL = "case.final"
    CASE_CANCEL = "case.cancel"
    CASE_ATTACHMENT_ADD = "case.attachment_add"

    # approvals: public notices and objections
    NOTICE_PUBLISH = "notice.publish"
    NOTICE_CLOSE = "notice.close"
    OBJECTION_UPHOLD = "objection.uphold"
    OBJECTION_MERGE = "objection.merge"
    OBJECTION_SPAM = "objection.spam"

    # approvals: the official holiday schedule, for working-day counts
    HOLIDAY_SCHEDULE_IMPORT = "holiday_schedule.import"
    HOLIDAY_SCHEDULE_CHANGE = "holiday_schedule.change"

    # disbursement: enrolments ("enrolment.<transition>") and entitlement cycles
    ENROLMENT_CREATE = "enrolment.create"
    ENROLMENT_SUSPEND = "enrolment.suspend"
    ENROLMENT_EXIT = "enrolment.exit"
    ENROLMENT_REINSTATE = "enrolment.reinstate"
    CYCLE_OPEN = "cycle.open"
    CYCLE_GENERATE = "cycle.generate"
    CYCLE_CLOSE = "cycle.close"
    # the annual confirmation of a cycle, and the cycle's approval by a second person
    CONFIRMATION_PREPARE = "confirmation.prepare"
    CONFIRMATION_ROW_STOP = "confirmation.row_stop"
    CONFIRMATION_SIGNOFF = "confirmation.signoff"
    CONFIRMATION_PUBLISH = "confirmation.publish"
    CONFIRMATION_TIER_NOTICE = "confirmation.tier_notice"
    CONFIRMATION_OBJECTION = "confirmation.objection"
    CONFIRMATION_OBJECTION_UPHOLD = "confirmation.objection_uphold"
    CONFIRMATION_OBJECTION_DISMISS = "confirmation.objection_dismiss"
    CONFIRMATION_OBJECTION_MERGE = "confirmation.objection_merge"
    CONFIRMATION_OBJECTION_SPAM = "confirmation.objection_spam"
    CONFIRMATION_ROW_DECIDE = "confirmation.row_decide"
    CYCLE_APPROVE = "cycle.approve"
    PERSON_STATUS = "person.status"

    # disbursement: payout batches and bank results
    BATCH_BUILD = "batch.build"
    BATCH_APPROVE = "batch.approve"
    BATCH_DISCARD = "batch.discard"
    BATCH_EXPORT = "batch.export"
    BATCH_EXPORT_DOWNLOAD = "batch.export_download"
    BANKRESULTS_IMPORT = "bankresults.import"
    BANKRESULTS_REFUSE = "bankresults.refuse"

    # disbursement: money paid in error claimed back, and the post-payment sample check
    RECOVERY_PROPOSE = "recovery.propose"
    RECOVERY_OPEN = "recovery.open"
    RECOVERY_REJECT = "recovery.reject"
    RECOVERY_REFUND = "recovery.refund"
    RECOVERY_WRITE_OFF = "recovery.write_off"
    SAMPLE_CHECK_DRAW = "sample_check.draw"
    SAMPLE_CHECK_RECORD = "sample_check.record"
    # disbursement: long jobs whose process died (the reaper) and their retry by a person
    JOB_INTERRUPT = "job.interrupt"
    JOB_RETRY = "job.retry"

    # fundapp: roles (groups) and the superuser flag, asked by one administrator and approved
    # by another; removed at once
    ROLE_GRANT_REQUEST = "role.grant_request"
    ROLE_GRANT_APPROVE = "role.grant_approve"
    ROLE_GRANT_REJECT = "role.grant_reject"
    ROLE_REVOKE = "role.revoke"
    # ledger: a whole verification of the books (verify_ledger, the nightly task), its outcome
    LEDGER_VERIFY = "ledger.verify"
    # fundapp: stored ID and account numbers re-encrypted under a new FIELD_ENCRYPTION_KEY
    FIELD_KEY_ROTATE = "field_key.rotate"
    # fundapp: a password set by someone else must be changed by its owner at first sign-in
    PASSWORD_SET_BY_OTHER = "password.set_by_other"
    PASSWORD_CHANGE_OWN = "password.change_own"
    # fundapp: the scheduler's daily list of what is overdue (fundapp/reminders.py)
    OVERDUE_REMINDER = "reminder.overdue"


_CATALOGUE = frozenset(AuditAction.values)


def audit(
    *,
    actor,
    action: AuditAction | str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    **data,
) -> AuditEvent:
    """Write one audit event (call inside the operation's transaction).

    ``action`` is an ``AuditAction`` (a plain string equal to a member's value is accepted);
    anything else raises ``ValueError`` before a row is written. ``obj`` names the object the
    event is about (its model label and pk) unless ``object_type``/``object_id`` say otherwise;
    the keyword arguments left over are stored as the event's data.
    """
    if action not in _CATALOGUE:
        raise ValueError(
            f"Unknown audit action {action!r}: add it to ledger.audit.AuditAction first."
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=str(action),
        object_type=object_type,
        object_id=object_id,
        data=data,
    )


__all__ = ["AuditAction", "audit"]
