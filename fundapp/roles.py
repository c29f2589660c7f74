"""The staff roles of DOMAIN.md as Django groups, and the permissions each holds.

Groups are created (and their permissions reset to this table) after every ``migrate``, so the
table here is the single source of truth; the administrator assigns people to groups.
"""

from django.contrib.auth.models import Group, Permission

from approvals.roles import APPROVALS_ROLE_PERMISSIONS
from common.roles import (
    ADMINISTRATOR,
    AUDITOR,
    CASE_WORKER,
    FINANCE_OFFICER,
    FINANCE_SUPERVISOR,
    REVIEWER,
    ROLE_LABELS,
    role_label,
)
from disbursement.roles import DISBURSEMENT_ROLE_PERMISSIONS

__all__ = [
    "ADMINISTRATOR",
    "AUDITOR",
    "CASE_WORKER",
    "FINANCE_OFFICER",
    "FINANCE_SUPERVISOR",
    "REVIEWER",
    "ROLE_LABELS",
    "ROLE_PERMISSIONS",
    "ensure_roles",
    "role_label",
    "user_roles",
]

_COLLECTION_READ = [
    "ledger.view_donor",
    "ledger.view_donation",
    "ledger.view_allocation",
    "ledger.view_receipt",
    "ledger.view_receiptbook",
    "ledger.view_receiptvoidrequest",
    "ledger.view_cashdeposit",
    "ledger.view_pledge",
    "ledger.view_donationimport",
    "ledger.view_channelstatement",
]
_COLLECTION_WRITE = [
    "ledger.add_donor",
    "ledger.change_donor",
    "ledger.add_donation",
    "ledger.add_allocation",
    "ledger.add_cashdeposit",
    "ledger.add_channelstatement",
    "ledger.add_pledge",
    "ledger.add_receiptvoidrequest",
]

_LEDGER_READ = [
    "ledger.view_account",
    "ledger.view_fund",
    "ledger.view_period",
    "ledger.view_journalentry",
    "ledger.view_journalline",
    "ledger.view_balance",
    "ledger.export_ledger",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # The officer asks for manual entries and reversals; a supervisor (never the one who asked)
    # approves them. ``add_journalentry`` and ``reverse_journalentry`` are what the flows
    # (donations, deposits, voids) post with; no screen or API posts a manual entry with them.
    FINANCE_OFFICER: [
        *_LEDGER_READ,
        *_COLLECTION_READ,
        *_COLLECTION_WRITE,
        "ledger.add_journalentry",
        "ledger.reverse_journalentry",
        "ledger.view_entryrequest",
        "ledger.add_entryrequest",
    ],
    FINANCE_SUPERVISOR: [
        *_LEDGER_READ,
        "ledger.add_journalentry",
        "ledger.reverse_journalentry",
        "ledger.view_entryrequest",
        "ledger.add_entryrequest",
        "ledger.approve_entryrequest",
        "ledger.close_period",
        "ledger.add_period",
        *_COLLECTION_READ,
        *_COLLECTION_WRITE,
        "ledger.approve_receipt_void",
        "ledger.write_off_pledge",
    ],
    CASE_WORKER: ["ledger.view_fund"],
    REVIEWER: ["ledger.view_fund"],
    AUDITOR: [
        *_LEDGER_READ,
        *_COLLECTION_READ,
        "ledger.view_entryrequest",
        "ledger.verify_ledger",
        "ledger.view_auditevent",
    ],
    ADMINISTRATOR: [
        *_LEDGER_READ,
        "ledger.add_account",
        "ledger.change_account",
        "ledger.add_fund",
        "ledger.change_fund",
        "ledger.add_period",
        "ledger.view_auditevent",
        *_COLLECTION_READ,
        "ledger.add_receiptbook",
        "ledger.change_receiptbook",
        "ledger.view_amountceiling",
        "ledger.add_amountceiling",
        "ledger.change_amountceiling",
        "ledger.view_entryrequest",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        # roles are asked by one administrator and approved by another (fundapp.grants)
        "fundapp.view_rolegrant",
        "fundapp.add_rolegrant",
        "fundapp.approve_rolegrant",
    ],
}

# Each app below the top layer names the permissions its screens need per role; merged here.
for _app_permissions in (APPROVALS_ROLE_PERMISSIONS, DISBURSEMENT_ROLE_PERMISSIONS):
    for _role, _perms in _app_permissions.items():
        ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_perms]

# Who may reach the finance screens at all (the view still checks the exact permission).
FINANCE_ROLES = {FINANCE_OFFICER, FINANCE_SUPERVISOR, AUDITOR, ADMINISTRATOR}


def ensure_roles() -> None:
    # One query for every permission the table names (it ran once per permission, ~300 queries,
    # after every migrate and after every flush of a transactional test).
    wanted_names = {
        tuple(dotted.split(".", 1)) for perms in ROLE_PERMISSIONS.values() for dotted in perms
    }
    found = {
        (perm.content_type.app_label, perm.codename): perm
        for perm in Permission.objects.filter(
            codename__in={codename for _app, codename in wanted_names}
        ).select_related("content_type")
    }
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            perm = found.get(tuple(dotted.split(".", 1)))
            if perm is None:
                raise LookupError(f"role {role}: permission {dotted} does not exist")
            wanted.append(perm)
        group.permissions.set(wanted)


def user_roles(user) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    names = getattr(user, "_fund_roles", None)
    if names is None:
        names = sorted(user.groups.values_list("name", flat=True))
        user._fund_roles = names
    return names
