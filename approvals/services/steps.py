"""What the steps of a relief case share beyond ``_common``: saving the case under
django-fsm's concurrency check (a concurrent change becomes ``InvalidTransition``, "reload it")
and closing its beneficiaries' open memberships (they are free for another case). Called inside
the caller's transaction, with the case row already locked."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from ..exceptions import InvalidTransition
from ..models import Case, CaseMember


def save_case(case: Case) -> None:
    """Save the case; a concurrent change (django-fsm's ``ConcurrentTransition``) is refused."""
    try:
        case.save()
    except ConcurrentTransition as exc:
        raise InvalidTransition(
            _("Case %(number)s was changed by someone else a moment ago; reload it.")
            % {"number": case.number}
        ) from exc


def close_membership(case: Case) -> None:
    """The case's beneficiaries are free for another case of the program and cycle."""
    CaseMember.objects.filter(case=case).update(is_open=False)
