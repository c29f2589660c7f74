"""The case state machine as a table: (state, action, user) -> allowed (new state) or refused
(typed error with a reason), for every rule the services enforce. A refusal changes nothing."""

from datetime import date

import pytest

from approvals import services
from approvals.exceptions import InvalidInput, InvalidTransition, NotAllowed
from approvals.models import CaseHistory, CaseState, Reservation

from .factories import make_program, make_staff

OK = None


def _act(action, case, user, world):
    if action == "submit":
        return services.case_submit(case=case, actor=user)
    if action == "resubmit":
        return services.case_resubmit(case=case, actor=user)
    if action == "approve":
        return services.case_approve(case=case, actor=user)
    if action == "return":
        return services.case_return(
            case=case, actor=user, missing_items=["户口本复印件", "收入证明"]
        )
    if action == "reject":
        return services.case_reject(case=case, actor=user, reason="家庭收入高于标准")
    if action == "withdraw":
        return services.case_withdraw(case=case, actor=user, reason="申请人撤回")
    if action == "publish":
        services.notice_publish(
            program=case.program,
            region=world.village_a1,
            cycle=case.cycle,
            cases=[case],
            actor=user,
        )
        case.refresh_from_db()
        return case
    if action == "cancel":
        return services.case_cancel(case=case, actor=user, reason="重复领取")
    raise ValueError(action)


def _to(state, case, people, drive):
    """Like the ``drive`` fixture, plus in_review at tier 2 and tier 3."""
    if state in ("tier2", "tier3"):
        case = drive(case, "in_review")
        case = services.case_approve(case=case, actor=people.village_rev)
        if state == "tier3":
            case = services.case_approve(case=case, actor=people.town_rev)
        return case
    return drive(case, state)


TABLE = [
    # state, action, user, expected: OK (resulting state) or (error, words in the message)
    ("draft", "submit", "worker", ("in_review", 1)),
    ("draft", "submit", "worker_b", (NotAllowed, "outside your region")),
    ("draft", "submit", "village_rev", (NotAllowed, "role needed")),
    ("draft", "approve", "village_rev", (InvalidTransition, "cannot be approved")),
    ("draft", "withdraw", "worker", ("withdrawn", None)),
    ("draft", "reject", "village_rev", (InvalidTransition, "cannot be rejected")),
    ("draft", "publish", "town_rev", (InvalidTransition, "cannot be put on notice")),
    ("in_review", "approve", "village_rev", ("in_review", 2)),
    ("in_review", "approve", "town_rev", (NotAllowed, "village level")),
    ("in_review", "approve", "worker", (NotAllowed, "role needed")),
    ("in_review", "approve", "nobody", (NotAllowed, "role needed")),
    ("in_review", "return", "village_rev", ("returned", None)),
    ("in_review", "return", "worker", (NotAllowed, "role needed")),
    ("in_review", "reject", "village_rev", ("rejected", None)),
    ("in_review", "reject", "town_b_rev", (NotAllowed, "")),
    ("in_review", "submit", "worker", (InvalidTransition, "cannot be submitted")),
    ("in_review", "publish", "town_rev", (InvalidTransition, "cannot be put on notice")),
    ("in_review", "withdraw", "worker", ("withdrawn", None)),
    ("in_review", "withdraw", "village_rev", (NotAllowed, "role needed")),
    ("in_review", "cancel", "county_rev", (InvalidTransition, "cannot be cancelled")),
    ("tier2", "approve", "town_rev", ("in_review", 3)),
    ("tier2", "approve", "town_b_rev", (NotAllowed, "outside your region")),
    ("tier2", "approve", "village_rev", (NotAllowed, "township level")),
    ("tier2", "approve", "county_rev", (NotAllowed, "township level")),
    ("tier2", "return", "town_rev", ("returned", None)),
    ("tier3", "approve", "county_rev", ("approved", None)),
    ("tier3", "approve", "town_rev", (NotAllowed, "county level")),
    ("tier3", "reject", "county_rev", ("rejected", None)),
    ("returned", "resubmit", "worker", ("in_review", 1)),
    ("returned", "resubmit", "worker_b", (NotAllowed, "outside your region")),
    ("returned", "resubmit", "village_rev", (NotAllowed, "role needed")),
    ("returned", "approve", "village_rev", (InvalidTransition, "cannot be approved")),
    ("approved", "publish", "town_rev", ("on_notice", None)),
    ("approved", "publish", "worker", (NotAllowed, "role")),
    ("approved", "publish", "town_b_rev", (NotAllowed, "outside your region")),
    ("approved", "approve", "county_rev", (InvalidTransition, "cannot be approved")),
    ("approved", "reject", "county_rev", (InvalidTransition, "cannot be rejected")),
    ("approved", "withdraw", "worker", ("withdrawn", None)),
    ("on_notice", "withdraw", "worker", ("withdrawn", None)),
    ("on_notice", "approve", "county_rev", (InvalidTransition, "cannot be approved")),
    ("on_notice", "reject", "county_rev", (InvalidTransition, "cannot be rejected")),
    ("on_notice", "cancel", "county_rev", (InvalidTransition, "cannot be cancelled")),
    ("on_notice", "publish", "town_rev", (InvalidTransition, "cannot be put on notice")),
    ("objected", "approve", "town_rev", ("in_review", 3)),
    ("objected", "approve", "village_rev", (NotAllowed, "township level")),
    ("objected", "reject", "town_rev", ("rejected", None)),
    ("objected", "return", "town_rev", ("returned", None)),
    ("objected", "withdraw", "worker", ("withdrawn", None)),
    ("final", "cancel", "county_rev", ("cancelled", None)),
    ("final", "cancel", "town_rev", (NotAllowed, "deciding tier")),
    ("final", "cancel", "worker", (NotAllowed, "role needed")),
    ("final", "withdraw", "worker", (InvalidTransition, "cannot be withdrawn")),
    ("final", "reject", "county_rev", (InvalidTransition, "cannot be rejected")),
    ("rejected", "approve", "village_rev", (InvalidTransition, "cannot be approved")),
    ("rejected", "withdraw", "worker", (InvalidTransition, "cannot be withdrawn")),
    ("rejected", "resubmit", "worker", (InvalidTransition, "cannot be resubmitted")),
    ("withdrawn", "submit", "worker", (InvalidTransition, "cannot be submitted")),
    ("cancelled", "cancel", "county_rev", (InvalidTransition, "cannot be cancelled")),
]


@pytest.mark.parametrize(
    ("state", "action", "user", "expected"),
    TABLE,
    ids=[f"{s}-{a}-{u}" for s, a, u, _e in TABLE],
)
def test_transition_table(state, action, user, expected, people, world, new_case, drive):
    # given a case in the state
    case = _to(state, new_case(), people, drive)
    case.refresh_from_db()
    before_state, before_tier = case.state, case.current_tier
    before_history = CaseHistory.objects.filter(case=case).count()
    actor = getattr(people, user)

    outcome, detail = expected
    if isinstance(outcome, type):
        # when a refused action is tried, then the typed error explains why...
        with pytest.raises(outcome) as info:
            _act(action, case, actor, world)
        assert detail.lower() in str(info.value).lower()
        # ...and nothing changed
        case.refresh_from_db()
        assert (case.state, case.current_tier) == (before_state, before_tier)
        assert CaseHistory.objects.filter(case=case).count() == before_history
    else:
        # when an allowed action is taken, then the case moves and a history row says so
        result = _act(action, case, actor, world)
        result.refresh_from_db()
        assert result.state == outcome
        if detail is not None:
            assert result.current_tier == detail
        last = CaseHistory.objects.filter(case=case).last()
        assert last.to_state == outcome
        assert CaseHistory.objects.filter(case=case).count() > before_history


def test_filer_may_not_approve(make_user, world, funded, household, people):
    # given a village user who is both case worker and reviewer, who files a case
    dual = make_staff(make_user, "case_worker", world.village_a1, "dual", "reviewer")
    case = services.case_file(program=funded, household=household, cycle="2026", actor=dual)
    case = services.case_submit(case=case, actor=dual)
    # when they try to approve it, then they are refused; another reviewer may
    with pytest.raises(NotAllowed, match="You filed case"):
        services.case_approve(case=case, actor=dual)
    assert services.case_approve(case=case, actor=people.village_rev).current_tier == 2


def test_earlier_approver_may_not_approve_again(people, world, household):
    # given a program with two county tiers
    from .factories import fund_money

    program = make_program(
        code="TWO",
        tiers=[("县一审", "County 1", "county", None), ("县二审", "County 2", "county", None)],
    )
    fund_money(5000)
    case = services.case_file(
        program=program, household=household, cycle="2026", actor=people.worker
    )
    case = services.case_submit(case=case, actor=people.worker)
    case = services.case_approve(case=case, actor=people.county_rev)
    # when the same person tries the second tier, then refused naming the earlier tier
    with pytest.raises(NotAllowed, match="at tier 1"):
        services.case_approve(case=case, actor=people.county_rev)
    # and a different county reviewer may approve it
    assert services.case_approve(case=case, actor=people.county_rev2).state == CaseState.APPROVED


def test_return_lists_everything_and_resubmit_goes_back_to_that_tier(people, new_case, drive):
    # given a case at tier 2
    case = _to("tier2", new_case(), people, drive)
    # when returning with no items, then refused
    with pytest.raises(InvalidInput, match="missing"):
        services.case_return(case=case, actor=people.town_rev, missing_items=["  ", ""])
    # when the township returns it listing two items
    case = services.case_return(
        case=case, actor=people.town_rev, missing_items=["户口本复印件", "收入证明"]
    )
    assert (case.state, case.returned_by_tier) == ("returned", 2)
    assert case.missing_items == ["户口本复印件", "收入证明"]
    # then resubmitting sends it back to tier 2, not tier 1
    case = services.case_resubmit(case=case, actor=people.worker)
    assert (case.state, case.current_tier, case.missing_items) == ("in_review", 2, [])


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_withdraw_cancel_need_a_written_reason(reason, people, new_case, drive):
    case = _to("in_review", new_case(), people, drive)
    with pytest.raises(InvalidInput):
        services.case_reject(case=case, actor=people.village_rev, reason=reason)
    with pytest.raises(InvalidInput):
        services.case_withdraw(case=case, actor=people.worker, reason=reason)
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW


def test_tiers_below_their_minimum_amount_are_skipped(people, world, household):
    # given a program whose county tier applies only from 5,000
    from .factories import cny, fund_money

    program = make_program(
        code="SKIP",
        amount_rule="requested",
        cap=cny(10000),
        tiers=[
            ("村", "Village", "village", None),
            ("乡镇", "Township", "township", cny(2000)),
            ("县", "County", "county", cny(5000)),
        ],
    )
    fund_money(20000)
    small = services.case_file(
        program=program,
        household=household,
        cycle="2026",
        actor=people.worker,
        requested_amount=cny(1500),
    )
    small = services.case_submit(case=small, actor=people.worker)
    # when the village approves a 1,500 case, then both higher tiers are skipped
    small = services.case_approve(case=small, actor=people.village_rev)
    assert small.state == CaseState.APPROVED
    # and a 3,000 case stops at the township and skips the county
    services.case_withdraw(case=small, actor=people.worker, reason="改为大额申请")
    mid = services.case_file(
        program=program,
        household=household,
        cycle="2026",
        actor=people.worker,
        requested_amount=cny(3000),
    )
    mid = services.case_submit(case=mid, actor=people.worker)
    mid = services.case_approve(case=mid, actor=people.village_rev)
    assert mid.current_tier == 2
    mid = services.case_approve(case=mid, actor=people.town_rev)
    assert mid.state == CaseState.APPROVED


def test_withdraw_on_notice_releases_the_reservation(people, new_case, drive):
    case = drive(new_case(), "on_notice", today=date.today())
    assert Reservation.objects.filter(case=case, active=True).exists()
    services.case_withdraw(case=case, actor=people.worker, reason="申请人撤回")
    assert not Reservation.objects.filter(case=case, active=True).exists()
    assert case.notice_items.get().struck
