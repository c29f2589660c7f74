"""Where an award's entry is corrected (``ledger.corrections``; registered in ``apps.py``): by
cancelling the award on its case, by the deciding tier, which reverses the entry and closes the
case together (and is refused while the award is being paid)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from ledger.corrections import Correction

from .models import Case


def award_correction(entry) -> Correction | None:
    case = Case.objects.filter(award_entry=entry).first()
    if case is None:
        return None
    return Correction(
        _(
            "Entry no. %(seq)s books the award of case %(number)s. It is not reversed by hand: "
            "the deciding tier cancels the award on the case's page, with a reason, which "
            "reverses the entry and closes the case together."
        )
        % {"seq": entry.seq, "number": case.number},
        reverse("approvals:case", args=[case.pk]),
    )


__all__ = ["award_correction"]
