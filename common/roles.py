"""The staff roles' names and labels (DOMAIN.md), for every layer to refer to.

Only the names live here; which permissions each role holds is the site's composition
(``fundapp/roles.py``), and code decides by permission, never by role name.
"""

from django.utils.translation import gettext_lazy as _

FINANCE_OFFICER = "finance_officer"
FINANCE_SUPERVISOR = "finance_supervisor"
CASE_WORKER = "case_worker"
REVIEWER = "reviewer"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    FINANCE_OFFICER: _("Finance officer"),
    FINANCE_SUPERVISOR: _("Finance supervisor"),
    CASE_WORKER: _("Case worker"),
    REVIEWER: _("Reviewer"),
    AUDITOR: _("Auditor"),
    ADMINISTRATOR: _("Administrator"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
