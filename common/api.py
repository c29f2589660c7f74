"""API plumbing shared by every app's JSON API (Django REST framework).

* errors: every refusal leaves as ``{"code", "message", "detail"?}`` (``exception_handler``,
  wired in ``settings.REST_FRAMEWORK``), documented in the schema through ``error_responses``
  with ``ErrorSerializer``;
* authentication (token first, then session), paging (``Pagination``), the permission class
  lives in ``common.permissions`` (``RequiredPermissions``);
* request bodies and query strings checked by a serializer (``validated_body``,
  ``validated_query``);
* the ``Idempotency-Key`` header: parsed once here (``idempotency_key``), for the endpoints that
  store it (postings, donations) and for those that only check its form.
"""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import FundError
from .throttle import LockoutTokenAuthentication

# Token first: an anonymous caller then gets 401 with "WWW-Authenticate: Token" (DRF answers
# 403 when the first class is the session one, which has no challenge to offer).
AUTHENTICATION = [LockoutTokenAuthentication, SessionAuthentication]

MAX_PAGE_SIZE = 200

KEY_PREFIX = "api:"
KEY_MAX_LENGTH = 150  # the column holds 200; the prefix and a margin fit in the rest
KEY_REGEX = f"^[!-~]{{1,{KEY_MAX_LENGTH}}}$"  # visible ASCII (0x21-0x7e), no spaces
KEY_PATTERN = re.compile(KEY_REGEX)
REPLAYED_HEADER = "Idempotent-Replayed"

# What a stored Idempotency-Key promises for retries sent at the same moment (common.replay: the
# service decides under its lock, so a retry waits for the first and replays it).
CONCURRENT_RETRY_TEXT = _(
    "Retries sent at the same moment as the first request wait for it and get the same answer: "
    "exactly one response says the record was made, every other one is the 200 replay with "
    "Idempotent-Replayed: true and the same body."
)

# The 401 text every app's schema shows (each app words its other statuses with its own codes).
NOT_AUTHENTICATED_TEXT = _(
    "Not authenticated (not_authenticated, authentication_failed): log in for a session "
    "or send 'Authorization: Token <key>'."
)


class TextField(serializers.CharField):
    """Text, and only text: DRF's own CharField turns a JSON number into text (a reason of 5
    became "5"), which hides a client's mistake (issue 13). Every text field of the API's
    serializers is one of these."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class IdempotencyKeyRequired(APIException):
    status_code = 400
    default_code = "idempotency_key_required"
    default_detail = _(
        "Send an Idempotency-Key header (for example a new UUID for each new entry) so that a "
        "retried request cannot post the entry twice."
    )


class IdempotencyKeyInvalid(APIException):
    status_code = 400
    default_code = "idempotency_key_invalid"
    default_detail = format_lazy(
        _("The Idempotency-Key header must be 1 to {n} visible ASCII characters without spaces."),
        n=KEY_MAX_LENGTH,
    )


def idempotency_key(request, *, required: bool) -> str:
    """The client's key, stored with our prefix so it never collides with keys the system
    itself uses (``reverse:12``, imports...); "" when optional and absent. A key of the wrong
    form is refused whether or not it is required."""
    raw = request.headers.get("Idempotency-Key", "").strip()
    if not raw:
        if required:
            raise IdempotencyKeyRequired()
        return ""
    if not KEY_PATTERN.fullmatch(raw):
        raise IdempotencyKeyInvalid()
    return KEY_PREFIX + raw


def optional_idempotency_key(description, **params) -> OpenApiParameter:
    """The optional ``Idempotency-Key`` header of an API that checks its form but does not store
    it. ``description`` (the app's own words: what sending the same request twice does there)
    may name ``{n}``, the key's longest length, and any of ``params``."""
    return OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        pattern=KEY_REGEX,
        description=format_lazy(description, n=KEY_MAX_LENGTH, **params),
    )


def validated_body(serializer_class, request, **context) -> dict:
    """The request body checked by ``serializer_class`` (400 with the fields' errors if not)."""
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def validated_query(serializer_class, request) -> dict:
    """The query string checked by ``serializer_class`` (400 with the fields' errors if not)."""
    serializer = serializer_class(data=request.query_params)
    valid = serializer.is_valid()
    # A parameter sent empty (``?fund=``) is refused, as the filter sets do
    # (``common.filters``): the client meant a value.
    blank = {
        name: [_("This field may not be blank.")]
        for name in serializer.fields
        if name in request.query_params
        and all(v.strip() == "" for v in request.query_params.getlist(name))
        and name not in serializer.errors
    }
    if not valid or blank:
        raise exceptions.ValidationError({**serializer.errors, **blank})
    return serializer.validated_data


# The error body, for the schema only (``exception_handler`` writes it). No docstring: it would
# become the component's description in the schema.
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "Stable machine-readable code, e.g. unbalanced, period_closed, idempotency_conflict, "
            "invalid, not_authenticated, permission_denied, not_found."
        )
    )
    message = serializers.CharField(help_text=_("What went wrong and what to do, for people."))
    detail = serializers.JSONField(
        required=False,
        help_text=_(
            "For code 'invalid': the errors of each field, keyed by field name. For a refusal "
            "with parts (bank_file_rejected): 'problems', each with its line, code, reference "
            "and message. For corrected_by_flow: 'url', where the flow's correction starts. For "
            "period_open_items: 'items', each with its label, count and url."
        ),
    )


class ErrorDocs:
    """One app's documented error responses: its own wording per status (each app lists its
    own codes), and the sets its endpoints usually answer with.

    ``docs(400, 409)`` gives the responses for those statuses; ``docs.LIST`` (400, 401, 403,
    404), ``docs.DETAIL`` (401, 403, 404), ``docs.CREATE`` (400, 401, 403, 409) and
    ``docs.ACTION`` (400, 401, 403, 404, 409) are the usual sets."""

    READ = (401, 403)

    def __init__(self, texts: dict):
        self.texts = texts
        self.LIST = self(400, 401, 403, 404)
        self.DETAIL = self(401, 403, 404)
        self.CREATE = self(400, 401, 403, 409)
        self.ACTION = self(400, 401, 403, 404, 409)

    def __call__(self, *codes: int, media_type: str | None = None) -> dict:
        return error_responses(self.texts, *codes, media_type=media_type)


def error_responses(texts: dict, *codes: int, media_type: str | None = None) -> dict:
    """Documented error responses for the schema, each described by ``texts[code]``: all share
    the ``{code, message, detail?}`` JSON body. Every app's API documents its errors through
    here. ``media_type`` keys them for an endpoint that also answers files (a PDF, a bank
    file)."""
    return {
        ((c, media_type) if media_type else c): OpenApiResponse(
            ErrorSerializer, description=texts[c]
        )
        for c in codes
    }


def _structured_detail(exc: FundError) -> dict | None:
    """What a structured refusal carries beyond its message, so a client sees every part of
    it: a refused bank result file lists each bad line (``problems``: line, code, reference,
    message)."""
    problems = getattr(exc, "problems", None)
    if problems:
        return {"problems": [{**p, "message": str(p.get("message", ""))} for p in problems]}
    # Any other refusal with parts says them itself (a flow's correction link, a period's open
    # items): a plain JSON-able dict.
    extra = getattr(exc, "api_detail", None)
    return extra or None


@csrf_exempt  # it changes nothing, and must answer JSON rather than the CSRF failure page
def not_found(request, *args, **kwargs):
    """Any path under /api/ that no endpoint answers: the JSON error every other API refusal
    uses, never Django's HTML page (issue 13). A path that only lacks its final slash is sent
    on to it, as Django's APPEND_SLASH does for the site."""
    from django.http import HttpResponsePermanentRedirect, JsonResponse
    from django.urls import Resolver404, resolve

    if not request.path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else "")
            )
    return JsonResponse(
        {"code": "not_found", "message": str(exceptions.NotFound.default_detail)}, status=404
    )


def exception_handler(exc, context):
    """Every error leaves the API as ``{"code": ..., "message": ..., "detail": ...}``: ``detail``
    holds each field's errors for code ``invalid``, and each part of a structured refusal
    (``problems`` of a refused bank file) for the domain's own codes."""
    if isinstance(exc, FundError):
        body = {"code": exc.code, "message": str(exc)}
        detail = _structured_detail(exc)
        if detail:
            body["detail"] = detail
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        code, message = "invalid", "The request is not valid; see detail for each field."
    else:
        code = getattr(exc, "default_code", "error")
        message = str(getattr(exc, "detail", exc))
    response.data = {"code": code, "message": message}
    if isinstance(exc, exceptions.ValidationError):
        response.data["detail"] = detail
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and "Retry-After" in response:
        response.data["retry_after"] = response["Retry-After"]
    return response


THROTTLED_TEXT = _(
    "Too many requests (throttled): over the API's rate for your user or address, or too many "
    "wrong tokens from your address. Wait the seconds in Retry-After."
)


def document_throttling(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may answer 429 (the throttles and
    the token lockout of ``common.throttle`` apply to all of them), with the error body."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault(
                "429",
                {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                    "description": str(THROTTLED_TEXT),
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                },
            )
    return result
