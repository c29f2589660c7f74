"""API plumbing shared by every app: errors as JSON with a code and a message."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ledger.exceptions import LedgerError


def _structured_detail(exc: LedgerError) -> dict | None:
    """What a structured refusal carries beyond its message, so a client sees every part of
    it: a refused bank result file lists each bad line (``problems``: line, code, reference,
    message)."""
    problems = getattr(exc, "problems", None)
    if problems:
        return {"problems": [{**p, "message": str(p.get("message", ""))} for p in problems]}
    return None


def exception_handler(exc, context):
    """Every error leaves the API as ``{"code": ..., "message": ..., "detail": ...}``: ``detail``
    holds each field's errors for code ``invalid``, and each part of a structured refusal
    (``problems`` of a refused bank file) for the domain's own codes."""
    if isinstance(exc, LedgerError):
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
