"""Site pages that belong to no single app: the home page, a to-do list per role (what waits
for the signed-in user: ``fundapp.todo``), the warnings staff must act on (cash waiting for the
bank, awards paid late, payout jobs interrupted by the death of their process, manual entries
and reversals waiting for a second person's approval, and the state of one's own), and each
fund's position for those who keep or audit the books (not for case workers and reviewers,
whose home is their queue)."""

from collections import defaultdict

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from approvals import selectors as case_selectors
from approvals.selectors import staff_region
from common.permissions import holds_perm, holds_perms
from disbursement import selectors as payout_selectors
from ledger import selectors
from ledger.collection import selectors as collection_selectors

from .health import verification_state
from .roles import role_label, user_roles
from .todo import todo_items


@require_safe
def home(request):
    """What waits for the user, then each active fund's position per currency for those who
    read balances. A visitor who is not signed in is sent to the public's front door (which
    links to the login page)."""
    if not request.user.is_authenticated:
        return redirect("public:index")
    funds = []
    if holds_perms(request.user, ("ledger.view_fund", "ledger.view_balance")):
        by_fund = defaultdict(list)
        for position in selectors.fund_positions():
            by_fund[position.fund].append(position)
        funds = [{"fund": fund, "positions": rows} for fund, rows in by_fund.items()]
    # Cash held longer than three days is flagged for those who handle or audit cash.
    cash = []
    if holds_perms(request.user, ("ledger.view_cashdeposit", "ledger.view_balance")):
        cash = collection_selectors.cash_to_deposit(today=timezone.localdate())
    # Final awards unpaid past PAYOUT_LATE_DAYS, for those who see payouts, in their region.
    late = None
    region = staff_region(request.user)
    if holds_perm(request.user, "disbursement.view_payoutbatch") and region is not None:
        late = {
            "count": payout_selectors.late_awards_count(region=region),
            "days": payout_selectors.late_days_setting(),
        }
    # Long payout jobs whose process died, waiting for a retry: the user's own (every one for
    # those who watch every job).
    interrupted = payout_selectors.interrupted_jobs_for(request.user)
    # Manual entries and reversals: waiting for this approver; the maker's own, with their state.
    requests_waiting = selectors.entry_requests_waiting_for(request.user)
    my_requests = selectors.entry_requests_of(request.user)
    roles = [role_label(role) for role in user_roles(request.user)]
    # The nightly verification of the whole ledger (ledger.verify), for those who keep or audit
    # the books: a failed, stale or missing one is a warning.
    verification = verification_state() if holds_perm(request.user, "ledger.view_balance") else None
    return render(
        request,
        "fundapp/home.html",
        {
            "funds": funds,
            "todo": todo_items(request.user, today=timezone.localdate()),
            "role_labels": roles,
            "cash_held": cash,
            "late": late,
            "interrupted": interrupted,
            "requests_waiting": requests_waiting,
            "my_requests": my_requests,
            "deadlines": _deadlines(request.user, region),
            "verification": verification,
        },
    )


def _deadlines(user, region) -> dict | None:
    """Cases past their tier's review deadline and final awards past their program's payment
    deadline (both in working days), in the user's region, for those who see them."""
    if region is None:
        return None
    today = timezone.localdate()
    found = {"reviews": None, "payments": None, "unknown": ""}
    if holds_perm(user, "approvals.view_case"):
        reviews = case_selectors.overdue_reviews(region, today=today)
        found["reviews"], found["unknown"] = reviews.count, reviews.unknown
    if holds_perm(user, "disbursement.view_payoutbatch"):
        cutoffs, unknown = case_selectors.payment_overdue_cutoffs(today=today)
        found["payments"] = sum(
            payout_selectors.unpaid_cases(program=program, region=region, final_to=cutoff).count()
            for program, cutoff in cutoffs.items()
        )
        found["unknown"] = found["unknown"] or unknown
    return found


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (settings.AXES_LOCKOUT_CALLABLE): 429 with a
    translated message saying how long the cool-off lasts; the login page and the admin's."""
    from django.conf import settings

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
