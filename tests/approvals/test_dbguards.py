"""The database holds the case rules too: going around the services (``.update()``,
``bulk_create``) is refused on SQLite and PostgreSQL alike."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from approvals import services
from approvals.models import Case, CaseApproval, CaseHistory, Objection, Reservation

from .factories import cny


def _refused(action, error=(IntegrityError, DatabaseError)):
    with pytest.raises(error), transaction.atomic():
        action()


def test_history_and_approvals_are_append_only(people, new_case, drive):
    case = drive(new_case(), "in_review")
    services.case_approve(case=case, actor=people.village_rev)
    _refused(lambda: CaseHistory.objects.filter(case=case).update(comment="changed"))
    _refused(lambda: CaseHistory.objects.filter(case=case).delete())
    _refused(lambda: CaseApproval.objects.filter(case=case).update(tier_order=3))
    _refused(lambda: CaseApproval.objects.filter(case=case).delete())
    assert CaseApproval.objects.filter(case=case, tier_order=1).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"state": "bogus"},
        {"state": "in_review", "current_tier": None},  # a case in review waits at a tier
        {"state": "approved", "current_tier": 2},  # and only then
        {"state": "returned", "current_tier": None, "returned_by_tier": None},
        {"state": "final", "current_tier": None},  # final needs its award entry
        {"state": "rejected", "current_tier": None, "reason": ""},  # a reason is required
        {"amount": cny(0)},
    ],
)
def test_case_rules_held_by_the_database(change, people, new_case, drive):
    case = drive(new_case(), "in_review")
    _refused(lambda: Case.objects.filter(pk=case.pk).update(**change))


def test_one_active_reservation_per_case(people, new_case, drive):
    case = drive(new_case(), "on_notice")
    active = Reservation.objects.get(case=case, active=True)
    _refused(
        lambda: Reservation.objects.bulk_create(
            [Reservation(case=case, fund=active.fund, amount=case.amount)]
        )
    )
    _refused(lambda: Reservation.objects.filter(pk=active.pk).update(active=False))  # no date
    _refused(lambda: Reservation.objects.filter(pk=active.pk).update(amount=cny(-1)))
    Reservation.objects.filter(pk=active.pk).update(active=False, released_at=timezone.now())


def test_objection_dismissal_needs_a_reply(people, new_case, drive):
    case = drive(new_case(), "on_notice")
    objection = services.objection_file(
        notice_item=case.notice_items.get(), contact="139", text="x"
    )
    _refused(
        lambda: Objection.objects.filter(pk=objection.pk).update(
            status="dismissed", reply="", handled_at=timezone.now()
        )
    )
    _refused(lambda: Objection.objects.filter(pk=objection.pk).update(contact=""))
