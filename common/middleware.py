"""A ceiling on the size of any request body, checked before Django reads it.

Django limits form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but not uploaded files: a file of any
size would be streamed to a temporary file before a view could look at it. Each upload has its
own, smaller limit (``common.uploads``); this one refuses, unread, a body larger than the
largest of them (``UPLOAD_MAX_REQUEST_BYTES``) with 413, so that a gigabyte never reaches disk
whatever URL it is sent to. A reverse proxy should hold the same limit (docs/deploy).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        most = getattr(settings, "UPLOAD_MAX_REQUEST_BYTES", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if most and length > most:
            message = _("The request is too large (%(size)s MB); the limit is %(limit)s MB.") % {
                "size": round(length / 1048576, 1),
                "limit": round(most / 1048576, 1),
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "request_too_large", "message": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
