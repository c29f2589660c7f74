"""The main menu, composed here from every app's screens (the top layer knows them all).

Each item names the URL, its label, and the permissions a user needs to see it; the page header
shows only the items the signed-in user may use. An app that adds a screen adds its item here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from common.permissions import holds_perms


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    perms: tuple[str, ...] = ()
    # other view names that light this item up (e.g. a detail page under its list)
    also_active: tuple[str, ...] = ()


NAV: list[NavItem] = [
    NavItem("home", _("Home")),
    # --- ledger ---
    NavItem("ledger:chart", _("Chart of accounts"), ("ledger.view_account", "ledger.view_balance")),
    NavItem("ledger:journal", _("Journal"), ("ledger.view_journalentry",), ("ledger:entry",)),
    NavItem("ledger:entry-new", _("New entry"), ("ledger.add_entryrequest",)),
    NavItem(
        "ledger:requests", _("Entry requests"), ("ledger.view_entryrequest",), ("ledger:request",)
    ),
    NavItem("ledger:trial-balance", _("Trial balance"), ("ledger.view_balance",)),
    NavItem("ledger:statement", _("Statement"), ("ledger.view_journalline", "ledger.view_balance")),
    NavItem("ledger:periods", _("Periods"), ("ledger.view_period",)),
    # --- collection (money in) ---
    NavItem(
        "collection:donation-new",
        _("New donation"),
        ("ledger.add_donation",),
        ("collection:donation",),
    ),
    NavItem("collection:donations", _("Donations"), ("ledger.view_donation",)),
    NavItem("collection:donation-import", _("Import donations"), ("ledger.add_donation",)),
    NavItem("collection:donors", _("Donors"), ("ledger.view_donor",), ("collection:donor-new",)),
    NavItem(
        "collection:receipts",
        _("Receipts"),
        ("ledger.view_receipt",),
        ("collection:void-request-new",),
    ),
    NavItem("collection:void-requests", _("Void requests"), ("ledger.view_receiptvoidrequest",)),
    NavItem(
        "collection:pledges",
        _("Pledges"),
        ("ledger.view_pledge",),
        ("collection:pledge-write-off",),
    ),
    NavItem(
        "collection:allocations",
        _("Allocations"),
        ("ledger.view_allocation",),
        ("collection:allocation-new",),
    ),
    NavItem(
        "collection:cash-held",
        _("Cash on hand"),
        ("ledger.view_cashdeposit", "ledger.view_balance"),
    ),
    NavItem("collection:deposits", _("Cash deposits"), ("ledger.view_cashdeposit",)),
    NavItem(
        "collection:channel-reconciliation",
        _("Payment channels"),
        ("ledger.view_channelstatement", "ledger.view_balance"),
        ("collection:settlement-import",),
    ),
    # --- relief cases (approvals) ---
    NavItem("approvals:queue", _("Review queue"), ("approvals.review_case",), ("approvals:case",)),
    NavItem("approvals:cases", _("Cases"), ("approvals.view_case",)),
    NavItem(
        "approvals:households",
        _("Households"),
        ("approvals.view_household",),
        ("approvals:household", "approvals:household-new", "approvals:household-bank-account"),
    ),
    NavItem(
        "approvals:bank-account-changes",
        _("Bank account changes"),
        ("approvals.approve_bankaccountchange",),
    ),
    NavItem("approvals:notice-publish", _("Publish notice"), ("approvals.publish_notice",)),
    NavItem(
        "approvals:objections",
        _("Objections"),
        ("approvals.handle_objection",),
        ("approvals:objection",),
    ),
    # --- payouts (disbursement) ---
    NavItem(
        "payouts:batches",
        _("Payout batches"),
        ("disbursement.view_payoutbatch",),
        ("payouts:batch", "payouts:job", "payouts:sample-check"),
    ),
    NavItem(
        "payouts:batch-new",
        _("Build a batch"),
        ("disbursement.view_payoutbatch", "disbursement.build_payoutbatch"),
    ),
    NavItem("payouts:late", _("Late payments"), ("disbursement.view_payoutbatch",)),
    NavItem("payouts:cycles", _("Cycles"), ("disbursement.view_cycle",)),
    NavItem(
        "payouts:confirmations",
        _("Annual confirmation"),
        ("disbursement.view_confirmation",),
        ("payouts:confirmation",),
    ),
    NavItem(
        "payouts:confirmation-objections",
        _("Objections to confirmation lists"),
        ("approvals.handle_objection",),
        ("payouts:confirmation-objection",),
    ),
    NavItem(
        "payouts:enrolments",
        _("Enrolments"),
        ("disbursement.view_enrolment",),
        ("payouts:enrolment",),
    ),
    NavItem(
        "payouts:recoveries",
        _("Recoveries"),
        ("disbursement.view_recovery",),
        ("payouts:recovery", "payouts:recovery-new"),
    ),
]


def items_for(user, current: str | None) -> list[dict]:
    """The menu items ``user`` may use, with their URLs and whether each is the current page."""
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in NAV:
        if item.perms and not holds_perms(user, item.perms):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # a screen that is not mounted in this deployment
            continue
        active = current == item.url_name or current in item.also_active
        items.append({"url": url, "label": item.label, "active": active})
    return items
