"""Permission checks in one place: server-rendered views, the API and the services.

Every screen and endpoint names the Django permission it needs (the roles in ``fundapp/roles.py``
hold them as groups). For views the rule is the same everywhere:

* an anonymous visitor is sent to the login page (and back here afterwards);
* a signed-in user without the permission gets 403, never a login loop;
* with several permissions, the user needs all of them.

Use ``permission_required`` on function views and ``PermissionRequiredMixin`` on class views;
``RequiredPermissions`` is the API's twin (DRF), and ``require_perm`` the services' own check,
with one rule for the system actor: ``actor=None`` is the system itself (a management command
run by the operator, another service acting on its own), which is not refused.

**Superusers hold no business permission.** Django's ``User.has_perm`` answers True for an
active superuser whatever is asked, so a superuser would pass every four-eyes and money check.
Every check here goes through ``holds_perm``/``holds_perms`` instead, which refuse a superuser
outright and otherwise ask Django (whose ``ModelBackend`` then answers from the user's groups and
own permissions only). The superuser flag keeps its meaning in the Django admin (configuration)
and nowhere else; a test (tests/fundapp/test_superuser_powers.py) fails when code outside this
module and the admin modules calls ``has_perm`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.mixins import PermissionRequiredMixin as _DjangoPermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework import permissions as drf_permissions

from .errors import FundError, NotAllowed

# The entry of ``required_permissions`` used for reads: list, retrieve, HEAD, OPTIONS, plain GET.
READ = "read"


def holds_perms(user, perms) -> bool:
    """True when ``user`` is an active, signed-in user who is NOT a superuser and holds every
    one of ``perms`` through their groups or own permissions (the business check)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and user.has_perms(tuple(perms))
    )


def holds_perm(user, perm: str) -> bool:
    """``holds_perms`` for one permission."""
    return holds_perms(user, (perm,))


def check_permissions(user, perms: tuple[str, ...]) -> bool:
    """True when ``user`` is signed in and holds every one of ``perms`` (never a superuser)."""
    return holds_perms(user, perms)


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
            if not holds_perms(user, perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permissions = perms
        return wrapped

    return decorator


class PermissionRequiredMixin(_DjangoPermissionRequiredMixin):
    """Django's mixin with the rule above made explicit: signed-in users never bounce to login."""

    raise_exception = False  # anonymous -> login; Django raises 403 for signed-in users anyway

    def has_permission(self) -> bool:
        return holds_perms(self.request.user, self.get_permission_required())

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied
        return super().handle_no_permission()


def require_perm(actor, perm: str, *, error: type[FundError] = NotAllowed) -> None:
    """Refuse with ``error`` unless ``actor`` holds ``perm``; ``actor=None`` is the system.

    Each app passes its own ``NotAllowed`` (a subclass of ``common.errors.NotAllowed``) so that
    its views, which catch the app's base error, show the refusal like any other."""
    if actor is not None and not holds_perm(actor, perm):
        raise error(
            _("You do not have the role needed for this (permission %(perm)s).") % {"perm": perm}
        )


class RequiredPermissions(drf_permissions.BasePermission):
    """API: the user must hold every Django permission the view names for the action.

    ``view.required_permissions`` maps an action (``create``, ``reverse``...) to permission
    names; reads (list, retrieve, HEAD, OPTIONS, plain GET views) use the ``READ`` entry. An
    action with no entry is refused rather than left open.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        table = view.required_permissions
        action_name = getattr(view, "action", None)
        if action_name in (None, "list", "retrieve", "metadata"):
            action_name = READ
        needed = table.get(action_name)
        return needed is not None and holds_perms(user, needed)


class PermWrapper:
    """Templates' ``perms`` (``{% if perms.ledger.add_donation %}``) answered by ``holds_perm``,
    so a page never offers a superuser a button its view refuses. Replaces Django's own
    ``PermWrapper`` through ``fundapp.context_processors.perms``."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, app_label):
        return _AppPerms(self.user, app_label)

    def __iter__(self):
        raise TypeError("PermWrapper is not iterable.")

    def __contains__(self, perm_name):
        if "." not in perm_name:
            return any(p.startswith(f"{perm_name}.") for p in _business_perms(self.user))
        return holds_perm(self.user, perm_name)


class _AppPerms:
    def __init__(self, user, app_label):
        self.user, self.app_label = user, app_label

    def __getitem__(self, codename):
        return holds_perm(self.user, f"{self.app_label}.{codename}")

    def __iter__(self):
        raise TypeError("PermLookupDict is not iterable.")

    def __bool__(self):
        return any(p.startswith(f"{self.app_label}.") for p in _business_perms(self.user))


def _business_perms(user) -> set[str]:
    if not holds_perms(user, ()):
        return set()
    return user.get_all_permissions()
