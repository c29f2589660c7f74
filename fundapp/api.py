"""API plumbing shared by every app: errors as JSON with a code and a message."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ledger.exceptions import LedgerError


def exception_handler(exc, context):
    """Every error leaves the API as ``{"code": ..., "message": ..., "detail": ...}``."""
    if isinstance(exc, LedgerError):
        return Response({"code": exc.code, "message": str(exc)}, status=exc.status)
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
