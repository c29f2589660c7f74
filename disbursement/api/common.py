"""What every payout endpoint shares: the documented error texts, the optional Idempotency-Key
header, the answer of an endpoint that starts a job (202 with its progress and Location), the
county check of cycle actions, and the base viewset (authentication, permissions by action
and region, paging, JSON bodies)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from approvals.api import HasStaffRegion
from common.api import (
    AUTHENTICATION,
    NOT_AUTHENTICATED_TEXT,
    ErrorDocs,
    Pagination,
    optional_idempotency_key,
)
from common.permissions import RequiredPermissions

from .. import selectors
from ..exceptions import NotAllowed
from ..models import JobProgress
from ..serializers import JobSerializer

ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail "
        "(an id or code outside your region 'does not exist'); the domain's own refusals: "
        "invalid_input, layout_misconfigured, amount_mismatch, idempotency_key_invalid, and "
        "bank_file_rejected, whose detail.problems lists every bad line of the file (line, "
        "code, reference, message): nothing of the file is booked."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _(
        "permission_denied: the role does not hold the permission this needs, or no staff "
        "region is assigned. not_allowed: the rules refuse this user (approving a batch they "
        "built, a cycle opened below the county, a region outside their own)."
    ),
    404: _(
        "not_found: no such object in your region (objects outside it are answered the same "
        "way), no such page, or (download) a file that is not kept."
    ),
    409: _(
        "Refused because of the current state: invalid_state (e.g. exporting a batch not "
        "approved, approving twice, discarding an approved batch), nothing_to_pay, "
        "insufficient_funds (giving the money available), period_closed."
    ),
}

# A result import's own refusal (issue 12): one file of a batch at a time.
ERROR_TEXT[409] = format_lazy(
    "{} {}",
    ERROR_TEXT[409],
    _(
        "import_unfinished: another result file of the batch is still being applied, or its "
        "import was interrupted (import that file again to finish it)."
    ),
)


errors = ErrorDocs(ERROR_TEXT)


def idempotency_key_param(repeat: str) -> OpenApiParameter:
    """The optional Idempotency-Key header; ``repeat`` says what sending it twice does."""
    return optional_idempotency_key(
        _(
            "Optional, up to {n} visible ASCII characters; accepted but not stored. "
            "Sending the same request twice is harmless: {repeat}"
        ),
        repeat=repeat,
    )


JOB_STARTED = OpenApiResponse(
    JobSerializer,
    description=_(
        "The job was started: poll the Location (/api/payouts/jobs/{id}/) until its status is "
        "done or failed. Without a broker it has already run and the answer is final."
    ),
)


JOB_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[202],
    description=_("Where to poll the job's progress: /api/payouts/jobs/{id}/."),
)


def started(job: JobProgress) -> Response:
    """202 with the job's progress and ``Location`` to poll (final already when it ran eagerly)."""
    job = JobProgress.objects.select_related("created_by").get(pk=job.pk)  # eager: already run
    location = reverse("payouts-api:job-detail", kwargs={"pk": job.pk})
    return Response(
        JobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


def require_county(user) -> None:
    """Refused (not_allowed) unless the user works at the county itself."""
    if not selectors.covers_whole_county(user):
        raise NotAllowed(
            _gettext(
                "Cycles are opened and generated for the whole county (entitlements in every "
                "village): only staff working at the county do it."
            )
        )


class PayoutsViewSet(viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions, HasStaffRegion]
    pagination_class = Pagination
    parser_classes = [JSONParser]
    required_permissions: dict[str, tuple[str, ...]] = {}
    lookup_value_regex = r"[0-9]+"
