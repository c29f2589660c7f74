"""The home page's to-do list (issue 14, point 3): what waits for the signed-in user, per role,
each a count and a link to the list that shows those items.

Each item is asked only of users holding the permission to act on it, counts only what lies in
the user's region, and leaves out what the user may not decide because they made it (four
eyes: their own void requests, batches and bank account changes; cases they filed or approved
at an earlier tier). Every count is one indexed query (or a walk of a handful of rows): no item
reads all journal lines or all cases.

Manual entries and reversals waiting for approval, cash to deposit, late awards and overdue
deadlines keep their own warnings on the page (``fundapp.views.home``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils.translation import ngettext

from approvals import selectors as case_selectors
from approvals.models import (
    PERM_APPROVE_ACCOUNT_CHANGE,
    PERM_OBJECTION,
    PERM_PUBLISH,
    PERM_REVIEW,
    AccountChangeStatus,
    BankAccountChange,
    CaseState,
    ObjectionStatus,
)
from common.permissions import holds_perm, holds_perms
from disbursement.models import (
    BatchStatus,
    Confirmation,
    ConfirmationStatus,
)
from disbursement.selectors import confirmations as confirmation_selectors
from disbursement.selectors.scope import batches_for_user
from ledger.collection import selectors as collection_selectors
from ledger.collection.models import ReceiptVoidRequest, VoidRequestStatus


@dataclass(frozen=True)
class Todo:
    key: str  # stable id for the page and tests
    text: str  # the count in words, translated
    count: int
    url: str


def _item(key: str, count: int, text: str, url: str) -> Todo | None:
    """An item, or None when nothing waits. ``text`` is the ngettext of the count (written out
    at each call so that makemessages finds the strings)."""
    if not count:
        return None
    return Todo(key=key, text=text % {"count": count}, count=count, url=url)


def todo_items(user, *, today: date) -> list[Todo]:
    """The items waiting for ``user`` (those with nothing waiting are left out)."""
    region = case_selectors.staff_region(user)
    found: list[Todo | None] = []

    if holds_perm(user, "ledger.approve_receipt_void"):
        voids = ReceiptVoidRequest.objects.filter(status=VoidRequestStatus.PENDING).exclude(
            requested_by=user
        )
        n = voids.count()
        found.append(
            _item(
                "void-requests",
                n,
                ngettext(
                    "%(count)s receipt void waits for your approval",
                    "%(count)s receipt voids wait for your approval",
                    n,
                ),
                reverse("collection:void-requests"),
            )
        )

    if holds_perms(user, ("disbursement.view_payoutbatch", "disbursement.approve_payoutbatch")):
        batches = batches_for_user(user).filter(status=BatchStatus.DRAFT).exclude(built_by=user)
        n = batches.count()
        found.append(
            _item(
                "batches",
                n,
                ngettext(
                    "%(count)s payout batch waits for your approval",
                    "%(count)s payout batches wait for your approval",
                    n,
                ),
                reverse("payouts:batches") + f"?status={BatchStatus.DRAFT}",
            )
        )

    if holds_perm(user, PERM_REVIEW) and region is not None:
        n = case_selectors.reviewer_queue_cases(user).count()
        found.append(
            _item(
                "cases",
                n,
                ngettext(
                    "%(count)s case waits for your review at your tier",
                    "%(count)s cases wait for your review at your tier",
                    n,
                ),
                reverse("approvals:queue"),
            )
        )

    if holds_perm(user, PERM_PUBLISH) and region is not None:
        approved = case_selectors.cases_for_user(user).filter(state=CaseState.APPROVED)
        n = approved.count()
        found.append(
            _item(
                "notices",
                n,
                ngettext(
                    "%(count)s approved case waits to be put on a public notice",
                    "%(count)s approved cases wait to be put on a public notice",
                    n,
                ),
                reverse("approvals:notice-publish"),
            )
        )

    if holds_perm(user, PERM_OBJECTION) and region is not None:
        objections = case_selectors.objections_for_user(user).filter(status=ObjectionStatus.OPEN)
        n = objections.count()
        found.append(
            _item(
                "objections",
                n,
                ngettext(
                    "%(count)s objection to a case waits to be handled",
                    "%(count)s objections to cases wait to be handled",
                    n,
                ),
                reverse("approvals:objections"),
            )
        )
        row_objections = confirmation_selectors.confirmation_objections_for_user(user).filter(
            status=ObjectionStatus.OPEN
        )
        n = row_objections.count()
        found.append(
            _item(
                "confirmation-objections",
                n,
                ngettext(
                    "%(count)s objection to a confirmation list waits to be handled",
                    "%(count)s objections to confirmation lists wait to be handled",
                    n,
                ),
                reverse("payouts:confirmation-objections"),
            )
        )

    if holds_perm(user, PERM_APPROVE_ACCOUNT_CHANGE) and region is not None:
        changes = (
            BankAccountChange.objects.filter(
                status=AccountChangeStatus.PENDING,
                household__region__code__startswith=region.prefix,
            )
            .exclude(requested_by=user)
            .count()
        )
        n = changes
        found.append(
            _item(
                "bank-account-changes",
                n,
                ngettext(
                    "%(count)s bank account change waits for your decision",
                    "%(count)s bank account changes wait for your decision",
                    n,
                ),
                reverse("approvals:bank-account-changes"),
            )
        )

    if holds_perm(user, "disbursement.view_confirmation") and region is not None:
        # A handful of confirmations run at once (one per recurring program and year).
        waiting = [
            c
            for c in Confirmation.objects.filter(status=ConfirmationStatus.IN_REVIEW)
            if confirmation_selectors.can_review(c, user)
        ]
        url = (
            reverse("payouts:confirmation", args=[waiting[0].pk])
            if len(waiting) == 1
            else reverse("payouts:confirmations")
        )
        n = len(waiting)
        found.append(
            _item(
                "confirmations",
                n,
                ngettext(
                    "%(count)s annual confirmation list waits for your sign-off at your tier",
                    "%(count)s annual confirmation lists wait for your sign-off at your tier",
                    n,
                ),
                url,
            )
        )

    if holds_perms(user, ("ledger.view_pledge", "ledger.add_donation")):
        pledges = collection_selectors.pledges_to_chase(today=today)
        url = reverse("collection:pledges")
        n = pledges["overdue"]
        found.append(
            _item(
                "pledges-overdue",
                n,
                ngettext(
                    "%(count)s pledge is overdue: chase it",
                    "%(count)s pledges are overdue: chase them",
                    n,
                ),
                f"{url}?status=overdue",
            )
        )
        n = pledges["due_soon"]
        found.append(
            _item(
                "pledges-due",
                n,
                ngettext(
                    "%(count)s pledge falls due within a week",
                    "%(count)s pledges fall due within a week",
                    n,
                ),
                url,
            )
        )

    return [item for item in found if item is not None]
