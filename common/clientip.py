"""The client's address, proxy-aware only when a proxy is configured.

``REMOTE_ADDR`` is the address that opened the connection. Behind a reverse proxy that is the
proxy, and every citizen would share one throttle bucket; but ``X-Forwarded-For`` is written by
whoever sends the request, so reading it without a proxy lets anyone choose their own bucket.

So: only when ``REMOTE_ADDR`` is one of ``settings.TRUSTED_PROXIES`` (addresses or networks) is
``X-Forwarded-For`` read, from the right (each proxy appends the address it saw), skipping
trusted proxies; the first address that is not one is the client's. Anything a client wrote
further left is never reached. A malformed entry stops the walk at the last trusted hop.

Written here rather than with django-ipware: ipware matches trusted proxies by string prefix
(no CIDR networks) and its "right-most" order counts a fixed number of proxies; what we need is
the right-most *untrusted* address, which is these few lines. django-axes, the API throttles and
the public look-ups all call ``client_ip`` (settings.AXES_CLIENT_IP_CALLABLE), so one address
means the same on every path.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def trusted_networks():
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _address(value: str):
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's address as text (``"unknown"`` when the connection has none)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return UNKNOWN
    networks = trusted_networks()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def client_ip_or_none(request) -> str | None:
    """``client_ip`` for django-axes (settings.AXES_CLIENT_IP_CALLABLE): ``None`` when the
    connection has no address (a unix socket, a test's force_login), since axes stores it in an
    IP address column that refuses any other text on PostgreSQL."""
    address = client_ip(request)
    return None if address == UNKNOWN else address
