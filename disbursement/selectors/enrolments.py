"""An enrolment's story as its page shows it: status changes, entitlements and how each was
paid."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Enrolment, EnrolmentHistory, Entitlement, Payment


def enrolment_history(enrolment: Enrolment) -> QuerySet[EnrolmentHistory]:
    """The enrolment's status changes in order, with who made each."""
    return enrolment.history.select_related("actor").order_by("id")


def enrolment_entitlements(enrolment: Enrolment) -> list[tuple[Entitlement, str | None]]:
    """Each entitlement of the enrolment, newest cycle first, with the status of its latest
    payment (None if it was never in a batch)."""
    entitlements = (
        Entitlement.objects.filter(enrolment=enrolment)
        .select_related("cycle")
        .order_by("-cycle__code")
    )
    last_payment = {
        ent_id: status
        for ent_id, status in Payment.objects.filter(entitlement__enrolment=enrolment)
        .order_by("id")
        .values_list("entitlement_id", "status")
    }
    return [(e, last_payment.get(e.pk)) for e in entitlements]
