"""What the collection's API endpoints share: their documented errors, the Idempotency-Key and
Idempotent-Replayed headers, the answer to a recording, the PDF renderer and JSON errors of PDF
endpoints (the PDF itself: ``documents.pdf_response``), the viewset base."""

from __future__ import annotations

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import renderers, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from common.api import (
    AUTHENTICATION,
    CONCURRENT_RETRY_TEXT,
    KEY_MAX_LENGTH,
    KEY_REGEX,
    NOT_AUTHENTICATED_TEXT,
    REPLAYED_HEADER,
    ErrorDocs,
    Pagination,
)
from common.permissions import RequiredPermissions

ERROR_TEXT = {
    400: _(
        "The request is not valid. Code 'invalid' lists the errors of each field in detail; the "
        "services' own refusals have their own code: invalid_amount, amount_too_large (above "
        "the ceiling of that kind of document), unknown_fund, "
        "currency_not_held, invalid_donor, invalid_credit_code, wrong_receipt_type, "
        "collection_error, idempotency_key_required, idempotency_key_invalid."
    ),
    401: NOT_AUTHENTICATED_TEXT,
    403: _(
        "The user's role does not hold the permission this needs, or (for a void) the user "
        "asked for it and may not decide it too (permission_denied)."
    ),
    404: _("No such object, or no such page (not_found)."),
    409: _(
        "Refused because of the state of the books: period_closed, idempotency_conflict (the "
        "key was used for different content), receipt_book_exhausted, void_not_allowed, "
        "insufficient_cash, pledge_error, pledge_not_overdue."
    ),
}


errors = ErrorDocs(ERROR_TEXT)
READ_ERRORS = ErrorDocs.READ
PDF_ERRORS = errors(*READ_ERRORS, 404, media_type="application/json")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_REGEX,
    description=format_lazy(
        _(
            "A unique key per new record (a UUID is a good choice), up to {n} visible ASCII "
            "characters. Sending the same key with the same content again returns the first "
            "record (200); the same key with different content is refused (409 "
            "idempotency_conflict)."
        ),
        n=KEY_MAX_LENGTH,
    ),
)
IDEMPOTENCY_KEY.description = format_lazy(
    "{} {}", IDEMPOTENCY_KEY.description, CONCURRENT_RETRY_TEXT
)
REPLAYED = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    enum=["true", "false"],
    description=_("'true' when this was a retry, answered with the record already made."),
)


def recorded(serializer_class, obj, *, replayed: bool, location: str, request) -> Response:
    """201 for a new record, 200 for a replay; both carry Location and Idempotent-Replayed."""
    return Response(
        serializer_class(obj, context={"request": request}).data,
        status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        headers={REPLAYED_HEADER: "true" if replayed else "false", "Location": location},
    )


def local_today():
    return timezone.localdate()


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the PDF itself is an HttpResponse."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFAnswerMixin:
    """Errors of a PDF endpoint are JSON like everywhere else, whatever the client accepts."""

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = request.accepted_renderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


PDF_RENDERERS = [renderers.JSONRenderer, PDFRenderer]
PDF_OK = OpenApiResponse(OpenApiTypes.BINARY, description=_("The PDF document."))


class CollectionViewSet(viewsets.GenericViewSet):
    authentication_classes = AUTHENTICATION
    permission_classes = [RequiredPermissions]
    pagination_class = Pagination
    # Bodies are small flat objects; JSON only, so amounts arrive typed and numbers are refused.
    parser_classes = [JSONParser]
    required_permissions: dict[str, tuple[str, ...]] = {}


def recording_responses(serializer_class, what) -> dict:
    return {
        201: OpenApiResponse(serializer_class, description=what),
        200: OpenApiResponse(
            serializer_class,
            description=_("A retry: the record first made under this Idempotency-Key."),
        ),
        **errors(400, *READ_ERRORS, 409),
    }
