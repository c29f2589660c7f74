"""URL composition: each app brings its own URL modules; this is the only place they meet."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ledger.collection.public_views import receipt_short

from . import health

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # For the load balancer and Prometheus (fundapp.health); /metrics only from the allowed
    # addresses or with the token.
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # For signed-in users only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the docs page sends
    # a browser to the login page first. The split view serves Swagger UI's start-up script as
    # a file of its own (?script), so the page needs no inline script (Content-Security-Policy).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/", include("fundapp.api_urls")),
    path("ledger/", include("ledger.urls")),
    path("cases/", include("approvals.urls")),
    path("collection/", include("ledger.collection.urls")),
    path("payouts/", include("disbursement.urls")),
    path("public/", include("fundapp.public_urls")),
    # The short, typeable receipt verification address printed on every receipt (issue 14).
    path("r/<str:code>", receipt_short, name="receipt-short"),
    path("r/<str:code>/", receipt_short),  # as typed with a closing slash
    path("", include("fundapp.site_urls")),
]
