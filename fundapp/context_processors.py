"""Template context shared by every page."""

from common.permissions import PermWrapper

from .roles import user_roles


def roles(request):
    user = getattr(request, "user", None)
    return {"user_roles": user_roles(user) if user is not None and user.is_authenticated else []}


def navigation(request):
    """The main menu items the signed-in user may use (fundapp/navigation.py)."""
    from .navigation import items_for

    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    return {"nav_items": items_for(user, match.view_name if match else None)}


def perms(request):
    """``perms`` answered by the business check (a superuser holds none): listed after Django's
    own ``auth`` processor, whose ``perms`` this replaces."""
    user = getattr(request, "user", None)
    return {"perms": PermWrapper(user)}
