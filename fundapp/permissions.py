"""Role checks for server-rendered views, in one place.

Every screen names the Django permission it needs (the roles in ``fundapp/roles.py`` hold them
as groups). The rule is the same everywhere:

* an anonymous visitor is sent to the login page (and back here afterwards);
* a signed-in user without the permission gets 403, never a login loop;
* with several permissions, the user needs all of them.

Use ``permission_required`` on function views and ``PermissionRequiredMixin`` on class views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.mixins import PermissionRequiredMixin as _DjangoPermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def check_permissions(user, perms: tuple[str, ...]) -> bool:
    """True when ``user`` is signed in and holds every one of ``perms``."""
    return bool(user and user.is_authenticated and user.has_perms(perms))


def permission_required(*perms: str) -> Callable:
    """Decorate a view: login redirect for anonymous users, 403 for the wrong role."""
    if not perms:
        raise ValueError("permission_required needs at least one permission")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), None, REDIRECT_FIELD_NAME)
            if not user.has_perms(perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = perms
        return wrapped

    return decorator


class PermissionRequiredMixin(_DjangoPermissionRequiredMixin):
    """Django's mixin with the rule above made explicit: signed-in users never bounce to login."""

    raise_exception = False  # anonymous -> login; Django raises 403 for signed-in users anyway

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied
        return super().handle_no_permission()
