"""What every relief-case API module shares: the viewset base (authentication, the permission
classes, paging, JSON bodies), ``HasStaffRegion``, the documented error texts with the sets each
kind of endpoint answers, and the optional ``Idempotency-Key`` parameter.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, viewsets
from rest_framework.parsers import JSONParser

from common.api import (
    AUTHENTICATION,
    NOT_AUTHENTICATED_TEXT,
    ErrorDocs,
    Pagination,
    optional_idempotency_key,
)
from common.permissions import RequiredPermissions

from .. import selectors


class HasStaffRegion(permissions.BasePermission):
    """Staff act only within a region: without one there is nothing they may see or do."""

    message = _("You have no region assigned; ask the administrator to set your staff region.")

    def has_permission(self, request, view) -> bool:
        return selectors.staff_region(request.user) is not None


ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail "
        "(an id or code outside your region 'does not exist'); the domain's own refusals: "
        "invalid_input, invalid_id_number, not_eligible, program_misconfigured, "
        "idempotency_key_invalid."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _(
        "permission_denied: the role does not hold the permission this needs, or no staff "
        "region is assigned. not_allowed: the rules refuse this user (outside the region, not "
        "the tier's role or level, filed the case, approved it at an earlier tier)."
    ),
    404: _(
        "not_found: no such object in your region (objects outside it are answered the same "
        "way), or no such page."
    ),
    409: _(
        "Refused because of the current state: invalid_transition (not in a state where this "
        "can be done, e.g. a repeated request), duplicate_person and duplicate_beneficiary "
        "(naming the existing household or case), insufficient_funds (giving the amount "
        "available), period_closed, award_in_payment (a final award in a payout batch, sent "
        "to the bank or paid is not cancelled; the message says what to do)."
    ),
}


errors = ErrorDocs(ERROR_TEXT)


def idempotency_key_param(refusal: str) -> OpenApiParameter:
    return optional_idempotency_key(
        _(
            "Optional, up to {n} visible ASCII characters; accepted but not stored. "
            "Sending the same request twice cannot create a second record: {refusal}"
        ),
        refusal=refusal,
    )


# No docstring here or on the viewsets: drf-spectacular would show it as every operation's
# description in the schema.
class ApprovalsViewSet(viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions, HasStaffRegion]
    pagination_class = Pagination
    parser_classes = [JSONParser]
    required_permissions: dict[str, tuple[str, ...]] = {}
    lookup_value_regex = r"[0-9]+"
