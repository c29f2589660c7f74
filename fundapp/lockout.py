"""django-axes' cache handler, with an unlock by user name or by address alone.

The lockout counts per (user name, address) pair (settings.AXES_LOCKOUT_PARAMETERS), and axes'
cache handler keys each count by a hash of the pair: given only a user name (``manage.py
axes_reset_username bob``) or only an address, it cannot find the pairs to delete, so with Redis
an administrator could not unlock someone without knowing the address they were locked from.
This handler also remembers, for the cool-off period, which addresses each user name failed
from and which user names each address failed with, and resets every pair it knows of. (The
database handler needs none of this: it filters its table.)

The two remembered lists are read-modified-written, not atomic: two failures at the same
instant may leave one pair out of a list; the lockout itself is counted atomically by axes, and
such a pair is still unlocked by ``axes_reset_ip_username`` or by the cool-off.
"""

from __future__ import annotations

import hashlib

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache_timeout, get_client_username


def _key(kind: str, value: str) -> str:
    return f"fundapp-axes-{kind}-{hashlib.sha256(value.encode()).hexdigest()}"


class SharedCacheHandler(AxesCacheHandler):
    def _remember(self, kind: str, value: str, other: str, timeout) -> None:
        key = _key(kind, value)
        known = set(self.cache.get(key) or ())
        if other not in known:
            known.add(other)
            self.cache.set(key, sorted(known), timeout)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            if request is not None:
                username = get_client_username(request, credentials)
                address = getattr(request, "axes_ip_address", None)
                if username and address:
                    timeout = get_cache_timeout(request)
                    self._remember("user", username, address, timeout)
                    self._remember("ip", address, username, timeout)

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        if ip_or_username or (ip_address is None) == (username is None):
            return super().reset_attempts(
                ip_address=ip_address, username=username, ip_or_username=ip_or_username
            )
        if username is not None:
            pairs = [(a, username) for a in self.cache.get(_key("user", username)) or ()]
            self.cache.delete(_key("user", username))
        else:
            pairs = [(ip_address, u) for u in self.cache.get(_key("ip", ip_address)) or ()]
            self.cache.delete(_key("ip", ip_address))
        return sum(
            super(SharedCacheHandler, self).reset_attempts(ip_address=a, username=u)
            for a, u in pairs
        )
