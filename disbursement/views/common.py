"""What the payout screens share: the permissions they name, paging, and the refusal of a
user without a staff region."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _

from approvals.models import Region

from .. import selectors

PAGE_SIZE = 50

VIEW_BATCH = "disbursement.view_payoutbatch"
PERM_BUILD = "disbursement.build_payoutbatch"
PERM_APPROVE = "disbursement.approve_payoutbatch"
PERM_EXPORT = "disbursement.export_payoutbatch"
PERM_IMPORT = "disbursement.import_bankresults"
VIEW_CYCLE = "disbursement.view_cycle"
PERM_GENERATE = "disbursement.generate_cycle"
VIEW_ENROLMENT = "disbursement.view_enrolment"
PERM_ENROL = "disbursement.manage_enrolment"
VIEW_JOB = "disbursement.view_jobprogress"
VIEW_RECOVERY = "disbursement.view_recovery"
PERM_PROPOSE = "disbursement.add_recovery"
PERM_DECIDE = "disbursement.approve_recovery"
PERM_REFUND = "disbursement.add_recoveryrefund"
PERM_WRITE_OFF = "disbursement.write_off_recovery"
PERM_CHECK = "disbursement.record_samplecheck"
# Besides the person who started it, a role holding this may watch any job (it oversees the
# others: disbursement/roles.py).
VIEW_ANY_JOB = "disbursement.view_any_job"


def page_of(request, items) -> Page:
    """The page of ``items`` that ``?page=`` asks for (the last one past the end)."""
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def region_or_403(user) -> Region:
    """The user's staff region; 403 without one (there is nothing they may build or enrol)."""
    region = selectors.staff_region(user)
    if region is None:
        raise PermissionDenied(_("Your account has no region; ask the administrator."))
    return region
