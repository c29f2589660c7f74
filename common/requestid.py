"""A request id for every request, in the response header and in every log record written while
the request runs (issue 17, point 3), so a line of the JSON log, an nginx access log line and a
user's "it failed at 10:02" can be matched.

The id comes from the ``X-Request-ID`` header when the request came through a trusted proxy
(``TRUSTED_PROXIES``, common.clientip) and the value is a plain token; otherwise it is made
here. A client cannot choose the id its lines are logged under."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from .clientip import _address, _trusted, trusted_networks

HEADER = "X-Request-ID"
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current: ContextVar[str] = ContextVar("request_id", default="")


def _from_proxy(request) -> str:
    given = request.headers.get(HEADER, "")
    if not given or not _TOKEN.match(given):
        return ""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    return given if peer is not None and _trusted(peer, trusted_networks()) else ""


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _from_proxy(request) or uuid.uuid4().hex
        request.request_id = request_id
        token = current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record ("-" outside a request: commands, workers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get() or "-"
        return True
