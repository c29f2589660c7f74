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
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
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
    """Count one attempt; returns how many this window holds now (this one included). The first
    attempt of a window also notes when the window ends (``<key>:until``: the cache API cannot
    read a key's time to live), so that a refusal says how long to wait."""
    key = _key(limit.scope, *parts)
    if cache.add(key, 1, limit.window):
        cache.set(f"{key}:until", time.time() + limit.window, limit.window)
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this one starts a new window
        cache.set(key, 1, limit.window)
        cache.set(f"{key}:until", time.time() + limit.window, limit.window)
        return 1


def window_end(limit: Limit, *parts: object) -> float | None:
    """When the current window of ``parts`` ends (a Unix time), or None when none is open."""
    until = cache.get(f"{_key(limit.scope, *parts)}:until")
    return None if until is None else float(until)


def wait_seconds(limit: Limit, *parts: object) -> int:
    """Seconds until the current window of ``parts`` ends (the whole window when unknown)."""
    until = window_end(limit, *parts)
    if until is None:
        return limit.window
    return max(1, min(limit.window, math.ceil(until - time.time())))


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
    key = _key(limit.scope, *parts)
    cache.delete_many([key, f"{key}:until"])


# --------------------------------------------------------------------------------------------
# The public look-ups (no login): per form and per (address, number), in this shared cache
# --------------------------------------------------------------------------------------------
def public_form_limit(scope: str) -> Limit:
    """Tries of one public form per client address: ``PUBLIC_LOOKUP_LIMIT`` per
    ``PUBLIC_LOOKUP_WINDOW_MINUTES``. Generous on purpose: a township office PC or a carrier's
    NAT puts many honest people behind one address; what stops guessing is the limit below."""
    return Limit(
        f"public:{scope}",
        settings.PUBLIC_LOOKUP_LIMIT,
        settings.PUBLIC_LOOKUP_WINDOW_MINUTES * 60,
    )


def public_number_limit(scope: str) -> Limit:
    """Tries of one number (a case number, a receipt number) from one address:
    ``PUBLIC_LOOKUP_PER_CASE_LIMIT`` per ``PUBLIC_LOOKUP_PER_CASE_WINDOW_MINUTES``; nobody walks
    one number's secret code, even slowly, and nobody else behind the address is held up."""
    return Limit(
        f"public:{scope}:number",
        settings.PUBLIC_LOOKUP_PER_CASE_LIMIT,
        settings.PUBLIC_LOOKUP_PER_CASE_WINDOW_MINUTES * 60,
    )


@dataclass(frozen=True)
class Refusal:
    """A public try refused: which limit, and how long until it is open again."""

    limit: Limit
    per_number: bool
    wait: int  # seconds

    @property
    def wait_minutes(self) -> int:
        return max(1, -(-self.wait // 60))

    @property
    def until(self) -> datetime:
        return timezone.localtime() + timedelta(seconds=self.wait)


def public_try(scope: str, address: str, number: str | None = None) -> Refusal | None:
    """Count one try of public form ``scope`` from ``address`` (and of ``number``, when the form
    looks one up); the refusal when a limit is used up, else None."""
    form = public_form_limit(scope)
    if hit(form, address):
        return Refusal(form, False, wait_seconds(form, address))
    if number is not None:
        per_number = public_number_limit(scope)
        if hit(per_number, address, number):
            return Refusal(per_number, True, wait_seconds(per_number, address, number))
    return None


def public_refusal_response(request, refusal: Refusal) -> HttpResponse:
    """429 with a message saying which limit was reached and how long to wait (in the reader's
    language), and ``Retry-After``."""
    response = render(
        request,
        "throttled.html",
        {
            "refusal": refusal,
            "limit": refusal.limit.limit,
            "window_minutes": refusal.limit.minutes,
            "minutes": refusal.wait_minutes,
            "until": refusal.until,
        },
        status=429,
    )
    response["Retry-After"] = str(refusal.wait)
    return response


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
