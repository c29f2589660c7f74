"""The address the public reaches this site at, for what is printed (receipts' QR codes and
verification addresses, acknowledgements' status page).

``PUBLIC_BASE_URL`` (settings, from the environment) wins: it is the address people type, which
behind a proxy is not the one a request arrives at. Without it (a developer's machine), the
address of the request being served is used, so a server started on any port prints its own
address; without a request either, the path alone. Nothing assumes a port.
"""

from __future__ import annotations

from django.conf import settings


def public_base_url(request=None) -> str:
    """``https://fund.example.gov.cn`` (no trailing slash), or "" when nothing says it."""
    configured = (getattr(settings, "PUBLIC_BASE_URL", "") or "").strip().rstrip("/")
    if configured:
        return configured
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return ""


def public_url(path: str, request=None) -> str:
    """``path`` (an absolute path such as ``/r/ABC``) on the public address."""
    return f"{public_base_url(request)}{path}"
