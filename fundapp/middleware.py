"""The site's own middleware: ``Cache-Control: no-store`` on every page the app itself answers
(``NoStoreMiddleware``), and the forced change of a password someone else set
(``PasswordChangeRequiredMiddleware``).

``NoStoreMiddleware``:
Staff pages and API answers carry personal data (names, masked numbers, cases), and the public
look-ups answer about one family: none of it may stay in a shared proxy's or the browser's cache
after logout. Static files never reach this middleware (whitenoise answers them above it, with
their own long cache headers); a view that sets its own ``Cache-Control`` keeps it.
"""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

PASSWORD_CHANGE_CODE = "password_change_required"
PASSWORD_CHANGE_FIRST = _(
    "Your password was set by someone else: change it first, on the page "
    "/accounts/password/ (signed in), then try again."
)


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class PasswordChangeRequiredMiddleware:
    """A user signed in with a password someone else set (``fundapp.passwords``) reaches only
    the "change my password" screen, sign-out and the language switch: any other page
    redirects to the screen (and back afterwards), the admin included; an API call answers 403
    in JSON. The token path is held in DRF's token
    authentication (``fundapp.passwords.token_user_refusal``): a token is not a
    session and never reaches ``request.user`` here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._allowed(request.path_info):
            from .passwords import must_change_password

            if must_change_password(user):
                return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        allowed = (reverse("password_change"), reverse("logout"), reverse("set_language"))
        return path in allowed

    @staticmethod
    def _refuse(request):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"code": PASSWORD_CHANGE_CODE, "message": str(PASSWORD_CHANGE_FIRST)},
                status=403,
            )
        target = reverse("password_change")
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)
