"""``Cache-Control: no-store`` on every page the app itself answers.

Staff pages and API answers carry personal data (names, masked numbers, cases), and the public
look-ups answer about one family: none of it may stay in a shared proxy's or the browser's cache
after logout. Static files never reach this middleware (whitenoise answers them above it, with
their own long cache headers); a view that sets its own ``Cache-Control`` keeps it.
"""

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
