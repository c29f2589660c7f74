"""Counting attempts in the shared cache: the public look-ups' limits, the API's throttles, and
the lockout of wrong API tokens.

Every counter lives in Django's ``default`` cache, which is Redis when ``CACHE_URL`` or
``REDIS_URL`` is set (settings): then every worker process and host counts in the same place,
so a limit is a limit however many workers serve the site. Counters are fixed windows
(``cache.add`` then ``cache.incr``, both atomic in Redis). Keys hold a hash of what is counted
(an address, a case number), never the thing itself.

Logins to the site and the admin are counted by django-axes (settings: ``AXES_*``) in the same
cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .clientip import client_ip

PREFIX = "throttle"


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` attempts of ``scope`` per ``window`` seconds per counted key."""

    scope: str
    limit: int
    window: int

    @property
    def minutes(self) -> int:
        return max(1, -(-self.window // 60))


def _key(scope: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"{PREFIX}:{scope}:{digest}"


def count(limit: Limit, *parts: object) -> int:
    """Count one attempt; returns how many this window holds now (this one included)."""
    key = _key(limit.scope, *parts)
    if cache.add(key, 1, limit.window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this one starts a new window
        cache.set(key, 1, limit.window)
        return 1


def hit(limit: Limit, *parts: object) -> bool:
    """Count one attempt; True when it is over the limit (refuse it)."""
    return count(limit, *parts) > limit.limit


def used(limit: Limit, *parts: object) -> int:
    """How many attempts this window holds (counts nothing)."""
    return int(cache.get(_key(limit.scope, *parts), 0) or 0)


def over(limit: Limit, *parts: object) -> bool:
    """True when the limit is already used up (counts nothing)."""
    return used(limit, *parts) >= limit.limit


def reset(limit: Limit, *parts: object) -> None:
    cache.delete(_key(limit.scope, *parts))


# --------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------
class _ClientIdent:
    """DRF's own ``get_ident`` trusts X-Forwarded-For from anyone (or counts proxies): ours is
    the one address of ``common.clientip``. The rate is read from the settings at each request
    (DRF keeps the dict it saw at import), so a changed setting takes effect."""

    def get_ident(self, request):
        return client_ip(request._request if hasattr(request, "_request") else request)

    def get_rate(self):
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)


class ApiAnonThrottle(_ClientIdent, AnonRateThrottle):
    """Callers not signed in, per client address (rate ``anon`` of REST_FRAMEWORK)."""


class ApiUserThrottle(_ClientIdent, UserRateThrottle):
    """Signed-in callers, per user (rate ``user`` of REST_FRAMEWORK)."""


# Checks of the user a valid token belongs to, registered by the apps above this floor (fundapp:
# a password someone else set is changed first). Each returns None, or a refusal (403) as
# (code, message): the code is the API error body's ``code``.
TokenUserCheck = Callable[[object], tuple[str, str] | None]
TOKEN_USER_CHECKS: list[TokenUserCheck] = []


def register_token_user_check(check: TokenUserCheck) -> None:
    if check not in TOKEN_USER_CHECKS:
        TOKEN_USER_CHECKS.append(check)


class TokenUserRefused(exceptions.PermissionDenied):
    """A right token whose user a registered check refuses (403, with the check's code)."""

    def __init__(self, code: str, message: str):
        super().__init__(detail=message, code=code)
        self.default_code = code  # the API's error body reads it (common.api)


def token_limit() -> Limit:
    return Limit(
        "api-token",
        settings.API_TOKEN_FAILURE_LIMIT,
        settings.API_TOKEN_COOLOFF_MINUTES * 60,
    )


class LockoutTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with a lockout: after ``API_TOKEN_FAILURE_LIMIT`` wrong tokens
    from one address, that address's token requests are refused (429) for
    ``API_TOKEN_COOLOFF_MINUTES``, the right token included. A right token whose user a
    registered check refuses (``register_token_user_check``) answers 403. DRF's throttles run after
    authentication, so a wrong token (401) would never reach them; django-axes counts
    ``authenticate()`` calls, which a token does not make."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        limit = token_limit()
        address = client_ip(request._request)
        if over(limit, address):
            raise exceptions.Throttled(
                wait=limit.window,
                detail=str(_("Too many wrong tokens from your address. Try again later.")),
            )
        try:
            found = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            count(limit, address)
            raise
        for check in TOKEN_USER_CHECKS if found else ():
            refusal = check(found[0])
            if refusal:
                raise TokenUserRefused(*refusal)
        return found
